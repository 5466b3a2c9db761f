"""The CLI edge: help, version, and how errors turn into exit codes."""

from __future__ import annotations

import subprocess
import sys

from gitocto import __version__
from gitocto.cli import main


def test_version(capsys: object) -> None:
    assert main(["--version"]) == 0


def test_unknown_command_is_usage_error() -> None:
    assert main(["no-such-command"]) == 2


def test_git_subcommand_runs_installed_script() -> None:
    proc = subprocess.run(["git", "octo", "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert __version__ in proc.stdout


def test_module_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "gitocto", "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert "Usage" in proc.stdout
