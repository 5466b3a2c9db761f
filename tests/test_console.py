"""The shared output helper: prefixes, plain lines, and no hard wraps when output is piped."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gitocto import console


def test_error_warning_and_note_carry_the_git_octo_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    console.error("no such file")
    console.warn("falling back")
    console.note("installed", err=False)
    console.note("loading", command="train")
    captured = capsys.readouterr()
    assert captured.err == "git octo: error: no such file\ngit octo: warning: falling back\ngit octo train: loading\n"
    assert captured.out == "git octo: installed\n"


def test_plain_lines_are_written_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    console.line("a\t[bold]b[/] :smile:")
    assert capsys.readouterr().out == "a\t[bold]b[/] :smile:\n"


def test_piped_rich_output_is_not_hard_wrapped() -> None:
    text = " ".join(f"word{i}" for i in range(60))  # far wider than the 80 columns rich assumes off a terminal
    code = f"from gitocto import console; console.rich({text!r}); console.rich({text!r}, err=False)"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "PYTHONPATH": ":".join(sys.path), "TERM": "dumb"},
    )
    assert proc.stderr == text + "\n"
    assert proc.stdout == text + "\n"
