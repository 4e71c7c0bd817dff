"""Package specs and ball shape: parsing, defaults and the one-line errors raised before gmsh."""

import math

import gmsh
import pytest

from thermofatigue.errors import InputError
from thermofatigue.geometry import build_mesh, load_spec
from thermofatigue.geometry import defaults as D
from thermofatigue.geometry.array import canonical_position, domain_fraction, symmetric_missing
from thermofatigue.geometry.ball import (sphere_volume, shape_from_standoff, shape_from_volume,
                                         standoff_from_volume, zone_volume)


def base(**changes):
    spec = {
        "family": "wlcsp",
        "passivation": {},
        "dielectric": [{}, {}],
        "rdl": {},
        "ball": {"diameter": 0.26},
        "array": {"rows": 6, "columns": 6, "pitch": 0.4},
    }
    for dotted, value in changes.items():
        section, _, key = dotted.partition("__")
        if key:
            spec.setdefault(section, {})
            spec[section] = dict(spec[section], **{key: value})
        else:
            spec[section] = value
    return spec


@pytest.fixture
def no_gmsh(monkeypatch):
    """Fail the test if gmsh is started."""
    def refuse(*args, **kwargs):
        raise AssertionError("gmsh was started before the input was checked")
    monkeypatch.setattr(gmsh, "initialize", refuse)


def one_line_error(excinfo, field):
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith("test.toml: ")
    assert excinfo.value.field == field, message
    assert "expected" in message
    return message


# --------------------------------------------------------------------------------------------
# ball shape
# --------------------------------------------------------------------------------------------
def test_zone_volume_is_sphere_volume_for_full_sphere():
    # a full sphere is the zone of height 2R with zero pad radii
    assert zone_volume(2.0, 0.0, 0.0) == pytest.approx(4 / 3 * math.pi)


@pytest.mark.parametrize("a,b", [(0.104, 0.104), (0.10, 0.12), (0.12, 0.08)])
def test_volume_and_standoff_solve_each_other(a, b):
    volume = sphere_volume(0.26)
    shape = shape_from_volume(volume, a, b)
    assert shape.volume == pytest.approx(volume, rel=1e-12)
    # the sphere passes through both pad rims
    assert shape.radius_at(0.0) == pytest.approx(b, rel=1e-12)
    assert shape.radius_at(shape.height) == pytest.approx(a, rel=1e-12)
    again = shape_from_standoff(shape.height, a, b)
    assert again.sphere_radius == pytest.approx(shape.sphere_radius, rel=1e-12)
    assert standoff_from_volume(again.volume, a, b) == pytest.approx(shape.height, rel=1e-12)


def test_segment_volumes_add_up_and_section_area_matches_quadrature():
    shape = shape_from_volume(sphere_volume(0.26), 0.104, 0.104)
    t = 0.025
    parts = (shape.segment_volume(0, t) + shape.segment_volume(t, shape.height - t)
             + shape.segment_volume(shape.height - t, shape.height))
    assert parts == pytest.approx(shape.volume, rel=1e-12)
    n = 20000
    dz = shape.height / n
    area = sum(2 * shape.radius_at((k + 0.5) * dz) * dz for k in range(n))
    assert shape.section_area() == pytest.approx(area, rel=1e-6)


def test_nominal_0p4_mm_ball_gives_a_plausible_standoff():
    spec = load_spec(base())
    # Cirrus DS992F1 Tab. 10-1: ball height A1 0.17-0.23 mm before mounting; collapse on two
    # 0.208 mm pads
    assert 0.15 < spec.ball.shape.height < 0.21
    assert spec.ball.volume == pytest.approx(math.pi * 0.26**3 / 6)


# --------------------------------------------------------------------------------------------
# defaults and parsing
# --------------------------------------------------------------------------------------------
def test_defaults_are_filled_from_the_cited_values():
    spec = load_spec(base())
    assert spec.die.thickness == D.DIE_THICKNESS == 0.305
    assert spec.ball.interface_layer == D.INTERFACE_LAYER == 0.025
    assert spec.board.thickness == D.BOARD_THICKNESS == 1.0
    assert spec.board_pad.diameter == pytest.approx(0.8 * 0.26)
    assert spec.solder_mask.type == "nsmd"
    assert spec.die.size_x == pytest.approx(5 * 0.4 + 2 * D.DIE_EDGE_MARGIN)
    assert spec.mesh.order == 2


def test_load_spec_reads_toml_files(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text('family = "wlcsp"\n[ball]\ndiameter = 0.26\n[array]\nrows = 2\ncolumns = 3\npitch = 0.4\n'
                    'missing = [[0, 0]]\n')
    spec = load_spec(path)
    assert spec.source == str(path)
    assert spec.array.missing == ((0, 0),)
    assert len(spec.array.joints()) == 5


def test_smd_board_side_wets_the_mask_opening():
    spec = load_spec(base(solder_mask={"type": "smd", "opening": 0.18, "thickness": 0.04}))
    assert spec.ball.shape.board_radius == pytest.approx(0.09)


# --------------------------------------------------------------------------------------------
# bad specs: one clear line, the field and the broken constraint, before gmsh
# --------------------------------------------------------------------------------------------
BAD_SPECS = [
    ("ball does not fit the pitch", base(ball={"diameter": 0.45}), "ball.diameter", "pitch"),
    ("reflowed ball wider than the pitch", base(ball={"diameter": 0.38}, ubm={"diameter": 0.34},
                                                board_pad={"diameter": 0.34}), "ball.diameter", "pitch"),
    ("UBM larger than the ball", base(ubm={"diameter": 0.3}), "ubm.diameter", "smaller than the ball"),
    ("board pad larger than the ball", base(board_pad={"diameter": 0.27}), "board_pad.diameter",
     "smaller than the ball"),
    ("zero die thickness", base(die={"thickness": 0.0}), "die.thickness", "> 0"),
    ("negative dielectric thickness", base(dielectric=[{"thickness": -0.01}]), "dielectric[0].thickness", "> 0"),
    ("negative board thickness", base(board={"thickness": -1.0}), "board.thickness", "> 0"),
    ("die smaller than the array", base(die={"size_x": 1.5, "size_y": 2.6}), "die.size_x", "to hold the array"),
    ("depopulated ball outside the array", base(array={"rows": 6, "columns": 6, "pitch": 0.4, "missing": [[6, 0]]}),
     "array.missing[0]", "inside the 6 x 6 array"),
    ("unknown family", base(family="bga"), "family", "one of"),
    ("misspelt field", base(ball={"diameter": 0.26, "diamter": 0.3}), "ball.diamter", "no such field"),
    ("section of another family", base(post={"diameter": 0.2, "height": 0.05}), "post", "no such field"),
    ("interface layers thicker than the joint", base(ball={"diameter": 0.26, "interface_layer": 0.1}),
     "ball.interface_layer", "half the standoff"),
    ("NSMD opening inside the pad", base(solder_mask={"opening": 0.2}), "solder_mask.opening", "larger than the pad"),
    ("rows not an integer", base(array={"rows": 2.5, "columns": 6, "pitch": 0.4}), "array.rows", "integer"),
    ("missing pitch", base(array={"rows": 6, "columns": 6}), "array.pitch_x", "required"),
]


@pytest.mark.parametrize("label,data,field,words", BAD_SPECS, ids=[b[0] for b in BAD_SPECS])
def test_bad_spec_gives_one_clear_line(no_gmsh, label, data, field, words):
    with pytest.raises(InputError) as excinfo:
        build_mesh(data, kind="quarter", source="test.toml", path="never.msh")
    message = one_line_error(excinfo, field)
    assert words in message


BAD_KINDS = [
    ("unknown model kind", base(), {"kind": "half"}, "kind", "one of"),
    ("bad element order", base(), {"kind": "quarter", "order": 3}, "mesh.order", "1 or 2"),
    ("asymmetric depopulation in a quarter model",
     base(array={"rows": 6, "columns": 6, "pitch": 0.4, "missing": [[0, 0]]}), {"kind": "quarter"},
     "array.missing", "symmetric"),
    ("octant of a rectangular array", base(array={"rows": 4, "columns": 6, "pitch": 0.4}), {"kind": "octant"},
     "array.columns", "square"),
]


@pytest.mark.parametrize("label,data,kwargs,field,words", BAD_KINDS, ids=[b[0] for b in BAD_KINDS])
def test_bad_model_request_is_refused_before_gmsh(no_gmsh, label, data, kwargs, field, words):
    with pytest.raises(InputError) as excinfo:
        build_mesh(data, source="test.toml", path="never.msh", **kwargs)
    assert words in one_line_error(excinfo, field)


def test_missing_spec_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="an existing TOML file"):
        load_spec(tmp_path / "nope.toml")


# --------------------------------------------------------------------------------------------
# array symmetry helpers
# --------------------------------------------------------------------------------------------
def test_domain_fractions_of_a_3x3_array():
    assert domain_fraction(0.0, 0.0, "quarter") == 0.25
    assert domain_fraction(0.4, 0.0, "quarter") == 0.5
    assert domain_fraction(-0.4, 0.0, "quarter") == 0.0
    assert domain_fraction(0.0, 0.0, "octant") == 0.125
    assert domain_fraction(0.4, 0.4, "octant") == 0.5
    assert domain_fraction(0.4, 0.0, "octant") == 0.5
    assert domain_fraction(0.0, 0.4, "octant") == 0.0


def test_symmetry_helpers():
    assert canonical_position(0, 0, 6, 6, "quarter") == (5, 5)
    assert canonical_position(5, 3, 6, 6, "octant") == (3, 5)
    assert symmetric_missing([(0, 0)], 6, 6, "quarter") == (0, 0)
    assert symmetric_missing([(0, 0), (0, 5), (5, 0), (5, 5)], 6, 6, "quarter") is None
    assert symmetric_missing([(0, 1), (0, 4), (5, 1), (5, 4)], 6, 6, "octant") == (0, 1)
