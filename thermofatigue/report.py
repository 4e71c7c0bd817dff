"""What a run prints: the per-joint life table, the critical joint, the closed-form estimate
beside the finite-element answer, the warpage and the stabilisation line."""

from __future__ import annotations

import math



def format_result(result) -> str:
    if result.analysis == "thermoelastic":
        return _format_thermoelastic(result)
    return format_cycling(result)


def _life(n) -> str:
    if n is None or not math.isfinite(n):
        return "-"
    return f"{n:.3g}" if n < 1e7 else f"{n:.1e}"


def _num(v, fmt) -> str:
    return "-" if v is None or (isinstance(v, float) and not math.isfinite(v)) else format(v, fmt)


def format_cycling(result, max_rows: int = 12) -> str:
    lines = [f"case: {result.title}",
             f"model: {result.model.label}; {result.model.elements} elements, "
             f"{result.model.unknowns} unknowns, {result.model.joints} joints",
             ""]
    table = result.life
    if table is not None and len(table):
        laws = table.laws
        head = (f"{'joint':>5} {'row/col':>7} {'dnp mm':>6} {'dW die':>8} {'dW board':>8} "
                f"{'d_eps_in':>8} " + " ".join(f"{'N ' + law:>14}" for law in laws))
        lines.append(f"per-joint life, cycle {result.stabilisation.cycle_used} energies "
                     f"(MPa per cycle), sorted by {result.primary_law} life:")
        lines.append(head)
        for r in table.rows()[:max_rows]:
            rc = f"{r['row']}/{r['column']}" if r["row"] is not None and r["row"] >= 0 else "-"
            lines.append(f"{r['joint']:>5} {rc:>7} {_num(r['dnp'], '6.3f'):>6} "
                         f"{_num(r['dW_die_layer'], '8.4f'):>8} "
                         f"{_num(r['dW_board_layer'], '8.4f'):>8} "
                         f"{_num(r['d_eps_in'], '8.2e'):>8} "
                         + " ".join(f"{_life(r['N_' + law]):>14}" for law in laws))
        if len(table) > max_rows:
            lines.append(f"  ... {len(table) - max_rows} more joints in life.csv")
        crit = result.critical
        lives = ", ".join(f"{law} {_life(crit['N_' + law])}" for law in laws)
        lines += ["", f"critical joint: {crit['joint']} (dnp {_num(crit['dnp'], '.3f')} mm), "
                      f"fails at its {crit['interface']} interface: cycles to failure {lives}"]
        if result.life_extrapolated is not None:
            ext = [r for r in result.life_extrapolated.rows() if r["joint"] == crit["joint"]]
            if ext:
                lives = ", ".join(f"{law} {_life(ext[0]['N_' + law])}" for law in laws)
                lines.append(f"  from the extrapolated stabilised energy "
                             f"({_num(ext[0]['dW_interface'], '.4g')} MPa, labelled "
                             f"extrapolated): {lives}")
    else:
        crit = result.critical
        if crit:
            lines.append(f"critical joint: {crit['joint']} (dnp {_num(crit['dnp'], '.3f')} mm): "
                         f"inelastic work per cycle {crit['dW_interface']:.4g} MPa at its "
                         f"{crit['interface']} interface (no fatigue law applied)")
    if result.field_life:
        f = result.field_life
        lines.append(f"field life (Norris-Landzberg, AF {f['acceleration_factor']:.3g} to "
                     f"{f['field']['T_min']:g}/{f['field']['T_max']:g} C, "
                     f"{f['field']['cycles_per_day']:g} cycles/day): {_life(f['field_cycles'])} "
                     f"cycles = {f['field_years']:.3g} years ({f['law']})")
    if result.estimate:
        est = result.estimate
        lines.append(f"Engelmaier closed form (no FE, {est.get('note', 'IPC-D-279')}): "
                     f"joints at dnp {_num(est.get('dnp'), '.3f')} mm fail first, "
                     f"{_life(est.get('life'))} cycles (shear strain range "
                     f"{_num(est.get('d_gamma'), '.2e')})")
    ptv = result.warpage.peak_to_valley()
    if ptv:
        lines.append("peak-to-valley warpage: " + ", ".join(
            f"{name.replace('_', ' ')} {1e3 * v:.2f} um" for name, v in ptv.items()))
    lines.append(result.stabilisation.line())
    check = result.settings.get("step_check")
    if check:
        from .stepcheck import StepCheck

        lines.append(StepCheck(**check).line())
    if result.model.materials:
        weak = sorted({f"{m['material']} {key} {status}"
                       for m in result.model.materials.values()
                       for key, status in m["status"].items() if status in ("[S]", "[U]")})
        if weak:
            lines.append("material data not verified in a primary source ([S] secondary, [U] "
                         "representative): " + ", ".join(weak)
                         + " (thermofatigue materials NAME shows the sources)")
    for w in result.warnings:
        lines.append(f"note: {w}")
    return "\n".join(lines)


def _format_thermoelastic(result) -> str:
    lines = [f"case: {result.title} (thermoelastic)",
             f"model: {result.model.kind}, {result.model.elements} elements, "
             f"{result.model.unknowns} unknowns"]
    c = result.die_top_curvature
    if c:
        lines.append(f"die top curvature kappa_x = {c['kappa_x']:.4e} 1/mm, "
                     f"warpage {c['warpage'] * 1e3:.3f} um")
    if result.von_mises:
        name, worst = max(result.von_mises.items(), key=lambda kv: kv[1]["max"])
        lines.append(f"largest von Mises stress: {worst['max']:.1f} MPa in {name}")
    return "\n".join(lines)


__all__ = ["format_cycling", "format_result"]
