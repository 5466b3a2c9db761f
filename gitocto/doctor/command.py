"""`git octo doctor [--json]`."""

from __future__ import annotations

import click

from gitocto.doctor.report import capabilities, render_json, render_text


def doctor_command(as_json: bool = False) -> int:
    """Print what is ready here; 0 whatever is missing (the report, or its JSON, says what)."""
    caps = capabilities()
    click.echo(render_json(caps) if as_json else render_text(caps))
    return 0
