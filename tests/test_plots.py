"""Figures of a cycling result (thermofatigue.plots) on hand-built results, 3D and 2D.

The synthetic joints shear along known loops: a radial shear (along the line from the package
centre to the joint) gamma_r(t), tau_r(t) and a tangential shear gamma_t(t), tau_t(t) rotated
into x, y. The plotted resolved shear must be the radial part exactly (the tangential part
drops out), which checks the projection against an independent closed form.
"""

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from thermofatigue.errors import InputError
from thermofatigue.plots import (
    energy_per_cycle_figure,
    hysteresis_figure,
    life_map_figure,
    short_label,
    warpage_figure,
    write_figures,
)
from thermofatigue.results import (
    CycleStats,
    CyclingResult,
    HysteresisTable,
    JointTable,
    LifeTable,
    ModelInfo,
    Stabilisation,
    WarpageTable,
)

PITCH = 0.4          # mm
PERIOD = 3600.0      # s, one cycle
LABELS = {"3d": "3D full model",
          "octant": "3D octant model (one eighth of the package: symmetry planes x = 0, y = 0 "
                    "and the diagonal)",
          "2d": "2D diagonal slice, generalized plane strain: SCREENING ONLY, its joint energy is "
                "several times the 3D model's (docs/model-kinds.md)"}


def joint_grid(kind, n):
    """Joint centres: a 3D n x n array with one ball at the package centre, the octant
    (0 <= y <= x) of an n x n array without a centre ball, or n joints along a 2D slice."""
    if kind == "octant":
        offsets = (np.arange(n // 2) + 0.5) * PITCH
        x, y = (a.ravel() for a in np.meshgrid(offsets, offsets, indexing="ij"))
        return x[y <= x], y[y <= x]
    if kind == "3d":
        offsets = (np.arange(n) - 2) * PITCH
        x, y = (a.ravel() for a in np.meshgrid(offsets, offsets, indexing="ij"))
    else:
        x, y = np.arange(n) * PITCH, np.zeros(n)
    return x, y


def shear_loops(time_s, cycle, dnp):
    """Radial and tangential (gamma, tau) of one joint: ellipse-like loops per cycle, a ramp in
    the cool-down (cycle 0)."""
    theta = 2.0 * np.pi * time_s / PERIOD
    a = 1e-3 * (1.0 + dnp)
    gamma_r = np.where(cycle == 0, a * time_s / PERIOD, a * np.sin(theta))
    tau_r = np.where(cycle == 0, 5.0 * time_s / PERIOD, 7.0 * np.sin(theta + 0.8))
    return gamma_r, tau_r, 0.3 * np.cos(theta), 4.0 * np.cos(theta)


def energy(dnp, k):
    """Interface energy of a joint in cycle k: grows with DNP, decays towards stabilisation."""
    return 0.007 * (1.0 + dnp) * (1.0 + 3.0 * 0.5 ** k)


def hysteresis_table(kind, x, y, n_cycles, increments):
    ids = np.arange(len(x))
    per_joint_cycle = np.repeat(np.arange(n_cycles + 1), increments)
    step = (np.tile(np.arange(increments), n_cycles + 1) + 1.0) / increments
    # the cool-down takes a quarter period, then whole cycles follow
    time_s = np.where(per_joint_cycle == 0, 0.25 * PERIOD * step,
                      (0.25 + per_joint_cycle - 1 + step) * PERIOD)
    m = time_s.size
    data = {"joint": np.repeat(ids, m), "cycle": np.tile(per_joint_cycle, len(x)),
            "time": np.tile(time_s, len(x)), "temperature": np.tile(25.0 + 0 * time_s, len(x))}
    for c in ("xx", "yy", "zz"):
        data[f"s{c}"] = np.full(m * len(x), 11.0)
        data[f"ein_{c}"] = np.full(m * len(x), 1e-4)
    cols = {k: [] for k in ("sxz", "syz", "sxy", "gin_xz", "gin_yz", "gin_xy")}
    for xj, yj in zip(x, y):
        r = np.hypot(xj, yj)
        rx, ry = (xj / r, yj / r) if r > 0 else (1.0, 0.0)
        g, t, gt, tt = shear_loops(time_s, per_joint_cycle, r)
        if kind != "2d":   # radial along (rx, ry), tangential along (-ry, rx)
            cols["sxz"].append(t * rx - tt * ry)
            cols["syz"].append(t * ry + tt * rx)
            cols["gin_xz"].append(g * rx - gt * ry)
            cols["gin_yz"].append(g * ry + gt * rx)
            cols["sxy"].append(np.full(m, 99.0))
            cols["gin_xy"].append(np.full(m, 99.0))
        else:              # the 2D joint shear is xy; the other shears must not be used
            cols["sxy"].append(t)
            cols["gin_xy"].append(g)
            for k in ("sxz", "syz", "gin_xz", "gin_yz"):
                cols[k].append(np.full(m, 99.0))
    data.update({k: np.concatenate(v) for k, v in cols.items()})
    data["inelastic_work"] = np.zeros(m * len(x))
    return HysteresisTable(data)


def joint_table(x, y, n_cycles):
    n = len(x)
    dnp = np.hypot(x, y)
    rows = {c.name: [] for c in JointTable.COLUMNS}
    for k in range(1, n_cycles + 1):
        dW = energy(dnp, k)
        change = np.full(n, np.nan) if k == 1 else np.abs(dW - energy(dnp, k - 1)) / dW
        block = {"joint": np.arange(n), "cycle": np.full(n, k), "row": np.zeros(n, int),
                 "column": np.arange(n), "dnp": dnp, "x": x, "y": y, "fraction": np.ones(n),
                 "die_pad_diameter": np.full(n, 0.25), "board_pad_diameter": np.full(n, 0.24),
                 "interface_layer": np.full(n, 0.025), "dW_joint": 0.5 * dW,
                 "dW_die_layer": dW, "dW_board_layer": 0.8 * dW, "dW_interface": dW,
                 "interface": np.full(n, "die", dtype=object), "eps_acc_joint": 0.01 * dW,
                 "eps_acc_interface": 0.02 * dW, "d_eps_in": 0.1 * dW, "dW_change": change,
                 "von_mises_hot": np.full(n, 10.0), "von_mises_cold": np.full(n, 20.0),
                 "eps_in_hot": np.full(n, 1e-3), "eps_in_cold": np.full(n, 2e-3)}
        for name in rows:
            rows[name].append(np.asarray(block[name]))
    return JointTable({name: np.concatenate(v) for name, v in rows.items()})


def life_table(joints, cycle):
    """Darveaux-like lives of the used cycle, N = 1e3 dW^-1.3 (shortest life first)."""
    rows = joints.cycle(cycle)
    data = {name: rows[name] for name in ("joint", "row", "column", "dnp", "cycle",
                                          "dW_die_layer", "dW_board_layer", "dW_interface",
                                          "interface", "d_eps_in", "eps_acc_interface",
                                          "dW_joint")}
    data["crack_length"] = rows["die_pad_diameter"]
    data["N_darveaux"] = 1e3 * rows["dW_interface"] ** -1.3
    order = np.argsort(data["N_darveaux"], kind="stable")
    return LifeTable({k: np.asarray(v)[order] for k, v in data.items()},
                     LifeTable.life_columns(["darveaux"]))


def curvature(extreme, cycle):
    """Bowl curvature (1/mm) of the synthetic warpage: opposite at hot and cold, and a
    different value in cycle 1 than in the last cycle."""
    return (2e-3 if extreme == "hot" else -3e-3) * (1.5 if cycle == 1 else 1.0)


def warpage_table(kind, n_cycles, points=40):
    rng = np.random.default_rng(7)
    cols = {c.name: [] for c in WarpageTable.COLUMNS}
    for k in (1, n_cycles):
        for extreme, T in (("hot", 125.0), ("cold", -40.0)):
            for surface, offset in (("die_top", 0.0), ("board_top", -1e-3)):
                px = rng.uniform(0.0, 2.0, points)
                py = rng.uniform(0.0, 2.0, points) if kind != "2d" else np.zeros(points)
                cols["cycle"].append(np.full(points, k))
                cols["extreme"].append(np.full(points, extreme, dtype=object))
                cols["temperature"].append(np.full(points, T))
                cols["surface"].append(np.full(points, surface, dtype=object))
                cols["x"].append(px)
                cols["y"].append(py)
                cols["w"].append(curvature(extreme, k) * (px ** 2 + py ** 2) + offset)
    return WarpageTable({k: np.concatenate(v) for k, v in cols.items()})


def make_result(kind="3d", n=6, n_cycles=4, increments=30, life=True, warpage=True,
                extrapolated=0.0071):
    x, y = joint_grid(kind, n)
    joints = joint_table(x, y, n_cycles)
    model = ModelInfo(kind="3d" if kind != "2d" else "generalized_plane_strain",
                      geometry_kind={"3d": "full", "2d": "slice2d", "octant": "octant"}[kind],
                      label=LABELS[kind], order=2, elements=100,
                      unknowns=1000, joints=len(x), nonlinear={"joint_*": "Anand"},
                      solder="SAC305", mesh="geometry spec")
    stab = Stabilisation(n_cycles, n_cycles, 0.02, 0.06, False, extrapolated, "fixed")
    empty_warpage = WarpageTable({c.name: [] for c in WarpageTable.COLUMNS})
    return CyclingResult(
        title="synthetic", case_source="synthetic.toml", model=model, profile={},
        cycles=tuple(CycleStats(k, increments, 0, 0, 0, 0.0) for k in range(n_cycles + 1)),
        joints=joints, hysteresis=hysteresis_table(kind, x, y, n_cycles, increments),
        warpage=warpage_table(kind, n_cycles) if warpage else empty_warpage,
        stabilisation=stab, life=life_table(joints, n_cycles) if life else None,
        life_extrapolated=None, primary_law="darveaux" if life else None, fatigue={},
        field_life=None,
        warnings=(), estimate=None, timing={}, versions={}, settings={})


def loops_by_cycle(fig):
    """The hysteresis lines of a figure, keyed by cycle number."""
    out = {}
    for line in fig.axes[0].get_lines():
        label = line.get_label()
        if label.startswith("cycle "):
            out[int(label.split()[1])] = line
        elif label.startswith("cool-down"):
            out[0] = line
    return out


def expected_loop(result, joint, k):
    """Radial (gamma, tau) of cycle k from the closed form, starting at the last increment of
    the cycle before."""
    rows = result.hysteresis.joint(joint)
    x, y = result.joints["x"][result.joints["joint"] == joint][0], \
        result.joints["y"][result.joints["joint"] == joint][0]
    g, t, _, _ = shear_loops(rows["time"], rows["cycle"], np.hypot(x, y))
    idx = np.flatnonzero(rows["cycle"] == k)
    if idx[0] > 0:
        idx = np.concatenate(([idx[0] - 1], idx))
    return g[idx], t[idx]


@pytest.mark.parametrize("kind", ["3d", "2d"])
def test_hysteresis_plots_the_radial_shear_of_the_critical_joint(kind):
    result = make_result(kind, n=6 if kind == "3d" else 5)
    crit = int(result.life["joint"][0])
    first = result.joints.cycle(1)   # the farthest joint has the largest energy, shortest life
    assert crit == first["joint"][np.argmax(first["dnp"])]
    fig = hysteresis_figure(result)
    loops = loops_by_cycle(fig)
    assert sorted(loops) == [0, 1, 2, 3, 4]
    for k, line in loops.items():
        gamma, tau = expected_loop(result, crit, k)
        np.testing.assert_allclose(line.get_xdata(), gamma, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(line.get_ydata(), tau, rtol=1e-12, atol=1e-12)
    assert loops[0].get_alpha() < 1.0 and loops[1].get_alpha() in (None, 1.0)
    title = fig.axes[0].get_title()
    assert f"Joint {crit}" in title
    assert title.endswith(short_label(result.model.label))
    assert "(MPa)" in fig.axes[0].get_ylabel() and "(-)" in fig.axes[0].get_xlabel()


def test_hysteresis_of_a_joint_at_the_centre_uses_the_x_direction():
    result = make_result("3d")
    centre = int(np.flatnonzero((result.joints["x"] == 0) & (result.joints["y"] == 0))[0])
    loops = loops_by_cycle(hysteresis_figure(result, joint=centre))
    rows = result.hysteresis.joint(centre)
    idx = np.flatnonzero(rows["cycle"] == 2)
    idx = np.concatenate(([idx[0] - 1], idx))
    np.testing.assert_array_equal(loops[2].get_xdata(), rows["gin_xz"][idx])
    np.testing.assert_array_equal(loops[2].get_ydata(), rows["sxz"][idx])


def test_hysteresis_of_an_unknown_joint_is_an_input_error():
    with pytest.raises(InputError, match="joint = 999"):
        hysteresis_figure(make_result("3d", n=3, n_cycles=2), joint=999)


def test_life_map_3d_colours_joint_centres_by_log_life_and_rings_the_critical_joint():
    result = make_result("3d")
    fig = life_map_figure(result)
    ax = fig.axes[0]
    points, ring = ax.collections[0], ax.collections[-1]
    life = result.life
    first = result.joints.cycle(1)   # joint ids 0..35 in order
    x, y = first["x"][life["joint"]], first["y"][life["joint"]]
    np.testing.assert_allclose(points.get_offsets(), np.column_stack([x, y]))
    np.testing.assert_allclose(points.get_array(), np.log10(life.life("darveaux")))
    np.testing.assert_allclose(ring.get_offsets(), [[x[0], y[0]]])   # shortest life first
    assert "darveaux" in ax.get_title() and "cycle 4" in ax.get_title()
    assert len(fig.axes) == 2 and "log10" in fig.axes[1].get_ylabel()   # the colourbar


def test_life_map_of_an_octant_model_shows_the_whole_array_by_symmetry():
    result = make_result("octant", n=4)   # joints (0.2, 0.2), (0.6, 0.2), (0.6, 0.6)
    ax = life_map_figure(result).axes[0]
    modelled, images = ax.collections[0], ax.collections[1]
    points = np.vstack([modelled.get_offsets(), images.get_offsets()])
    full = (np.arange(4) - 1.5) * PITCH
    grid = np.array([(a, b) for a in full for b in full])
    np.testing.assert_allclose(np.unique(points.round(9), axis=0), grid, atol=1e-12)
    assert len(points) == 16
    # each image carries the life of the modelled joint at the same distance from the centre
    life = dict(zip(np.hypot(*modelled.get_offsets().T).round(9), modelled.get_array()))
    for (xi, yi), value in zip(images.get_offsets(), images.get_array()):
        assert value == life[round(float(np.hypot(xi, yi)), 9)]


def test_life_map_2d_stems_the_life_along_the_slice():
    result = make_result("2d", n=5)
    ax = life_map_figure(result).axes[0]
    life = result.life
    x = life["joint"] * PITCH
    stems = ax.collections[0]
    tops = np.array([seg[1] for seg in stems.get_segments()])
    np.testing.assert_allclose(tops, np.column_stack([x, life.life("darveaux")]))
    assert ax.get_yscale() == "log"
    crit = [ln for ln in ax.get_lines() if ln.get_label().startswith("critical")][0]
    np.testing.assert_allclose(crit.get_xdata(), [x[0]])
    np.testing.assert_allclose(crit.get_ydata(), [life.life("darveaux")[0]])


def test_life_map_without_lives_shows_the_interface_energy_and_says_so():
    result = make_result("3d", life=False)
    ax = life_map_figure(result).axes[0]
    assert "No fatigue life" in ax.get_title()
    used = result.joints.cycle(4)
    np.testing.assert_allclose(ax.collections[0].get_array(), used["dW_interface"])
    ring = ax.collections[-1]   # critical = largest interface energy
    i = int(np.argmax(used["dW_interface"]))
    np.testing.assert_allclose(ring.get_offsets(), [[used["x"][i], used["y"][i]]])


def test_life_map_of_an_unknown_law_is_an_input_error():
    with pytest.raises(InputError, match="law = 'syed'"):
        life_map_figure(make_result("3d", n=3, n_cycles=2), law="syed")


@pytest.mark.parametrize("extrapolated", [0.0071, None])
def test_energy_per_cycle_emphasises_the_critical_joint_and_the_extrapolation(extrapolated):
    result = make_result("3d", extrapolated=extrapolated)
    ax = energy_per_cycle_figure(result).axes[0]
    lines = ax.get_lines()
    crit = int(result.life["joint"][0])
    red = [ln for ln in lines if ln.get_label() == f"critical joint {crit}"][0]
    dnp = np.hypot(result.joints["x"][crit], result.joints["y"][crit])
    np.testing.assert_array_equal(red.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(red.get_ydata(), energy(dnp, np.arange(1, 5)), rtol=1e-14)
    grey = [ln for ln in lines if ln.get_color() == "0.65"]
    assert len(grey) == 35
    dashed = [ln for ln in lines if ln.get_linestyle() == "--"]
    if extrapolated is None:
        assert dashed == []
    else:
        np.testing.assert_allclose(dashed[0].get_ydata(), [extrapolated, extrapolated])
    assert "NOT stabilised" in ax.get_title() and "6.0 %" in ax.get_title()


@pytest.mark.parametrize("kind", ["3d", "2d"])
def test_warpage_shows_the_last_cycle_in_micrometres_against_the_distance(kind):
    result = make_result(kind)
    ax = warpage_figure(result).axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert sorted(lines) == ["board top, cold (-40 \u00b0C)", "board top, hot (125 \u00b0C)",
                             "die top, cold (-40 \u00b0C)", "die top, hot (125 \u00b0C)"]
    for label, line in lines.items():
        extreme = "hot" if "hot" in label else "cold"
        offset = 0.0 if label.startswith("die") else -1e-3
        r = np.asarray(line.get_xdata())
        assert np.all(np.diff(r) >= 0.0)
        np.testing.assert_allclose(line.get_ydata(),
                                   1e3 * (curvature(extreme, 4) * r ** 2 + offset), rtol=1e-12)
    assert "cycle 4" in ax.get_title() and "\u00b5m" in ax.get_ylabel()


@pytest.mark.parametrize("kind", ["3d", "2d"])
def test_write_figures_writes_four_pngs_atomically(kind, tmp_path):
    target = tmp_path / "results" / "figures"
    paths = write_figures(make_result(kind, n=4, n_cycles=3), target)
    names = ["hysteresis.png", "life_map.png", "energy_per_cycle.png", "warpage.png"]
    assert paths == [target / n for n in names]
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
    assert sorted(p.name for p in target.iterdir()) == sorted(names)   # no temporary files


def test_write_figures_skips_a_figure_without_data(tmp_path):
    paths = write_figures(make_result("3d", n=3, n_cycles=2, warpage=False), tmp_path)
    assert [p.name for p in paths] == ["hysteresis.png", "life_map.png", "energy_per_cycle.png"]
    assert not (tmp_path / "warpage.png").exists()


def test_write_figures_without_any_finite_energy_writes_only_the_warpage(tmp_path):
    """A run whose joints dissipate nothing measurable (NaN energies, no life table) has no
    critical joint, no life map and no energy history to draw."""
    result = make_result("3d", n=3, n_cycles=2, life=False)
    data = dict(result.joints.data)
    data["dW_interface"] = np.full(len(result.joints), np.nan)
    result = replace(result, joints=JointTable(data))
    assert [p.name for p in write_figures(result, tmp_path)] == ["warpage.png"]


def test_write_figures_is_fast_for_36_joints_4_cycles_150_increments(tmp_path):
    result = make_result("3d", n=6, n_cycles=4, increments=150)
    assert len(result.hysteresis) == 36 * 5 * 150
    start = time.process_time()   # CPU time: not inflated by other processes on the machine
    paths = write_figures(result, tmp_path)
    assert len(paths) == 4
    assert time.process_time() - start < 2.0


def test_figures_leave_the_global_matplotlib_backend_alone(tmp_path):
    import matplotlib

    backend = matplotlib.rcParams._get("backend")   # the raw setting, not resolved
    had_pyplot = "matplotlib.pyplot" in sys.modules
    write_figures(make_result("2d", n=3, n_cycles=2), tmp_path)
    assert matplotlib.rcParams._get("backend") == backend
    assert had_pyplot or "matplotlib.pyplot" not in sys.modules


def test_short_label_keeps_the_model_kind():
    assert short_label("3D quarter model (symmetry planes x = 0 and y = 0)") == "3D quarter model"
    assert short_label(LABELS["octant"]) == "3D octant model"
    assert short_label(LABELS["2d"]) == \
        "2D diagonal slice, generalized plane strain: SCREENING ONLY"
    assert len(short_label("x" * 100)) <= 60
