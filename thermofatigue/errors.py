"""Errors that reach the user.

Every problem with a user's input is an :class:`InputError` naming the file (or
other source), the field, the value found and what was expected. The CLI prints
it as one line and exits non-zero; the Python API lets it propagate.
"""

from __future__ import annotations


class ThermofatigueError(Exception):
    """Base class of all errors raised on purpose by thermofatigue."""


class InputError(ThermofatigueError, ValueError):
    """Bad input: names the source, the field, the value and what was expected.

    >>> str(InputError("case.toml", "load.cycles", -1, "a positive integer"))
    'case.toml: load.cycles = -1: expected a positive integer'
    """

    def __init__(self, source, field, value, expected):
        self.source = str(source) if source is not None else "<input>"
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(self.message)

    @property
    def message(self) -> str:
        value = self.value
        if isinstance(value, str):
            shown = repr(value)
        else:
            shown = repr(value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
        return f"{self.source}: {self.field} = {shown}: expected {self.expected}"

    def __str__(self) -> str:
        return self.message


class MeshError(InputError):
    """A mesh that cannot be solved on (inverted elements, untagged cells, ...)."""


class ConvergenceError(ThermofatigueError, RuntimeError):
    """The nonlinear solve failed even after the allowed step cut-backs."""
