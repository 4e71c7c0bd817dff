"""Thermo-elastic FE core: free expansion, patch test, manufactured-solution convergence rates."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla
import skfem

import manufactured as mf
from thermofatigue.fem.assembly import Assembler
from thermofatigue.fem.constraints import ConstrainedSpace, NodeConstraint, boundary_nodes
from thermofatigue.fem.kinematics import Discretization
from thermofatigue.fem.newton import EquilibriumSolver
from thermofatigue.materials.elastic import ThermoElastic, isotropic_stiffness
from thermofatigue.materials.library import get_material
from thermofatigue.mesh import TaggedMesh
from thermofatigue.model import Model

T_REF, T_HOT = 25.0, 125.0


def box_mesh(dim, kind="tri", n=3, size=(2.0, 1.0, 0.5)):
    axes = [np.linspace(0, s, n + 1) for s in size[:dim]]
    cls = {("tri", 2): skfem.MeshTri, ("quad", 2): skfem.MeshQuad,
           ("tet", 3): skfem.MeshTet, ("hex", 3): skfem.MeshHex}[(kind, dim)]
    return cls.init_tensor(*axes)


def single_region(mesh, name="body"):
    return TaggedMesh(mesh, {name: np.arange(mesh.t.shape[1])})


def solve(model, T=T_HOT, linear="direct"):
    solver = EquilibriumSolver(model, linear=linear)
    result = solver.solve_increment(np.zeros(model.disc.n_dofs), {}, T_REF, T, 0.0)
    u = model.constraints.remove_rigid_motion(result.u)
    fields = solver.group_fields(u, model.temperature_at_quadrature(T), {}, model.initial_state())
    return u, fields, result


def copper(kind="3d"):
    axes = (0, 1, 2) if kind == "3d" else (0, 2, 1)
    return ThermoElastic(get_material("copper"), T_REF, axes=axes)


def secant_cte(model_material, T):
    """Free thermal strain of the material at T (isotropic)."""
    return float(model_material.thermal_strain(np.array(T)))


@pytest.mark.parametrize("cell,order", [("tet", 1), ("tet", 2), ("hex", 1), ("hex", 2)])
def test_free_thermal_expansion_3d(cell, order):
    mesh = box_mesh(3, cell, n=2)
    mat = copper()
    model = Model(single_region(mesh), "3d", {"body": mat}, order=order)
    u, fields, result = solve(model)
    eth = secant_cte(mat, T_HOT)
    x = model.disc.node_coordinates
    expected = eth * (x - x.mean(axis=0))
    assert np.abs(model.disc.nodal_values(u) - expected).max() < 1e-10 * np.abs(expected).max()
    assert np.abs(fields["body"]["stress"]).max() < 1e-10 * 1e5 * eth
    assert result.iterations == 1


@pytest.mark.parametrize("cell,order", [("tri", 1), ("tri", 2), ("quad", 2)])
def test_free_thermal_expansion_plane_strain(cell, order):
    """u = (1 + nu) alpha dT L in plane, sigma_zz = -E alpha dT, in-plane stress zero."""
    mesh = box_mesh(2, cell, n=3)
    mat = copper("2d")
    model = Model(single_region(mesh), "plane_strain", {"body": mat}, order=order)
    u, fields, _ = solve(model)
    eth = secant_cte(mat, T_HOT)
    nu = float(mat.poissons_ratio(T_HOT))
    E = float(mat.youngs_modulus(T_HOT))
    x = model.disc.node_coordinates
    expected = (1 + nu) * eth * (x - x.mean(axis=0))
    assert np.abs(model.disc.nodal_values(u) - expected).max() < 1e-10 * np.abs(expected).max()
    stress = fields["body"]["stress"]
    assert np.abs(stress[..., [0, 1, 3, 4, 5]]).max() < 1e-10 * E * eth
    np.testing.assert_allclose(stress[..., 2], -E * eth, rtol=1e-10)


def test_free_thermal_expansion_generalized_plane_strain():
    """With the out-of-plane strain free, the slice expands freely: u = alpha dT L, no stress."""
    mesh = box_mesh(2, "tri", n=3)
    mat = copper("2d")
    model = Model(single_region(mesh), "generalized_plane_strain", {"body": mat})
    u, fields, _ = solve(model)
    eth = secant_cte(mat, T_HOT)
    x = model.disc.node_coordinates
    expected = eth * (x - x.mean(axis=0))
    assert np.abs(model.disc.nodal_values(u) - expected).max() < 1e-10 * np.abs(expected).max()
    assert np.abs(fields["body"]["stress"]).max() < 1e-10 * 1e5 * eth
    e0, kappa = u[-2:]
    assert abs(e0 - eth) < 1e-12 and abs(kappa) < 1e-12


def test_free_thermal_expansion_axisymmetric():
    """u_r = alpha dT r, u_z = alpha dT (z - z0): a disc (radius 2, height 1) with no stress."""
    mesh = box_mesh(2, "tri", n=4, size=(2.0, 1.0))
    mat = copper("2d")
    model = Model(single_region(mesh), "axisymmetric", {"body": mat})
    u, fields, _ = solve(model)
    eth = secant_cte(mat, T_HOT)
    x = model.disc.node_coordinates
    U = model.disc.nodal_values(u)
    np.testing.assert_allclose(U[:, 0], eth * x[:, 0], atol=1e-10 * eth)
    uz = U[:, 1] - U[:, 1].mean()
    np.testing.assert_allclose(uz, eth * (x[:, 1] - x[:, 1].mean()), atol=1e-10 * eth)
    assert np.abs(fields["body"]["stress"]).max() < 1e-10 * 1e5 * eth


def test_orthotropic_board_expands_with_its_own_alphas():
    """FR-4 in 3D: alpha_z (through thickness) differs from alpha_x = alpha_y; no stress."""
    mesh = box_mesh(3, "tet", n=2, size=(4.0, 4.0, 1.0))
    fr4 = ThermoElastic(get_material("fr4"), T_REF)
    model = Model(single_region(mesh, "board"), "3d", {"board": fr4})
    u, fields, _ = solve(model, T=100.0)
    eth = fr4.thermal_strain_vector(np.array(100.0))
    assert eth[2] > 3 * eth[0] and abs(eth[0] - eth[1]) < 1e-15
    x = model.disc.node_coordinates
    expected = eth[:3] * (x - x.mean(axis=0))
    assert np.abs(model.disc.nodal_values(u) - expected).max() < 1e-10 * np.abs(expected).max()
    assert np.abs(fields["board"]["stress"]).max() < 1e-10 * 1e4 * eth[2]


def test_orthotropic_board_in_plane_strain_slice():
    """In a 2D slice the mesh y axis is the board normal: alpha_yy is the through-thickness one."""
    mesh = box_mesh(2, "tri", n=3, size=(4.0, 1.0))
    fr4 = ThermoElastic(get_material("fr4"), T_REF, axes=(0, 2, 1))
    model = Model(single_region(mesh, "board"), "generalized_plane_strain", {"board": fr4})
    u, fields, _ = solve(model, T=100.0)
    eth = fr4.thermal_strain_vector(np.array(100.0))
    x = model.disc.node_coordinates
    expected = eth[:2] * (x - x.mean(axis=0))
    assert np.abs(model.disc.nodal_values(u) - expected).max() < 1e-10 * np.abs(expected).max()
    assert eth[1] > 3 * eth[0]


@pytest.mark.parametrize("dim,cell,order", [(2, "tri", 1), (2, "tri", 2), (2, "quad", 1),
                                            (3, "tet", 1), (3, "tet", 2), (3, "hex", 1)])
def test_patch_test(dim, cell, order):
    """Distorted mesh, linear displacement on the boundary: exact constant strain inside."""
    mesh = box_mesh(dim, cell, n=3)
    rng = np.random.default_rng(0)
    p = mesh.p.copy()
    interior = np.ones(p.shape[1], dtype=bool)
    interior[mesh.boundary_nodes()] = False
    p[:, interior] += 0.08 * rng.uniform(-1, 1, (dim, interior.sum()))
    mesh = type(mesh)(p, mesh.t)
    grad = np.array([[1.0, 0.4, -0.3], [0.2, -0.5, 0.6], [-0.1, 0.3, 0.8]])[:dim, :dim] * 1e-3
    disc = Discretization(mesh, "3d" if dim == 3 else "plane_strain", order)
    nodes = boundary_nodes(disc, mesh.boundary_facets())
    values = disc.node_coordinates[nodes] @ grad.T
    cs = ConstrainedSpace(disc, [NodeConstraint(nodes, np.eye(dim)[k], values[:, k])
                                 for k in range(dim)], remove_rigid_body_modes=False)
    C = isotropic_stiffness(70e3, 0.33)
    asm = Assembler(disc)
    K = asm.matrix(np.broadcast_to(C, (disc.n_elements, disc.n_quadrature, 6, 6)))
    A = cs.reduce_matrix(K)
    x = spla.spsolve(A.tocsc(), cs.reduce_vector(-(K @ cs.g)))
    u = cs.expand(x)
    exact = disc.node_coordinates @ grad.T
    assert np.abs(disc.nodal_values(u) - exact).max() < 1e-10 * np.abs(exact).max()
    strain = disc.strain(u)
    eps = np.zeros(6)
    sym = 0.5 * (grad + grad.T)
    if dim == 3:
        eps[:] = [sym[0, 0], sym[1, 1], sym[2, 2], 2 * sym[1, 2], 2 * sym[0, 2], 2 * sym[0, 1]]
    else:
        eps[[0, 1, 5]] = [sym[0, 0], sym[1, 1], 2 * sym[0, 1]]
    assert np.abs(strain - eps).max() < 1e-10 * np.abs(eps).max()


# ---------------------------------------------------------------------------------------------
def manufactured_errors(mesh, order, kind, E=1.0e3, nu=0.3):
    """L2 and H1-seminorm errors of the FE solution for a manufactured displacement."""
    dim = mesh.dim()
    comps = mf.elasticity_solution(dim)
    lam, mu = E * nu / ((1 + nu) * (1 - 2 * nu)), E / (2 * (1 + nu))
    disc = Discretization(mesh, kind, order, intorder=2 * order + 2)
    asm = Assembler(disc)
    K = asm.matrix(np.broadcast_to(isotropic_stiffness(E, nu),
                                   (disc.n_elements, disc.n_quadrature, 6, 6)))
    b = mf.body_force(comps, disc.points, lam, mu)
    fe = np.einsum("eqa,eq,eqk->eak", disc.value, disc.weights, b).reshape(disc.n_elements, -1)
    f = np.bincount(disc.element_dofs.ravel(), fe.ravel(), minlength=disc.n_dofs)
    nodes = boundary_nodes(disc, mesh.boundary_facets())
    exact = mf.values(comps, disc.node_coordinates[nodes])
    cs = ConstrainedSpace(disc, [NodeConstraint(nodes, np.eye(dim)[k], exact[:, k])
                                 for k in range(dim)], remove_rigid_body_modes=False)
    A = cs.reduce_matrix(K)
    u = cs.expand(spla.splu(A.tocsc()).solve(cs.reduce_vector(f - K @ cs.g)))
    n_loc = disc.value.shape[2]
    ue = u[disc.element_dofs[:, : n_loc * dim]].reshape(disc.n_elements, n_loc, dim)
    uh = np.einsum("eqa,eak->eqk", disc.value, ue)
    gh = np.einsum("eqad,eak->eqkd", disc.grad, ue)
    l2 = np.sqrt(np.sum(disc.weights * np.sum((uh - mf.values(comps, disc.points)) ** 2, -1)))
    h1 = np.sqrt(np.sum(disc.weights
                        * np.sum((gh - mf.gradients(comps, disc.points)) ** 2, (-1, -2))))
    return l2, h1


@pytest.mark.parametrize("dim,cell,order,divisions", [
    (2, "tri", 1, [4, 8, 16]), (2, "tri", 2, [4, 8, 16]),
    (2, "quad", 1, [4, 8, 16]), (2, "quad", 2, [4, 8, 16]),
    (3, "tet", 1, [3, 6, 12]), (3, "tet", 2, [2, 4, 8]),
])
def test_manufactured_solution_convergence_rates(dim, cell, order, divisions):
    """Fitted log-log slopes: L2 error ~ h^(p+1), H1 error ~ h^p, within 0.1."""
    errors = []
    for n in divisions:
        mesh = box_mesh(dim, cell, n=n, size=(1.0, 1.0, 1.0))
        errors.append(manufactured_errors(mesh, order, "3d" if dim == 3 else "plane_strain"))
    h = 1.0 / np.array(divisions)
    l2, h1 = np.array(errors).T
    l2_slope = np.polyfit(np.log(h), np.log(l2), 1)[0]
    h1_slope = np.polyfit(np.log(h), np.log(h1), 1)[0]
    assert abs(l2_slope - (order + 1)) < 0.1, (l2_slope, l2)
    assert abs(h1_slope - order) < 0.1, (h1_slope, h1)


def test_assembly_matches_scikit_fem_bilinear_form():
    """The vectorised tangent equals scikit-fem's BilinearForm for linear elasticity."""
    from skfem.models.elasticity import lame_parameters, linear_elasticity

    mesh = box_mesh(3, "tet", n=2)
    disc = Discretization(mesh, "3d", 2, intorder=2)
    C = isotropic_stiffness(100e3, 0.3)
    K = Assembler(disc).matrix(np.broadcast_to(C, (disc.n_elements, disc.n_quadrature, 6, 6)))
    vb = skfem.Basis(mesh, skfem.ElementVector(skfem.ElementTetP2()), intorder=2)
    K_ref = skfem.asm(linear_elasticity(*lame_parameters(100e3, 0.3)), vb)
    assert abs(K - K_ref).max() < 1e-10 * abs(K_ref).max()


def test_amg_and_direct_agree_and_rigid_modes_are_pinned():
    """A free-standing bimaterial block: both solvers give the same stressed solution."""
    mesh = box_mesh(3, "tet", n=4, size=(4.0, 4.0, 1.0))
    top = np.flatnonzero(mesh.p[2, mesh.t].mean(axis=0) > 0.5)
    bottom = np.setdiff1d(np.arange(mesh.t.shape[1]), top)
    tagged = TaggedMesh(mesh, {"die": top, "board": bottom})
    materials = {"die": ThermoElastic(get_material("silicon"), T_REF),
                 "board": ThermoElastic(get_material("fr4"), T_REF)}
    u_direct, f_direct, _ = solve(Model(tagged, "3d", materials), linear="direct")
    u_amg, f_amg, _ = solve(Model(tagged, "3d", materials), linear="amg")
    assert np.linalg.norm(u_amg - u_direct) < 1e-7 * np.linalg.norm(u_direct)
    assert np.abs(f_direct["die"]["stress"]).max() > 1.0  # mismatch stress exists


def test_pardiso_cholesky_refactorises_a_known_pattern_and_solves():
    """The thin PARDISO layer (optional pypardiso): a first factorization, a numeric-only one
    for new values of the same pattern (phase 22), solves of one and several right-hand
    sides without iterative refinement, a new pattern; all against SuperLU."""
    pytest.importorskip("pypardiso")
    import scipy.sparse as sp

    from thermofatigue.fem.linear import PardisoCholesky

    rng = np.random.default_rng(5)
    n = 400
    M = sp.random(n, n, density=0.02, random_state=rng, format="csr")
    A = (M @ M.T + sp.eye(n) * 5.0).tocsr()
    A.sort_indices()
    pardiso = PardisoCholesky()
    b = rng.normal(size=(n, 3))
    for scale in (1.0, 2.5):  # the second: same pattern, new values
        B = sp.csr_matrix((A.data * scale + (scale - 1.0) * (A.indices == np.repeat(
            np.arange(n), np.diff(A.indptr))), A.indices, A.indptr), shape=A.shape)
        pardiso.factorize(B)
        reference = spla.splu(B.tocsc()).solve(b)
        assert np.allclose(pardiso.solve(b[:, 0]), reference[:, 0], rtol=1e-9, atol=1e-12)
        assert np.allclose(pardiso.solve(b), reference, rtol=1e-9, atol=1e-12)
    assert pardiso.get_iparm(8) == 0  # no iterative refinement
    C = (A + sp.eye(n, k=7) + sp.eye(n, k=-7)).tocsr()  # a new pattern
    C.sort_indices()
    pardiso.factorize(C)
    assert np.allclose(pardiso.solve(b[:, 1]), spla.splu(C.tocsc()).solve(b[:, 1]), rtol=1e-9)
