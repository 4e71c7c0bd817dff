"""Progress of a long run on the terminal: messages, and a bar over the temperature history.

``Progress`` is what the solvers call (``message``, ``start``, ``increment``, ``cycle``,
``finish``); on a terminal the bar is redrawn in place (cycle, time, temperature, increment,
Newton iterations, estimated time left), elsewhere (a log file, CI) one line per cycle is
printed. ``thermofatigue run --quiet`` passes no progress object at all.
"""

from __future__ import annotations

import sys
import time


class Progress:
    """Progress reports on ``stream`` (standard error by default)."""

    def __init__(self, stream=None, width: int = 24, interval: float = 0.2):
        self.stream = stream or sys.stderr
        self.width = width
        self.interval = interval
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.profile = None
        self.increments = 0
        self._drawn = 0.0
        self._start = time.perf_counter()

    def message(self, text: str) -> None:
        self._clear()
        print(f"thermofatigue: {text}", file=self.stream, flush=True)

    def start(self, profile) -> None:
        self.profile = profile
        self.increments = 0
        self._start = time.perf_counter()

    def increment(self, t: float, T: float, newton_iterations: int) -> None:
        self.increments += 1
        now = time.perf_counter()
        if not self.tty or self.profile is None or now - self._drawn < self.interval:
            return
        self._drawn = now
        done = min(max(t / self.profile.t_end, 0.0), 1.0)
        elapsed = now - self._start
        eta = elapsed * (1.0 - done) / done if done > 0 else float("nan")
        k = int(self.profile.cycle_index(t - 1e-9)) + 1 if t > 0 else 0
        bar = "#" * int(round(done * self.width))
        line = (f"\r[{bar:<{self.width}}] {100 * done:3.0f}%  cycle {k}/{self.profile.n_cycles}"
                f"  t {t:8.0f} s  T {T:6.1f} C  increment {self.increments}  Newton "
                f"{newton_iterations}  ETA {_duration(eta)}")
        self.stream.write(line)
        self.stream.flush()

    def cycle(self, stats) -> None:
        n = self.profile.n_cycles if self.profile is not None else "?"
        self.message(f"cycle {stats.index + 1}/{n}: {stats.increments} increments, "
                     f"{stats.newton_iterations} Newton iterations, {stats.cutbacks} cut-backs, "
                     f"{stats.seconds:.1f} s")

    def finish(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\r" + " " * 110 + "\r")
            self.stream.flush()
            self._drawn = 0.0


def _duration(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "--"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"
