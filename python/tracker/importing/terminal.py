"""A one-line progress bar for imports run from a terminal."""

from __future__ import annotations

import sys
from typing import TextIO

BAR_WIDTH = 24


class TerminalProgress:
    """A progress callback that redraws one line on a terminal, and stays silent when output is piped."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.drawn = False

    def __call__(self, done: int, total: int, message: str) -> None:
        if not self.enabled or total <= 0:
            return
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"[{bar}] {done}/{total} {message}"[:79]
        self.stream.write("\r" + line.ljust(79))
        self.drawn = True
        if done >= total:
            self.stream.write("\n")
            self.drawn = False
        self.stream.flush()
