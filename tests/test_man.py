"""git-octo(1): `git octo --help` (git runs `man git-octo`) shows every command and option, from the click tree."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest

from gitocto import man
from gitocto.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "man" / "git-octo.1"
needs_man = pytest.mark.skipif(shutil.which("man") is None, reason="man is not installed")


def test_the_shipped_page_is_the_rendered_one() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == man.render(cli), (
        "man/git-octo.1 is stale: regenerate it with `python -m gitocto.man -o man/git-octo.1`"
    )


def test_every_command_and_option_is_in_the_page() -> None:
    page = man.render(cli)
    root = click.Context(cli, info_name="git octo")
    for path, command, ctx in man._commands(cli, root, ()):
        assert f'.SS "git octo {man._escape(" ".join(path))}' in page
        for param in command.get_params(ctx):
            for opt in getattr(param, "opts", []):
                if opt.startswith("-"):
                    assert opt.replace("-", "\\-") in page, (path, opt)


def test_roff_control_characters_are_escaped() -> None:
    text = man._escape(".starts with a dot\n'and a quote\\ back-slash")
    assert text.splitlines()[0].startswith("\\&.") and text.splitlines()[1].startswith("\\&'")
    assert "\\e" in text and "back\\-slash" in text


def fake_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    prefix = tmp_path / "venv"
    (prefix / "bin").mkdir(parents=True)
    monkeypatch.setattr(sys, "prefix", str(prefix))
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path / "base"))
    return prefix


def test_first_run_in_a_venv_writes_the_page_where_man_looks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = fake_venv(tmp_path, monkeypatch)
    man.ensure_installed(cli)
    page = prefix / "share" / "man" / "man1" / "git-octo.1"
    assert page.read_text(encoding="utf-8") == man.render(cli)
    os.utime(page, (1, 1))  # older than the commands: rendered again
    man.ensure_installed(cli)
    assert page.stat().st_mtime > 1


def test_a_read_only_venv_costs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = fake_venv(tmp_path, monkeypatch)
    prefix.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        man.ensure_installed(cli)  # no exception, nothing written (root may still write: either is fine)
    finally:
        prefix.chmod(stat.S_IRWXU)


@needs_man
def test_git_octo_help_shows_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = fake_venv(tmp_path, monkeypatch)
    man.ensure_installed(cli)
    script = prefix / "bin" / "git-octo"  # git only shows help for a command it can find
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "MANPATH"}
    env.update(PATH=f"{prefix / 'bin'}{os.pathsep}{env['PATH']}", MANPAGER="cat", PAGER="cat", MANWIDTH="100")
    where = subprocess.run(["man", "-w", "git-octo"], env=env, capture_output=True, text=True, check=False)
    assert where.stdout.strip() == str(prefix / "share" / "man" / "man1" / "git-octo.1"), where.stderr
    proc = subprocess.run(["git", "octo", "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "git octo extract" in proc.stdout and "--max-commits" in proc.stdout.replace("‐", "-")
