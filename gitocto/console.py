"""What gitocto prints: plain lines, `git octo:` notes, warnings and errors, tables and progress, on one console.

Plain lines go straight to the stream, byte for byte. Rich output (tables, progress, markup) goes through one shared
console per stream, made on first use so that the commit-time commands never import rich. Those consoles soft-wrap:
piped into a file or another program, a long line stays one line.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.progress import Progress, ProgressColumn

PREFIX = "git octo"

_consoles: dict[bool, Console] = {}


def console(*, err: bool = True) -> Console:
    """The shared rich console for stderr (the default: messages, progress) or stdout (results, tables)."""
    if err not in _consoles:
        from rich.console import Console

        # No `file`: rich then looks up sys.stderr / sys.stdout at each write, so redirection (and pytest) works.
        _consoles[err] = Console(stderr=err, soft_wrap=True)
    return _consoles[err]


def _stream(err: bool) -> TextIO:
    return sys.stderr if err else sys.stdout


def line(text: str = "", *, err: bool = False, flush: bool = False, file: TextIO | None = None) -> None:
    """Write `text` and a newline as it is (no markup, no wrapping) to stdout, to stderr with `err`, or to `file`."""
    print(text, file=file if file is not None else _stream(err), flush=flush)


def prefixed(message: str, command: str | None = None) -> str:
    """`message` after the `git octo:` prefix (`git octo COMMAND:` when a command is named)."""
    return f"{PREFIX} {command}: {message}" if command else f"{PREFIX}: {message}"


def note(message: str, *, command: str | None = None, err: bool = True, flush: bool = False) -> None:
    """A `git octo: MESSAGE` line, to stderr unless `err` is False."""
    line(prefixed(message, command), err=err, flush=flush)


def warn(message: str) -> None:
    """A `git octo: warning: MESSAGE` line on stderr."""
    line(prefixed(f"warning: {message}"), err=True)


def error(message: str) -> None:
    """A `git octo: error: MESSAGE` line on stderr."""
    line(prefixed(f"error: {message}"), err=True)


def rich(renderable: RenderableType = "", *, err: bool = True, **kwargs: object) -> None:
    """Print markup text or a rich renderable (a table) on the shared console: stderr, or stdout with `err=False`."""
    console(err=err).print(renderable, **kwargs)  # type: ignore[arg-type]


def table(renderable: RenderableType, *, err: bool = False) -> None:
    """Print a rich table, to stdout unless `err`."""
    console(err=err).print(renderable)


def progress(*columns: str | ProgressColumn, transient: bool = True) -> Progress:
    """A rich progress display on the shared stderr console (shown only on a terminal)."""
    from rich.progress import Progress

    return Progress(*columns, console=console(err=True), transient=transient)
