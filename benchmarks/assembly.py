"""Tangent assembly and linear solvers on second-order tetrahedra (3D), measured in one run.

    python benchmarks/assembly.py [--quick] [--sizes 50000,200000,1000000] [--repeat 3]

(a) Assembly. One stiffness matrix of quadratic tetrahedra (about 50 k unknowns) assembled two
    ways with the same quadrature: scikit-fem's ``BilinearForm``
    (``skfem.models.elasticity.linear_elasticity`` on an ``ElementVector(ElementTetP2)`` basis)
    and thermofatigue's ``Assembler.matrix`` with a per-quadrature-point 6x6 tangent array. The
    CSR pattern of ``Assembler`` is built once beforehand (timed and reported separately); the
    headline is the refill of that pattern with a new tangent, the Newton hot path. Each side is
    the best of ``--repeat`` runs. The two matrices must agree (max relative difference printed).
    Target: refill >= 8x faster than scikit-fem.

(b) Linear solvers. A silicon die bonded on an FR-4 board (a 10 x 10 mm quarter-symmetric plate,
    board 1.0 mm, die 0.3 mm, P2 tetrahedra, symmetry planes x = 0 and y = 0, the remaining
    rigid-body mode pinned automatically by ``ConstrainedSpace``) cooled from the stress-free
    125 C to -40 C: the thermal-mismatch load. At about 50 k, 200 k and 1 M unknowns it times
    ``AMGSolver`` (smoothed-aggregation AMG preconditioned CG, relative residual 1e-8, setup and
    solve separately, CG iterations) and ``DirectSolver`` (PARDISO if pypardiso is importable,
    and SuperLU where feasible), checks that AMG and direct solutions agree, and fits the growth
    exponent p of the AMG time (setup + solve) ~ DOF^p over the sizes. Target: p <= 1.15.
    A direct solve whose extrapolated factorization memory or time exceeds the guard
    (``--direct-memory``, ``--direct-time``) is skipped, with the reason and the estimate printed.

Times are wall-clock seconds ("s"); "cpu" is the process CPU time (all threads), printed because
the machine is shared and wall time then includes waiting for a core. Growth exponents are
printed for both.
"""

from __future__ import annotations

import thermofatigue  # noqa: F401  (first: it makes OpenBLAS single-threaded, as in a real run)

import argparse
import gc
import os
import resource
import time

import numpy as np
import scipy.sparse as sp
import skfem
from skfem.models.elasticity import lame_parameters, linear_elasticity

from thermofatigue.fem.assembly import Assembler
from thermofatigue.fem.constraints import ConstrainedSpace
from thermofatigue.fem.kinematics import Discretization
from thermofatigue.fem.linear import AMGSolver, DirectSolver, _pardiso_available
from thermofatigue.materials import get_material
from thermofatigue.materials.elastic import ThermoElastic, isotropic_stiffness
from thermofatigue.model import boundary_constraints
from thermofatigue.validation import bilayer_mesh

HALF_WIDTH, T_BOARD, T_DIE = 5.0, 1.0, 0.3      # mm (quarter of a 10 x 10 mm plate)
T_STRESS_FREE, T_COLD = 125.0, -40.0             # C
AMG_TOL = 1e-8                                   # relative residual of CG
ASSEMBLY_TARGET, EXPONENT_TARGET = 8.0, 1.15
# Nominal growth of sparse Cholesky/LU with nested-dissection-like orderings on 3D meshes,
# used to extrapolate from a single measured size: time ~ N^2, factor memory ~ N^(4/3).
NOMINAL_TIME_EXP, NOMINAL_MEMORY_EXP = 2.0, 4.0 / 3.0


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
class Timer:
    """Wall and CPU time of a block: ``with Timer() as t: ...; t.wall, t.cpu``."""

    def __enter__(self):
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._w
        self.cpu = time.process_time() - self._c


def best_of(repeat: int, func):
    """Run ``func`` ``repeat`` times; (result of the last run, best wall s, cpu s of that run)."""
    best = (np.inf, np.inf)
    result = None
    for _ in range(max(1, repeat)):
        with Timer() as t:
            result = func()
        if t.wall < best[0]:
            best = (t.wall, t.cpu)
    return result, best[0], best[1]


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux


def available_gb() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1e6
    except OSError:
        pass
    return 8.0


def slope(x, y) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def plate_divisions(target_dofs: int) -> tuple[int, int, int]:
    """(in-plane, board, die) divisions of the P2 plate whose size is closest to ``target``.

    Through-thickness layers follow the in-plane ones (element aspect ratio about 1:1.3), so the
    sizes are a family of uniform refinements of one mesh rather than a plate that only gets
    thinner elements.
    """
    best = None
    for n in range(2, 400):
        nz = max(2, round(n * (T_BOARD + T_DIE) / HALF_WIDTH))
        n_die = max(1, round(nz * T_DIE / (T_BOARD + T_DIE)))
        dofs = 3 * (2 * n + 1) ** 2 * (2 * nz + 1)
        if best is None or abs(dofs - target_dofs) < abs(best[0] - target_dofs):
            best = (dofs, (n, nz - n_die, n_die))
        if dofs > 2 * target_dofs:
            break
    return best[1]


# ----------------------------------------------------------------------------------------------
# (a) assembly
# ----------------------------------------------------------------------------------------------
def assembly_benchmark(target_dofs: int, repeat: int) -> dict:
    """scikit-fem BilinearForm vs Assembler refill on the plate mesh (one isotropic material, so
    that both sides assemble the same matrix)."""
    E, nu = 130e3, 0.28  # MPa
    tagged = bilayer_mesh("3d", HALF_WIDTH, T_BOARD, T_DIE, plate_divisions(target_dofs))
    mesh = tagged.mesh
    disc = Discretization(mesh, "3d", order=2)
    # a full per-quadrature-point tangent array, as a constitutive update returns it
    tangent = np.ascontiguousarray(np.broadcast_to(
        isotropic_stiffness(E, nu), (disc.n_elements, disc.n_quadrature, 6, 6)))

    with Timer() as t_pattern:
        asm = Assembler(disc)
    K, t_refill, c_refill = best_of(repeat, lambda: asm.matrix(tangent))

    vb = skfem.Basis(mesh, skfem.ElementVector(skfem.ElementTetP2()),
                     quadrature=disc.scalar_basis.quadrature)
    form = linear_elasticity(*lame_parameters(E, nu))
    K_ref, t_skfem, c_skfem = best_of(repeat, lambda: skfem.asm(form, vb))

    diff = abs(K - K_ref).max() / abs(K_ref).max()
    return dict(dofs=disc.n_dofs, elements=disc.n_elements, quadrature=disc.n_quadrature,
                nnz=asm.nnz, pattern=t_pattern.wall, refill=t_refill, refill_cpu=c_refill,
                skfem=t_skfem, skfem_cpu=c_skfem, diff=diff,
                ratio=t_skfem / t_refill, ratio_first=t_skfem / (t_refill + t_pattern.wall))


def print_assembly(r: dict, repeat: int) -> None:
    print(f"(a) assembly: {r['dofs']} unknowns, {r['elements']} P2 tetrahedra x "
          f"{r['quadrature']} quadrature points, {r['nnz'] / 1e6:.2f} M nonzeros; best of {repeat}")
    print(f"    Assembler pattern (once)        {r['pattern']:8.3f} s")
    print(f"    Assembler.matrix refill         {r['refill']:8.3f} s  "
          f"(cpu {r['refill_cpu']:.3f} s)")
    print(f"    scikit-fem BilinearForm asm     {r['skfem']:8.3f} s  (cpu {r['skfem_cpu']:.3f} s)")
    print(f"    speed-up refill {r['ratio']:.1f}x, pattern + refill {r['ratio_first']:.1f}x; "
          f"max relative difference of the matrices {r['diff']:.1e}")


# ----------------------------------------------------------------------------------------------
# (b) linear solvers on the die-on-board plate
# ----------------------------------------------------------------------------------------------
def die_on_board(target_dofs: int, chunk: int = 20000) -> dict:
    """Reduced stiffness ``K``, thermal-mismatch right-hand side ``b`` and near-null space of
    the die-on-board plate.

    The matrix is summed element chunk by element chunk through scipy (COO -> CSR) and reduced
    as ``T^T A T`` (+ identity rows of the constrained unknowns): the project's ``Assembler``
    pattern and ``ConstrainedSpace.reduce_matrix`` map need about 15 GB at 1 M unknowns, more
    than this shared machine allows; :func:`check_reduced_matrix` shows the two paths give the
    same matrix.
    """
    divisions = plate_divisions(target_dofs)
    tagged = bilayer_mesh("3d", HALF_WIDTH, T_BOARD, T_DIE, divisions)
    disc = Discretization(tagged.mesh, "3d", order=2)
    boundary = {"sym_x": "symmetry", "sym_y": "symmetry"}
    cs = ConstrainedSpace(disc, boundary_constraints(tagged, disc, boundary, "benchmark"))
    materials = {"die": ThermoElastic(get_material("silicon"), T_STRESS_FREE),
                 "board": ThermoElastic(get_material("fr4"), T_STRESS_FREE)}
    n = disc.n_dofs
    A = sp.csr_matrix((n, n))
    f = np.zeros(n)
    for region, material in materials.items():
        zero = np.zeros((1, 1, 6))
        stress, tangent, _ = material.update(zero, T_COLD, T_COLD, 0.0,
                                             material.initial_state((1, 1)))
        elements = tagged.regions[region]
        for start in range(0, elements.size, chunk):
            e = elements[start:start + chunk]
            Ke, fe = element_arrays(disc, e, tangent[0, 0], stress[0, 0])
            dofs = disc.element_dofs[e]
            m = dofs.shape[1]
            rows = np.repeat(dofs, m, axis=1).ravel()
            cols = np.tile(dofs, (1, m)).ravel()
            A = A + sp.csr_matrix((Ke.ravel(), (rows, cols)), shape=(n, n))
            f += np.bincount(dofs.ravel(), weights=fe.ravel(), minlength=n)
            del Ke, rows, cols
    K = reduce(cs, A)
    b = -cs.reduce_vector(f)  # Newton's first step from u = 0: K du = -r(0)
    return dict(K=K, b=b, B=cs.near_nullspace(), block_size=cs.block_size, dofs=n,
                elements=disc.n_elements, divisions=divisions, pinned=cs.pinned.size,
                tagged=tagged, disc=disc, cs=cs, materials=materials, A=A)


def element_arrays(disc, elements, C, stress):
    """Element stiffness ``sum_q w B^T C B`` and force ``sum_q w B^T stress`` (constant C)."""
    B = disc.strain_matrix(elements)                                   # (c, Q, 6, m)
    w = disc.weights[elements]
    c, nq, _, m = B.shape
    DB = np.matmul(C * w[:, :, None, None], B)
    Ke = np.matmul(B.reshape(c, nq * 6, m).transpose(0, 2, 1), DB.reshape(c, nq * 6, m))
    fe = np.einsum("eqkn,k,eq->en", B, stress, w, optimize=True)
    return Ke, fe


def reduce(cs: ConstrainedSpace, A: sp.csr_matrix) -> sp.csr_matrix:
    """``T^T A T`` with unit diagonal on the unknowns that have no admissible direction."""
    K = (cs.Tt @ A @ cs.T).tocsr()
    identity = np.zeros(K.shape[0])
    identity[cs.inactive] = 1.0
    K = (K + sp.diags(identity)).tocsr()
    K.sort_indices()
    return K


def check_reduced_matrix(problem: dict) -> float:
    """Max relative difference between the benchmark's matrix and the project's path
    (``Assembler`` + ``ConstrainedSpace.reduce_matrix``) for the same problem."""
    disc, cs, tagged = problem["disc"], problem["cs"], problem["tagged"]
    asm = Assembler(disc)
    data = np.zeros(asm.nnz)
    for region, material in problem["materials"].items():
        e = tagged.regions[region]
        C = material.stiffness(np.full((e.size, disc.n_quadrature), T_COLD))
        data += asm.matrix_data(C, e)
    K_ref = cs.reduce_matrix(asm.csr(data))
    K = problem["K"]
    return float(abs(K - K_ref).max() / abs(K_ref).max())


def run_amg(problem: dict, repeat: int) -> dict:
    K, b = problem["K"], problem["b"]
    solver = AMGSolver(near_nullspace=problem["B"], tol=AMG_TOL, block_size=problem["block_size"])
    _, t_setup, c_setup = best_of(repeat, lambda: solver.setup(K))
    x, t_solve, c_solve = best_of(repeat, lambda: solver.solve(b))
    levels = [(lvl.A.shape[0], lvl.A.nnz) for lvl in solver.ml.levels]
    return dict(x=x, setup=t_setup, solve=t_solve, setup_cpu=c_setup, solve_cpu=c_solve,
                iterations=solver.iterations, levels=levels,
                complexity=solver.ml.operator_complexity(),
                residual=np.linalg.norm(b - K @ x) / np.linalg.norm(b))


def factor_memory_gb(solver: DirectSolver) -> float:
    """Memory of the factorization: PARDISO's own report (iparm 17, kB), SuperLU's L + U."""
    if solver.backend == "pardiso":
        pardiso = solver._factor
        return max(pardiso.get_iparm(15), pardiso.get_iparm(16) + pardiso.get_iparm(17)) / 1e6
    lu = solver._factor
    return (lu.L.nnz + lu.U.nnz) * 12 / 1e9


def direct_guard(history: list, dofs: int, max_memory: float, max_time: float):
    """(run?, reason) for a direct solve of ``dofs`` unknowns from the earlier sizes of the
    same backend: power-law fit of factorization time and memory (nominal exponents when only
    one size ran)."""
    if not history:
        return True, ""
    n = np.array([h["dofs"] for h in history], dtype=float)
    t = np.array([h["setup"] + h["solve"] for h in history])
    m = np.array([h["memory"] for h in history])
    if len(history) >= 2:
        pt, pm = slope(n, t), slope(n, m)
    else:
        pt, pm = NOMINAL_TIME_EXP, NOMINAL_MEMORY_EXP
    est_t = t[-1] * (dofs / n[-1]) ** pt
    est_m = m[-1] * (dofs / n[-1]) ** pm
    estimate = (f"estimated {est_t:.0f} s and {est_m:.1f} GB of factor from DOF^{pt:.2f} time "
                f"and DOF^{pm:.2f} memory growth")
    if est_m > max_memory:
        return False, f"{estimate} > memory guard {max_memory:.1f} GB"
    if est_t > max_time:
        return False, f"{estimate} > time guard {max_time:.0f} s"
    return True, estimate


def run_direct(problem: dict, backend: str) -> dict:
    K, b = problem["K"], problem["b"]
    solver = DirectSolver(backend)
    with Timer() as t_setup:
        solver.setup(K)
    with Timer() as t_solve:
        x = solver.solve(b)
    out = dict(x=x, setup=t_setup.wall, solve=t_solve.wall, setup_cpu=t_setup.cpu,
               solve_cpu=t_solve.cpu, memory=factor_memory_gb(solver), dofs=problem["dofs"],
               residual=np.linalg.norm(b - K @ x) / np.linalg.norm(b))
    del solver
    return out


def solver_benchmark(sizes, repeat: int, backends, superlu_sizes: int, max_memory: float,
                     max_time: float) -> list:
    rows = []
    history = {backend: [] for backend in backends}
    for i, target in enumerate(sizes):
        with Timer() as t_build:
            problem = die_on_board(target)
        K = problem["K"]
        n, nnz = K.shape[0], K.nnz
        print(f"\n(b) plate {problem['divisions']} divisions: {n} unknowns, {problem['elements']} "
              f"P2 tetrahedra, {nnz / 1e6:.1f} M nonzeros, {problem['pinned']} rigid-body "
              f"unknown(s) pinned; built in {t_build.wall:.1f} s", flush=True)
        if i == 0:
            print(f"    benchmark matrix vs Assembler + reduce_matrix: max relative difference "
                  f"{check_reduced_matrix(problem):.1e}")
        for key in ("tagged", "disc", "cs", "materials", "A"):
            problem.pop(key)
        gc.collect()
        row = dict(dofs=n, nnz=nnz, direct={})
        amg = run_amg(problem, repeat if n < 500_000 else min(repeat, 2))
        row["amg"] = amg
        lv = ", ".join(f"{u} ({z / 1e6:.2f} M)" for u, z in amg["levels"])
        print(f"    AMG-CG  setup {amg['setup']:7.2f} s (cpu {amg['setup_cpu']:.2f} s)  solve "
              f"{amg['solve']:7.2f} s (cpu {amg['solve_cpu']:.2f} s)  {amg['iterations']} CG "
              f"iterations, residual {amg['residual']:.1e}; levels: {lv}; operator complexity "
              f"{amg['complexity']:.2f}", flush=True)
        for backend in backends:
            if backend == "superlu" and i >= superlu_sizes:
                print(f"    SuperLU skipped: run at the first {superlu_sizes} size(s) only "
                      f"(--superlu-sizes)")
                continue
            ok, reason = direct_guard(history[backend], n, max_memory, max_time)
            if not ok:
                print(f"    {backend:8s} skipped: {reason}")
                row["direct"][backend] = dict(skipped=reason)
                continue
            d = run_direct(problem, backend)
            history[backend].append(d)
            d["agree"] = np.linalg.norm(amg["x"] - d["x"]) / np.linalg.norm(d["x"])
            row["direct"][backend] = d
            print(f"    {backend:8s} factor {d['setup']:7.2f} s (cpu {d['setup_cpu']:.2f} s)  "
                  f"solve {d['solve']:6.2f} s  factor memory {d['memory']:.2f} GB, residual "
                  f"{d['residual']:.1e}; |x_amg - x_direct| / |x_direct| = {d['agree']:.1e}"
                  + (f" ({reason})" if reason else ""), flush=True)
            d.pop("x")
        amg.pop("x")
        rows.append(row)
        del problem, K
        gc.collect()
        print(f"    peak memory of this process so far {peak_rss_gb():.1f} GB", flush=True)
    return rows


def print_table(rows, backends) -> None:
    head = f"{'DOF':>9} {'nnz':>8} | {'AMG setup':>9} {'solve':>7} {'it':>3} {'total':>7}"
    for backend in backends:
        head += f" | {backend + ' fact':>12} {'solve':>6} {'GB':>5} {'diff':>7}"
    print("\n" + head)
    print("-" * len(head))
    for r in rows:
        a = r["amg"]
        line = (f"{r['dofs']:9d} {r['nnz'] / 1e6:7.1f}M | {a['setup']:8.2f}s {a['solve']:6.2f}s "
                f"{a['iterations']:3d} {a['setup'] + a['solve']:6.2f}s")
        for backend in backends:
            d = r["direct"].get(backend)
            if d is None or "skipped" in d:
                line += f" | {'skipped':>12} {'':>6} {'':>5} {'':>7}"
            else:
                line += (f" | {d['setup']:11.2f}s {d['solve']:5.2f}s {d['memory']:5.2f} "
                         f"{d['agree']:7.1e}")
        print(line)


# ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: small sizes, one repetition")
    parser.add_argument("--sizes", type=str, default=None,
                        help="comma-separated target unknown counts of (b) "
                             "(default 50000,200000,1000000; quick 8000,20000,50000)")
    parser.add_argument("--assembly-dofs", type=int, default=None,
                        help="target unknowns of (a) (default 50000; quick 10000)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="repetitions, the best counts (default 3; quick 1)")
    parser.add_argument("--skip-assembly", action="store_true")
    parser.add_argument("--skip-solvers", action="store_true")
    parser.add_argument("--direct", type=str, default="auto",
                        help="direct backends to time: 'auto' (PARDISO if importable, and "
                             "SuperLU), a comma-separated list, or 'none'")
    parser.add_argument("--superlu-sizes", type=int, default=1,
                        help="run SuperLU at the first N sizes of (b) only (default 1)")
    parser.add_argument("--direct-memory", type=float, default=None,
                        help="skip a direct solve whose estimated factor memory exceeds this, GB "
                             "(default: half the available memory, at most 8)")
    parser.add_argument("--direct-time", type=float, default=600.0,
                        help="skip a direct solve estimated to take longer than this, s")
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)
    sizes = ([int(float(s)) for s in args.sizes.split(",")] if args.sizes else
             [8000, 20000, 50000] if args.quick else [50000, 200000, 1000000])
    assembly_dofs = args.assembly_dofs or (10000 if args.quick else 50000)
    max_memory = args.direct_memory or min(8.0, 0.5 * available_gb())
    if args.direct == "auto":
        backends = (["pardiso"] if _pardiso_available() else []) + ["superlu"]
    else:
        backends = [b for b in args.direct.split(",") if b and b != "none"]

    print(f"thermofatigue assembly/solver benchmark; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at start; direct backends: {', '.join(backends) or 'none'}; "
          f"direct guard {max_memory:.1f} GB / {args.direct_time:.0f} s")
    assembly = None
    if not args.skip_assembly:
        assembly = assembly_benchmark(assembly_dofs, repeat)
        print_assembly(assembly, repeat)
    rows = []
    if not args.skip_solvers:
        rows = solver_benchmark(sizes, repeat, backends, args.superlu_sizes, max_memory,
                                args.direct_time)
        print_table(rows, backends)

    print(f"\nload average {os.getloadavg()[0]:.1f} at the end; peak memory "
          f"{peak_rss_gb():.1f} GB")
    if assembly:
        verdict = "met" if assembly["ratio"] >= ASSEMBLY_TARGET else "not met"
        print(f"(a) assembly refill speed-up over scikit-fem at {assembly['dofs']} unknowns: "
              f"{assembly['ratio']:.1f}x (target >= {ASSEMBLY_TARGET:g}x): {verdict}")
    if len(rows) >= 2:
        n = [r["dofs"] for r in rows]
        wall = slope(n, [r["amg"]["setup"] + r["amg"]["solve"] for r in rows])
        cpu = slope(n, [r["amg"]["setup_cpu"] + r["amg"]["solve_cpu"] for r in rows])
        parts = (f"setup {slope(n, [r['amg']['setup'] for r in rows]):.2f}, "
                 f"solve {slope(n, [r['amg']['solve'] for r in rows]):.2f}")
        verdict = "met" if wall <= EXPONENT_TARGET else "not met"
        print(f"(b) AMG time growth exponent over {n[0]}..{n[-1]} unknowns: {wall:.2f} wall "
              f"({parts}), {cpu:.2f} cpu (target <= {EXPONENT_TARGET:g}): {verdict}")


if __name__ == "__main__":
    main()
