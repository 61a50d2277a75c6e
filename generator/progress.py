"""Progress of long runs (writing briefings, fetching feeds) for the person waiting on them.

A stage reports ``Step``s through a plain callback; ``Progress`` shows them
on a stream: one line per step, or, when the stream is a terminal, one bar
redrawn in place. Nothing here reads the clock or touches the network.
"""

from __future__ import annotations

import shutil
import sys
import threading
from dataclasses import dataclass
from typing import Callable, TextIO


@dataclass(frozen=True)
class Step:
    """Something finished (or a wait) in a long run."""

    #: How many of ``total`` are finished.
    done: int
    total: int
    #: What happened, e.g. "story 3f2a… (Open Models): written".
    text: str
    #: Running cost so far ("est. $0.12", "cost unknown …"), or "" when the stage costs nothing.
    cost: str = ""


#: What a stage calls with each step.
Report = Callable[[Step], None]


class Progress:
    """Shows steps on ``stream`` (stderr by default): a line each, or one bar on a terminal."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None, width: int = 24):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.width = width
        self._lock = threading.Lock()
        self._drawn = False
        self._last: Step | None = None

    def __call__(self, step: Step) -> None:
        with self._lock:
            if self.tty:
                self._bar(step)
            else:
                self.stream.write(line(step) + "\n")
            self.stream.flush()

    def message(self, text: str) -> None:
        """A line of the log, printed above the bar (which is then drawn again)."""
        with self._lock:
            if self._drawn:
                self.stream.write("\r" + " " * (shutil.get_terminal_size((100, 20)).columns - 1) + "\r")
            self.stream.write(text + "\n")
            if self._drawn and self._last is not None:
                self._bar(self._last)
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line, so that what follows starts on a line of its own."""
        with self._lock:
            if self._drawn:
                self.stream.write("\n")
                self.stream.flush()
                self._drawn = False
                self._last = None

    def _bar(self, step: Step) -> None:
        filled = self.width * step.done // step.total if step.total else self.width
        cost = f" · {step.cost}" if step.cost else ""
        text = f"[{'#' * filled}{'.' * (self.width - filled)}] {step.done}/{step.total}{cost} · {step.text}"
        columns = shutil.get_terminal_size((100, 20)).columns - 1
        if len(text) > columns:
            text = text[: max(columns - 1, 0)] + "…"
        self.stream.write("\r" + text.ljust(columns))
        self._drawn = True
        self._last = step


def line(step: Step) -> str:
    """One step as a line of the log: "[3/12] story … (Open Models): written · est. $0.07"."""
    cost = f" · {step.cost}" if step.cost else ""
    return f"[{step.done}/{step.total}] {step.text}{cost}"
