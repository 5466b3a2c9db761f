"""Command-line entry point: parses arguments and calls the typed functions that do the work.

Heavy modules are imported inside each command so that `git octo --help`, `git octo msg` and the hooks
start fast (no torch or transformers on that path).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from gitocto import __version__
from gitocto.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, OctoError


def _log_path() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "gitocto" / "gitocto.log"


def _report_crash(exc: BaseException) -> int:
    path = _log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
        where = f" (details in {path})"
    except OSError:
        where = ""
    click.echo(f"git octo: unexpected error: {type(exc).__name__}: {exc}{where}", err=True)
    return EXIT_ERROR


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="git octo")
def cli() -> None:
    """gitocto: git histories into training data, models finetuned and evaluated on them, help at commit time."""


# ---- extract (issue: foundation) -------------------------------------------------------------------
# ---- end extract ---------------------------------------------------------------------------------------

# ---- bench (issue: bench harness) ----------------------------------------------------------------------
# ---- end bench -----------------------------------------------------------------------------------------

# ---- serve (issue: bench, model backends) --------------------------------------------------------------
# ---- end serve -----------------------------------------------------------------------------------------

# ---- msg, fix, hooks (issue: commit-time help) ---------------------------------------------------------
# ---- end msg, fix, hooks -------------------------------------------------------------------------------

# ---- train (issue: train) ------------------------------------------------------------------------------
# ---- end train -----------------------------------------------------------------------------------------

# ---- synth, decontaminate (issue: synth) ---------------------------------------------------------------
# ---- end synth, decontaminate --------------------------------------------------------------------------

# ---- dedup, stats (issue: scale) -----------------------------------------------------------------------
# ---- end dedup, stats ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; map OctoError to a one-line message, Ctrl-C to 130 and anything else to a short report."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        rv = cli.main(args=args, prog_name="git octo", standalone_mode=False)
    except OctoError as exc:
        click.echo(f"git octo: error: {exc}", err=True)
        return exc.code
    except click.exceptions.Abort:
        click.echo("git octo: interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("git octo: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code if exc.exit_code else EXIT_USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error worth a report.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_ERROR
    except Exception as exc:
        return _report_crash(exc)
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
