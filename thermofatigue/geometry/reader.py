"""Typed reading of TOML tables with one-line InputErrors naming the dotted field."""

from __future__ import annotations

import math
from typing import Mapping

from ..errors import InputError

# --------------------------------------------------------------------------------------------
REQUIRED = object()
#: Largest length a spec may give (mm): a 1 m board is already far beyond any test board.
MAX_LENGTH = 1000.0
#: Largest count (rows, columns of a ball array).
MAX_COUNT = 1000


class TableReader:
    """A TOML table being read: typed getters that raise InputError with the dotted field name,
    and a final check for unknown keys."""

    def __init__(self, data, path: str, source: str):
        if not isinstance(data, Mapping):
            raise InputError(source, path or "<spec>", data, "a table")
        self.data = dict(data)
        self.path = path
        self.source = source
        self.used: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, value, expected: str) -> InputError:
        return InputError(self.source, self.name(key), value, expected)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default=REQUIRED):
        self.used.add(key)
        if key not in self.data:
            if default is REQUIRED:
                raise InputError(self.source, self.name(key), None, "a value (the field is required)")
            return default
        if self.data[key] is None:  # a mapping from Python (TOML has no null)
            raise self.error(key, None, "a value (leave the field out to use its default)")
        return self.data[key]

    def number(self, key: str, default=REQUIRED, *, minimum: float | None = 0.0,
               strict: bool = True, maximum: float = MAX_LENGTH) -> float | None:
        """A real number; by default it must be > 0 (``strict``) or >= ``minimum``, and at most
        ``maximum`` (default :data:`MAX_LENGTH` mm: no part of a package on its board is larger,
        and larger numbers overflow the geometry)."""
        value = self.raw(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(key, value, "a finite number (mm)")
        if minimum is not None:
            if strict and value <= minimum:
                raise self.error(key, value, f"a number > {minimum:g}")
            if not strict and value < minimum:
                raise self.error(key, value, f"a number >= {minimum:g}")
        if value > maximum:
            raise self.error(key, value, f"a number <= {maximum:g} mm")
        return float(value)

    def integer(self, key: str, default=REQUIRED, *, minimum: int = 1,
                maximum: int = MAX_COUNT) -> int:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, value, "an integer")
        if value < minimum:
            raise self.error(key, value, f"an integer >= {minimum}")
        if value > maximum:
            raise self.error(key, value, f"an integer <= {maximum}")
        return value

    def string(self, key: str, default=REQUIRED, choices=None) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str):
            raise self.error(key, value, "a string")
        if choices is not None and value.lower() not in choices:
            raise self.error(key, value, "one of " + ", ".join(repr(c) for c in choices))
        return value.lower() if choices is not None else value

    def boolean(self, key: str, default=REQUIRED) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, value, "true or false")
        return value

    def table(self, key: str, default=REQUIRED) -> "TableReader | None":
        value = self.raw(key, default)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.error(key, value, "a table")
        return TableReader(value, self.name(key), self.source)

    def finish(self, allowed: set[str] | None = None) -> None:
        """Reject keys that were not read (typos, fields of another family)."""
        allowed = self.used if allowed is None else allowed
        for key in self.data:
            if key not in allowed:
                raise self.error(key, self.data[key], "no such field here (unknown or not used by this family)")
