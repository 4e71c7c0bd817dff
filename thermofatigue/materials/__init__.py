"""Materials: the cited library and the constitutive models built from it.

:func:`constitutive_model` turns a library :class:`~.library.Material` into an object that follows
the constitutive contract of ``docs/architecture.md``: the linear :class:`~.elastic.ThermoElastic`
model, or one of the inelastic models (``anand``, ``garofalo``, ``norton``, ``plasticity``) whose
isotropic, temperature-dependent elasticity and thermal expansion come from the same entry.
"""

from __future__ import annotations

from ..errors import InputError
from .anand import Anand
from .elastic import ThermoElastic
from .garofalo import Garofalo
from .library import format_library, get_material, material_names
from .norton import Norton
from .plasticity import J2Plasticity

INELASTIC_MODELS = {"anand": Anand, "garofalo": Garofalo, "norton": Norton,
                    "plasticity": J2Plasticity}
MODELS = ("elastic",) + tuple(INELASTIC_MODELS)


def axes_for(kind: str) -> tuple[int, int, int]:
    """Material-axis map of a model kind (docs/architecture.md, "Axes")."""
    return (0, 1, 2) if kind == "3d" else (0, 2, 1)


def default_model(material, transient: bool) -> str:
    """``anand`` for a solder in a time-dependent run, else ``elastic``."""
    if transient and material.has_parameters("anand"):
        return "anand"
    return "elastic"


def constitutive_model(material, model: str, stress_free_temperature: float, kind: str = "3d",
                       source: str = "<case>", field: str | None = None,
                       time_integration: str = "bdf2"):
    """The constitutive model ``model`` (one of ``MODELS``) of ``material`` for a model kind;
    ``time_integration`` (``"bdf2"`` or ``"backward_euler"``) is the flow-rule integration of
    a rate-dependent model (:mod:`thermofatigue.materials.j2`)."""
    field = field or material.field
    if model not in MODELS:
        raise InputError(source, f"{field}.model", model, f"one of {list(MODELS)}")
    elastic = ThermoElastic(material, stress_free_temperature, axes=axes_for(kind))
    if model == "elastic":
        return elastic
    if material.elasticity != "isotropic":
        raise InputError(source, f"{field}.model", model,
                         f"a material with isotropic elasticity for {model} "
                         f"(got {material.elasticity})")
    params = material.parameters(model)
    return INELASTIC_MODELS[model](params, elastic.youngs_modulus, elastic.poissons_ratio,
                                   elastic.thermal_strain, source=material.source,
                                   field_prefix=f"{field}.", time_integration=time_integration)


__all__ = ["INELASTIC_MODELS", "MODELS", "ThermoElastic", "axes_for", "constitutive_model",
           "default_model", "format_library", "get_material", "material_names"]
