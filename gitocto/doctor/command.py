"""`git octo doctor [--json]`."""

from __future__ import annotations

from dataclasses import dataclass

from gitocto import console as out
from gitocto.doctor.report import capabilities, render_json, render_text


@dataclass(frozen=True)
class Options:
    """What `git octo doctor` takes."""

    as_json: bool = False


def run(options: Options) -> int:
    """Print what is ready here; 0 whatever is missing (the report, or its JSON, says what)."""
    caps = capabilities()
    out.line(render_json(caps) if options.as_json else render_text(caps))
    return 0
