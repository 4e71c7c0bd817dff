"""Errors that reach the user.

Every problem with a user's input is an :class:`InputError` naming the file (or
other source), the field, the value found and what was expected. The CLI prints
it as one line and exits non-zero; the Python API lets it propagate.
"""

from __future__ import annotations

import errno


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
        return (f"{_printable(self.source)}: {_printable(self.field)} = {_printable(shown)}: "
                f"expected {_printable(self.expected)}")

    def __str__(self) -> str:
        return self.message


def _printable(text) -> str:
    """``text`` on one line: control characters (newlines, terminal escapes) shown escaped.

    >>> _printable("joint\\n\\x1b[31m")
    'joint\\\\n\\\\x1b[31m'
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class OutputError(ThermofatigueError):
    """A result file could not be written (full disk, quota, permission, read-only file system).

    One line naming the file and the system's reason:

    >>> import errno, os
    >>> str(OutputError("results/summary.json", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))))
    'results/summary.json: could not write: No space left on device [ENOSPC]'
    """

    def __init__(self, path, reason):
        self.path = str(path)
        if isinstance(reason, OSError):
            code = errno.errorcode.get(reason.errno or 0)
            text = reason.strerror or str(reason)
            reason = f"{text} [{code}]" if code else text
        self.reason = str(reason)
        super().__init__(f"{_printable(self.path)}: could not write: {_printable(self.reason)}")

    def __str__(self) -> str:
        return self.args[0]


class MeshError(InputError):
    """A mesh that cannot be solved on (inverted elements, untagged cells, ...)."""


class ConvergenceError(ThermofatigueError, RuntimeError):
    """The nonlinear solve failed even after the allowed step cut-backs."""
