"""The git-octo(1) manual page, rendered from the click commands, so that `git octo --help` (git runs
`man git-octo`) shows the same text as `git octo COMMAND -h`.

The page is kept in the repository (`man/git-octo.1`, regenerated with `python -m gitocto.man -o man/git-octo.1`;
a test fails when it is stale) and installed as `<prefix>/share/man/man1/git-octo.1`, which `man` finds beside the
`git-octo` script: man-db searches `../share/man` of every directory on PATH. A regular install copies it there;
an editable install does not, so `git octo` writes it into its venv on the first run (`ensure_installed`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from gitocto import __version__

PAGE_NAME = "git-octo"
SECTION = "1"


def _escape(text: str) -> str:
    """Text safe inside a roff line: backslashes and hyphens escaped, no line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in text.split("\n"))


def _paragraphs(text: str) -> list[str]:
    """click's help text as paragraphs (blank-line separated; `\\b` blocks keep their lines)."""
    out: list[str] = []
    for block in text.strip().split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines()]
        if lines and lines[0] == "\b":
            out.append("\n.br\n".join(_escape(line) for line in lines[1:]))
        elif lines:
            out.append(_escape(" ".join(lines)))
    return out


def _commands(
    group: click.Group, ctx: click.Context, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], click.Command, click.Context]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        sub = click.Context(command, info_name=name, parent=ctx, **command.context_settings)
        yield (*path, name), command, sub
        if isinstance(command, click.Group):
            yield from _commands(command, sub, (*path, name))


def _options(command: click.Command, ctx: click.Context) -> list[str]:
    lines: list[str] = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, help_text = record
        lines += [".TP", f"\\fB{_escape(names)}\\fR", _escape(" ".join(help_text.split())) if help_text else ""]
    return lines


def render(cli: click.Group | None = None) -> str:
    """The whole manual page as roff source."""
    if cli is None:
        from gitocto.cli import cli as default_cli

        cli = default_cli
    # The commands' own context settings (`-h` as well as `--help`), as when they run.
    root = click.Context(cli, info_name="git octo", **cli.context_settings)
    summary = (cli.help or "").strip().splitlines()[0]
    lines = [
        f'.TH "{PAGE_NAME.upper()}" "{SECTION}" "" "gitocto {__version__}" "gitocto manual"',
        ".SH NAME",
        f"{_escape(PAGE_NAME)} \\- {_escape(summary.split(':', 1)[-1].strip())}",
        ".SH SYNOPSIS",
        "\\fBgit octo\\fR [\\fB\\-\\-version\\fR] [\\fB\\-h\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        *[f".PP\n{p}" for p in _paragraphs(cli.help or "")],
        ".PP",
        "\\fBgit octo\\fR \\fICOMMAND\\fR \\fB\\-h\\fR prints the same help for one command in the terminal. "
        "\\fBgit octo doctor\\fR says which commands are ready on this machine and what to install for the others.",
        ".SH COMMANDS",
    ]
    for path, command, ctx in _commands(cli, root, ()):
        usage = " ".join(command.collect_usage_pieces(ctx))
        lines.append(f'.SS "git octo {_escape(" ".join(path))} {_escape(usage)}"')
        lines += [f".PP\n{p}" for p in _paragraphs(command.help or command.short_help or "")]
        lines += _options(command, ctx)
    lines += [
        ".SH ENVIRONMENT",
        ".TP",
        "\\fBHF_ENDPOINT\\fR, \\fBHF_HUB_OFFLINE\\fR",
        "Where model and data names are looked up. When the hub cannot be reached, commands use what is cached and "
        "say which local path or \\fB\\-\\-data\\-dir\\fR to pass instead.",
        ".SH SEE ALSO",
        "\\fBgit\\fR(1), \\fBgit\\-commit\\fR(1), \\fBgithooks\\fR(5)",
        "",
    ]
    return "\n".join(lines)


def installed_path(prefix: str | None = None) -> Path:
    """Where an install puts the page: <prefix>/share/man/man1/git-octo.1 (the running environment by default)."""
    return Path(prefix or sys.prefix) / "share" / "man" / f"man{SECTION}" / f"{PAGE_NAME}.{SECTION}"


def ensure_installed(cli: click.Group) -> None:
    """Write the page into the running virtual environment when it is missing or older than the commands.

    A regular install ships the page (setuptools data-files), but an editable install (`pip install -e`) skips
    data files; so the first `git octo` run in a venv renders it. Costs two stat calls once it is there; never fails.
    """
    if sys.prefix == sys.base_prefix:  # not a venv: the system's or the user's install put the page in place
        return
    target = installed_path()
    try:
        commands = Path(sys.modules[cli.callback.__module__ if cli.callback else __name__].__file__ or __file__)
        if target.exists() and target.stat().st_mtime >= commands.stat().st_mtime:
            return
        from gitocto.records import write_text  # after the check: a run with the page in place never writes

        write_text(target, render(cli))
    except (OSError, KeyError, AttributeError):
        return


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m gitocto.man [-o FILE]`: write the page (to stdout by default)."""
    parser = argparse.ArgumentParser(prog="python -m gitocto.man", description=__doc__)
    parser.add_argument("-o", "--output", type=Path, help="Write the page here (e.g. man/git-octo.1).")
    args = parser.parse_args(argv)
    page = render()
    if args.output is None:
        sys.stdout.write(page)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
