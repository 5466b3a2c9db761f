"""Progress of a long stage (tokenizing): a rich bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

from gitocto import console as out

PLAIN_EVERY_S = 10.0


class Progress:
    """Counts done out of `total`; shows nothing when not `enabled` (e.g. on processes other than the main one)."""

    def __init__(
        self,
        label: str,
        total: int,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        every_s: float = PLAIN_EVERY_S,
    ) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0
        self.every_s = every_s
        self.start = self.last = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        if self.enabled and self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn(out.prefixed("{task.description}", "train")),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                # A console of its own, not the shared one: the bar must draw on the stream it was given.
                console=Console(file=self.stream),
                transient=True,
            )
            self._task = self._bar.add_task(label, total=total)
            self._bar.start()

    def advance(self, n: int) -> None:
        """Record `n` more done; on a terminal move the bar, otherwise print a line when `every_s` has passed."""
        self.done += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
            return
        now = time.monotonic()
        if now - self.last >= self.every_s and self.done < self.total:
            self.last = now
            pct = 100 * self.done / self.total
            out.line(
                out.prefixed(
                    f"{self.label}: {self.done:,}/{self.total:,} records ({pct:.0f}%, {now - self.start:.0f} s)",
                    "train",
                ),
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        """Remove the bar (the caller reports the outcome in a line of its own)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
