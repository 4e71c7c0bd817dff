"""The typed results of a run: what :func:`thermofatigue.solve` returns.

Solving never writes files and writing never solves: a :class:`CyclingResult` (or
:class:`ThermoelasticResult`) is a plain, picklable value that :mod:`thermofatigue.resultio`
writes to a results directory and reads back. Its tables are column-oriented with a declared
schema (name, unit, meaning), written to CSV and read back by ``to_csv`` / ``from_csv``.

Units: mm, MPa, s, C; energy density in MPa (= mJ/mm^3); strains dimensionless.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Column:
    name: str
    unit: str
    meaning: str
    kind: str = "float"   # "float", "int" or "str"


class Table:
    """Columns of equal length, keyed by name, in the order of ``COLUMNS`` (extra columns
    declared per instance, e.g. one life column per fatigue law, follow)."""

    COLUMNS: tuple = ()

    def __init__(self, data: dict, extra: tuple = ()):
        self.extra = tuple(extra)
        n = None
        self.data = {}
        for col in self.columns:
            if col.name not in data:
                raise KeyError(f"{type(self).__name__}: missing column {col.name!r}")
            values = np.asarray(data[col.name], dtype=object if col.kind == "str" else
                                (np.int64 if col.kind == "int" else float))
            if values.ndim != 1:
                raise ValueError(f"{type(self).__name__}: column {col.name!r} is not 1-D "
                                 f"(shape {values.shape})")
            if n is not None and values.shape != (n,):
                raise ValueError(f"{type(self).__name__}: column {col.name!r} has "
                                 f"{values.shape} values, expected ({n},)")
            n = values.shape[0]
            self.data[col.name] = values

    @property
    def columns(self) -> tuple:
        return tuple(self.COLUMNS) + self.extra

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __len__(self) -> int:
        return len(next(iter(self.data.values()))) if self.data else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.data[name]

    def __eq__(self, other) -> bool:
        if type(other) is not type(self) or other.names != self.names or len(other) != len(self):
            return False
        for c in self.columns:
            a, b = self.data[c.name], other.data[c.name]
            if c.kind == "str":
                if list(a) != list(b):
                    return False
            elif not np.allclose(a, b, rtol=1e-12, atol=0.0, equal_nan=True):
                return False
        return True

    def select(self, mask) -> "Table":
        """The rows where ``mask`` is true (or the rows at the given indices)."""
        return type(self)({k: v[mask] for k, v in self.data.items()}, self.extra)

    def rows(self) -> list[dict]:
        return [{k: _plain(v[i]) for k, v in self.data.items()} for i in range(len(self))]

    def to_csv(self, path) -> None:
        """Write the table (a header row of column names; empty cells for missing values)."""
        from .io import write_csv

        write_csv(path, self.names, [[_cell(self.data[n][i]) for n in self.names]
                                     for i in range(len(self))])

    @classmethod
    def from_csv(cls, path, extra_kind=None):
        """Read a table written by :meth:`to_csv` (columns beyond ``COLUMNS`` become extra
        float columns, or ``extra_kind(name)`` columns)."""
        path = Path(path)
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows = list(reader)
        known = {c.name: c for c in cls.COLUMNS}
        extra = tuple(Column(n, "", "", extra_kind(n) if extra_kind else "float")
                      for n in header if n not in known)
        kinds = {**{c.name: c.kind for c in cls.COLUMNS}, **{c.name: c.kind for c in extra}}
        data = {}
        for j, name in enumerate(header):
            data[name] = [_parse(r[j], kinds[name]) for r in rows]
        return cls(data, extra)


def _cell(v) -> str:
    """A CSV cell: empty for a missing value, floats with every digit (round trip exact)."""
    if isinstance(v, (float, np.floating)):
        return "" if math.isnan(v) else repr(float(v))
    return str(v.item() if isinstance(v, np.generic) else v)


def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _parse(text: str, kind: str):
    if kind == "str":
        return text
    if text == "":
        return -1 if kind == "int" else math.nan
    return int(text) if kind == "int" else float(text)


JOINT_IDENTITY = (
    Column("joint", "", "joint id (the mesh region joint_<id>)", "int"),
    Column("row", "", "row in the ball array, from the package centre outwards (-1: unknown)", "int"),
    Column("column", "", "column in the ball array (-1: unknown)", "int"),
    Column("dnp", "mm", "distance of the joint centre from the neutral point (package centre)"),
)


class JointTable(Table):
    """Per joint and cycle: the energy and strain measures the fatigue laws use, and the
    volume-averaged stress and inelastic strain at the hot and cold extremes of the cycle."""

    COLUMNS = JOINT_IDENTITY[:1] + (Column("cycle", "", "cycle number, from 1", "int"),) \
        + JOINT_IDENTITY[1:] + (
        Column("x", "mm", "joint centre, in-plane coordinate x of the model"),
        Column("y", "mm", "joint centre, in-plane coordinate y (0 in a 2D slice)"),
        Column("fraction", "", "share of the joint inside the model (symmetry cuts: 1/2, 1/4)"),
        Column("die_pad_diameter", "mm", "diameter of the die-side pad (UBM / post) interface"),
        Column("board_pad_diameter", "mm", "diameter of the board-side pad interface"),
        Column("interface_layer", "mm", "thickness of the interface averaging layers"),
        Column("dW_joint", "MPa", "inelastic work density dissipated in the cycle, joint average"),
        Column("dW_die_layer", "MPa", "the same over the die-side interface layer"),
        Column("dW_board_layer", "MPa", "the same over the board-side interface layer"),
        Column("dW_interface", "MPa", "the larger of the two layer values (the failing interface)"),
        Column("interface", "", "the failing interface: die, board (or joint without layers)",
               "str"),
        Column("eps_acc_joint", "", "equivalent inelastic strain accumulated in the cycle, joint "
               "average"),
        Column("eps_acc_interface", "", "the same over the failing interface layer"),
        Column("d_eps_in", "", "equivalent range of the joint-averaged inelastic strain tensor "
               "over the cycle: max over pairs of instants of sqrt(2/3 de:de)"),
        Column("dW_change", "", "|dW_interface - previous cycle's| / previous cycle's (NaN "
               "in cycle 1)"),
        Column("von_mises_hot", "MPa", "volume-averaged von Mises stress at the end of the hot "
               "dwell"),
        Column("von_mises_cold", "MPa", "the same at the end of the cold dwell"),
        Column("eps_in_hot", "", "equivalent of the volume-averaged inelastic strain tensor at the "
               "end of the hot dwell"),
        Column("eps_in_cold", "", "the same at the end of the cold dwell"),
    )

    def cycle(self, k: int) -> "JointTable":
        return self.select(self["cycle"] == k)

    @property
    def n_cycles(self) -> int:
        return int(self["cycle"].max()) if len(self) else 0


class LifeTable(Table):
    """Per joint, at the cycle the life is taken from: the fatigue-law inputs and the cycles to
    failure by each law (extra columns ``N_<law>``), sorted by the primary law's life."""

    COLUMNS = JOINT_IDENTITY + (
        Column("cycle", "", "cycle whose energies are used (0: extrapolated stabilised value)",
               "int"),
        Column("dW_die_layer", "MPa", "inelastic work density per cycle, die-side layer"),
        Column("dW_board_layer", "MPa", "the same, board-side layer"),
        Column("dW_interface", "MPa", "the failing interface's value"),
        Column("interface", "", "the failing interface (die or board)", "str"),
        Column("crack_length", "mm", "pad diameter at the failing interface (Darveaux crack "
               "length)"),
        Column("d_eps_in", "", "equivalent inelastic strain range per cycle"),
        Column("eps_acc_interface", "", "accumulated equivalent inelastic strain per cycle at the "
               "failing interface"),
        Column("dW_joint", "MPa", "inelastic work density per cycle, joint average"),
    )

    @property
    def laws(self) -> list[str]:
        return [c.name[2:] for c in self.extra if c.name.startswith("N_")]

    def life(self, law: str) -> np.ndarray:
        return self[f"N_{law}"]

    @staticmethod
    def life_columns(laws) -> tuple:
        return tuple(Column(f"N_{law}", "cycles", f"cycles to failure, {law}") for law in laws)


class HysteresisTable(Table):
    """Per joint and increment: the joint-averaged stress and inelastic strain (Voigt order
    xx, yy, zz, yz, xz, xy; engineering shear strains) against time and temperature."""

    COLUMNS = (
        Column("joint", "", "joint id", "int"),
        Column("cycle", "", "cycle number (0: the cool-down from the stress-free temperature)",
               "int"),
        Column("time", "s", "time from the start of the cool-down"),
        Column("temperature", "C", "temperature"),
        *(Column(f"s{c}", "MPa", f"joint-averaged stress {c}") for c in
          ("xx", "yy", "zz", "yz", "xz", "xy")),
        *(Column(f"ein_{c}", "", f"joint-averaged inelastic strain {c}") for c in
          ("xx", "yy", "zz")),
        *(Column(f"gin_{c}", "", f"joint-averaged inelastic engineering shear strain {c}")
          for c in ("yz", "xz", "xy")),
        Column("inelastic_work", "MPa", "joint-averaged inelastic work density since the start"),
    )

    def joint(self, joint: int) -> "HysteresisTable":
        return self.select(self["joint"] == joint)


class WarpageTable(Table):
    """Out-of-plane displacement of the die top and the board top at the hot and cold extremes
    of every cycle (points of the modelled part; the package centre at the origin)."""

    COLUMNS = (
        Column("cycle", "", "cycle number", "int"),
        Column("extreme", "", "hot or cold (end of the dwell)", "str"),
        Column("temperature", "C", "temperature"),
        Column("surface", "", "die_top or board_top", "str"),
        Column("x", "mm", "in-plane coordinate x"),
        Column("y", "mm", "in-plane coordinate y (0 in 2D)"),
        Column("w", "mm", "out-of-plane displacement (z in 3D, y in 2D)"),
    )

    def peak_to_valley(self) -> dict:
        """Largest peak-to-valley out-of-plane displacement of each surface over all extremes
        (the warpage of JESD22-B112 / JEITA ED-7306: max minus min of the surface height
        change; symmetric models show the whole package's value)."""
        out = {}
        for surface in sorted(set(self["surface"])):
            s = self["surface"] == surface
            best = 0.0
            for key in set(zip(self["cycle"][s], self["extreme"][s])):
                m = s & (self["cycle"] == key[0]) & (self["extreme"] == key[1])
                best = max(best, float(np.ptp(self["w"][m])))
            out[surface] = best
        return out


@dataclass(frozen=True)
class ModelInfo:
    """What the numbers come from."""

    kind: str                 # "3d", "generalized_plane_strain", ...
    geometry_kind: str        # "octant", "quarter", "full", "slice2d" or "mesh"
    label: str                # a sentence naming the model kind, printed with every result
    order: int
    elements: int
    unknowns: int
    joints: int
    nonlinear: dict           # material pattern -> constitutive model name
    solder: str | None
    mesh: str                 # mesh file, or "geometry spec"
    materials: dict = None    # [materials] pattern -> {"material", "status": {property: status}}


@dataclass(frozen=True)
class CycleStats:
    cycle: int                # 0: the cool-down
    increments: int
    newton_iterations: int
    linear_iterations: int
    cutbacks: int
    seconds: float


@dataclass(frozen=True)
class Stabilisation:
    """Which cycle the life is taken from, and how settled the critical joint's energy is."""

    cycle_used: int
    cycles_run: int
    tolerance: float
    last_change: float | None          # relative change of the critical joint's dW_interface
    stabilised: bool                   # last_change < tolerance
    extrapolated_dW: float | None      # geometric-decay extrapolation (only if not stabilised)
    rule: str                          # "auto" or "fixed"
    joint: int | None = None           # the joint measured: largest interface energy

    def line(self) -> str:
        change = "n/a (one cycle)" if self.last_change is None else f"{100 * self.last_change:.1f} %"
        text = (f"stabilisation: cycle {self.cycle_used} of {self.cycles_run} used; change of the "
                f"largest joint energy (joint {self.joint}) from the cycle before: {change} "
                f"(tolerance {100 * self.tolerance:.0f} %)")
        if not self.stabilised and self.extrapolated_dW is not None:
            text += (f"; NOT stabilised: extrapolated stabilised dW {self.extrapolated_dW:.4g} MPa "
                     f"(geometric decay of the cycle-to-cycle change)")
        elif not self.stabilised:
            text += "; NOT stabilised and no geometric decay to extrapolate"
        return text


@dataclass(frozen=True)
class FieldSnapshot:
    """Element-averaged fields and nodal displacement at the end of one cycle (for VTU)."""

    cycle: int
    time: float
    point_data: dict
    cell_data: dict


@dataclass(frozen=True)
class FieldSeries:
    """The mesh (as meshio cell blocks) and the snapshots; omitted from study results."""

    cell_type: str            # meshio cell type
    connectivity: np.ndarray  # (n_cells, nodes per cell)
    points: np.ndarray        # (n_nodes, dim)
    snapshots: list           # [FieldSnapshot]

    @property
    def cells(self) -> tuple:
        return self.cell_type, self.connectivity, self.points


@dataclass(frozen=True)
class CyclingResult:
    """Everything a temperature-cycling run computed (see the module docstring)."""

    title: str
    case_source: str
    model: ModelInfo
    profile: dict                        # the profile spec (loads.TemperatureProfile.to_spec())
    cycles: tuple                        # CycleStats per cycle (and the cool-down, cycle 0)
    joints: JointTable
    hysteresis: HysteresisTable
    warpage: WarpageTable
    stabilisation: Stabilisation
    life: LifeTable | None               # at the used cycle
    life_extrapolated: LifeTable | None  # from the extrapolated energies, when not stabilised
    primary_law: str | None
    fatigue: dict                        # constants used: law -> one line (values, source, status)
    field_life: dict | None              # Norris-Landzberg: test -> field cycles (or None)
    warnings: tuple
    estimate: dict | None                # Engelmaier closed form beside the FE answer
    timing: dict                         # seconds: model, cycling, postprocess
    versions: dict
    settings: dict                       # solver settings and step control used
    fields: FieldSeries | None = None
    mesh_files: tuple = ()               # mesh (and side file) the run built, to copy

    analysis = "cycling"

    @property
    def critical(self) -> dict | None:
        """The joint with the shortest life under the primary law (its row of the life table),
        or, without fatigue constants, the largest interface energy."""
        table = self.life
        if table is None or len(table) == 0:
            last = self.joints.cycle(self.stabilisation.cycle_used)
            if len(last) == 0 or not np.any(np.isfinite(last["dW_interface"])):
                return None
            return last.rows()[int(np.nanargmax(last["dW_interface"]))]
        return table.rows()[0]

    def without_fields(self) -> "CyclingResult":
        """The same result without the field snapshots (small, for studies)."""
        return replace(self, fields=None, hysteresis=self.hysteresis.select(
            self.hysteresis["joint"] == (self.critical or {}).get("joint", -1)))

    def to_summary(self) -> dict:
        """The JSON summary: settings, model, statistics, the critical joint and its lives."""
        from dataclasses import asdict

        crit = self.critical
        return {
            "title": self.title, "case": self.case_source, "analysis": self.analysis,
            "model": asdict(self.model), "load": {"profile": self.profile,
                                                  "cycles_run": self.stabilisation.cycles_run},
            "solver": self.settings,
            "cycles": [asdict(c) for c in self.cycles],
            "stabilisation": asdict(self.stabilisation),
            "critical_joint": crit,
            "primary_law": self.primary_law,
            "life_extrapolated_critical": None if self.life_extrapolated is None else
            _critical_extrapolated(self.life_extrapolated, crit),
            "warpage_peak_to_valley_mm": self.warpage.peak_to_valley(),
            "fatigue_constants": self.fatigue,
            "field_life": self.field_life,
            "estimate": self.estimate,
            "warnings": list(self.warnings),
            "timing_s": self.timing, "versions": self.versions,
        }


def _critical_extrapolated(table: LifeTable, crit):
    if crit is None:
        return None
    rows = [r for r in table.rows() if r["joint"] == crit["joint"]]
    return rows[0] if rows else None


@dataclass(frozen=True)
class ThermoelasticResult:
    """A thermo-elastic solve at a uniform temperature from the stress-free state."""

    title: str
    case_source: str
    model: ModelInfo
    load: dict
    solver: dict
    max_displacement: float
    von_mises: dict                   # region -> {"mean", "max"}
    die_top_curvature: dict | None
    timing: dict
    versions: dict
    fields: FieldSeries | None = None
    mesh_files: tuple = ()

    analysis = "thermoelastic"

    def to_summary(self) -> dict:
        from dataclasses import asdict

        return {"title": self.title, "case": self.case_source, "analysis": self.analysis,
                "model": asdict(self.model), "load": self.load, "solver": self.solver,
                "results": {"max_displacement": self.max_displacement,
                            "von_mises": self.von_mises,
                            **({"die_top_curvature": self.die_top_curvature}
                               if self.die_top_curvature else {})},
                "timing_s": self.timing, "versions": self.versions}


__all__ = ["Column", "CycleStats", "CyclingResult", "FieldSeries", "FieldSnapshot",
           "HysteresisTable", "JointTable", "LifeTable", "ModelInfo", "Stabilisation", "Table",
           "ThermoelasticResult", "WarpageTable"]
