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


@cli.command("serve")
@click.option("--model", "-m", required=True, help="Model id or local directory (transformers format).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on (0: any free port).")
@click.option("--device", default=None, help="torch device, e.g. cpu, cuda, cuda:1 [default: cuda if available].")
@click.option(
    "--dtype",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "bf16", "fp16", "fp32"]),
    help="Weights dtype; auto is bf16 on CUDA, fp32 on CPU.",
)
@click.option("--batch-size", default=8, show_default=True, type=click.IntRange(min=1),
              help="Most sequences generated at once; concurrent requests share batches.")
def serve_command(model: str, host: str, port: int, device: str | None, dtype: str, batch_size: int) -> int:
    """Serve a model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions)."""
    from gitocto.backends.serve import serve

    return serve(model, host=host, port=port, device=device, dtype=dtype, batch_size=batch_size)

# ---- end serve -----------------------------------------------------------------------------------------

# ---- msg, fix, hooks (issue: commit-time help) ---------------------------------------------------------


def _backend_options(func: object) -> object:
    """The flags that override git config's octo.backend, octo.model, octo.endpoint and octo.timeout."""
    for option in reversed([
        click.option("--backend", type=click.Choice(["nn", "hf", "openai", "vllm"]), default=None,
                     help="Backend [default: git config octo.backend, else nn]."),
        click.option("--model", default=None, help="Model id or path [default: git config octo.model]."),
        click.option("--endpoint", default=None, help="OpenAI-compatible URL [default: git config octo.endpoint]."),
        click.option("--timeout", type=float, default=None,
                     help="Seconds to wait for a model [default: git config octo.timeout, else 2]."),
    ]):
        func = option(func)  # type: ignore[operator]
    return func


@cli.command("msg")
@click.option("--diff", "rev", default=None, metavar="REV",
              help="Suggest for commit REV (from the history before it) instead of the staged change.")
@_backend_options  # type: ignore[arg-type]
def msg_cmd(rev: str | None, backend: str | None, model: str | None, endpoint: str | None,
            timeout: float | None) -> int:
    """Print a suggested commit message for the staged change."""
    from gitocto.msg.suggest import msg_command

    return msg_command(os.getcwd(), rev, backend, model, endpoint, timeout)


@cli.command("fix")
@click.option("--check", "check_cmd", default=None, metavar="CMD",
              help="A command (e.g. your tests) whose failure also asks the model for a repair.")
@click.option("--apply", "apply_fix", is_flag=True, help="Write repairs to the working tree (never the index).")
@_backend_options  # type: ignore[arg-type]
def fix_cmd(check_cmd: str | None, apply_fix: bool, backend: str | None, model: str | None,
            endpoint: str | None, timeout: float | None) -> int:
    """Report syntax errors in staged files; with a model backend, suggest repairs as a diff."""
    from gitocto.fix.command import fix_command

    return fix_command(os.getcwd(), check_cmd, apply_fix, backend, model, endpoint, timeout)


@cli.group("hooks")
def hooks_group() -> None:
    """Install or remove gitocto's plain git hooks."""


@hooks_group.command("install")
@click.argument("names", nargs=-1, type=click.Choice(["prepare-commit-msg", "pre-commit"]))
def hooks_install_cmd(names: tuple[str, ...]) -> int:
    """Install hooks (default: prepare-commit-msg), chaining any hook already there."""
    from gitocto.hooks.install import install

    return install(os.getcwd(), names or ("prepare-commit-msg",))


@hooks_group.command("uninstall")
@click.argument("names", nargs=-1, type=click.Choice(["prepare-commit-msg", "pre-commit"]))
def hooks_uninstall_cmd(names: tuple[str, ...]) -> int:
    """Remove gitocto's hooks (default: all of them), restoring any chained hook exactly."""
    from gitocto.hooks.install import uninstall

    return uninstall(os.getcwd(), names or ("prepare-commit-msg", "pre-commit"))

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
