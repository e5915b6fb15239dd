"""A progress line on a terminal's standard error: files done of the total, and the rate.

A long run at a terminal should show that it is working; a short one, a CI
log or a report meant for a program must not get a line of noise. So the
line appears only when standard error is a terminal, the run is not in CI
(``CI`` set, as every major CI service does) or a dumb terminal, standard
output carries the text report (or nothing), ``--quiet`` is off, and only
once the run has taken more than a second. It is redrawn in place at most
ten times a second and wiped before anything else is printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

#: Nothing is shown before the run has taken this long (seconds).
DELAY = 1.0
#: The line is redrawn at most this often (seconds).
INTERVAL = 0.1
_CLEAR = "\r\x1b[K"


class ProgressLine:
    """Called with the number of files done; draws ``linting: 120/900 files, 85 files/s``."""

    def __init__(
        self, stream: TextIO, total: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.total = total
        self.clock = clock
        self.start = clock()
        self.drawn = 0.0  # when the line was last drawn (0: never)

    def __call__(self, done: int) -> None:
        now = self.clock()
        elapsed = now - self.start
        if elapsed < DELAY or now - self.drawn < INTERVAL:
            return
        self.drawn = now
        rate = done / elapsed
        self.stream.write(f"{_CLEAR}linting: {done}/{self.total} files, {rate:.0f} files/s")
        self.stream.flush()

    def close(self) -> None:
        """Wipe the line, if it was drawn, so that what follows starts on a clean line."""
        if self.drawn:
            self.stream.write(_CLEAR)
            self.stream.flush()
            self.drawn = 0.0


def progress_line(
    stream: TextIO,
    total: int,
    stdout_formats: Sequence[str],
    quiet: bool,
    env: Mapping[str, str],
) -> ProgressLine | None:
    """A progress line for a run of ``total`` files, or None where it must not appear."""
    if quiet or env.get("CI") or env.get("TERM") == "dumb":
        return None
    if any(fmt != "text" for fmt in stdout_formats):
        return None  # a report for a program on standard output: no terminal niceties
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):  # a closed or unusual stream
        return None
    return ProgressLine(stream, total)
