"""`git octo fix`: syntax errors of staged files with file:line, and model repairs shown as diffs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from commit_helpers import octo

from gitocto.fix.repair import build_prompt, extract_code, unified_diff
from gitocto.fix.syntax import check_source

BROKEN = {
    "python": ("bad.py", "def ok():\n    return 1\n\ndef add(a, b:\n    return a + b\n", 4),
    "javascript": ("bad.js", "function add(a, b) {\n  return a + ;\n}\n", 2),
    "java": ("Bad.java", "public class Bad {\n  int add(int a, int b) {\n    return a + b\n  }\n}\n", 3),
    "go": ("bad.go", "package main\n\nfunc add(a int, b int) int {\n\treturn a +\n}\n", 4),
    "cpp": ("bad.cpp", "int add(int a, int b) {\n  return a + b\n}\n", 2),
    "rust": ("bad.rs", "fn add(a: i32, b: i32) -> i32 {\n    a + \n}\n", 2),
}
GOOD = {
    "good.py": "def add(a, b):\n    return a + b\n",
    "good.js": "function add(a, b) { return a + b; }\n",
    "Good.java": "class Good { int add(int a, int b) { return a + b; } }\n",
    "good.go": "package main\n\nfunc add(a int, b int) int { return a + b }\n",
    "good.cpp": "int add(int a, int b) { return a + b; }\n",
    "good.rs": "fn add(a: i32, b: i32) -> i32 { a + b }\n",
}


@pytest.mark.parametrize("language", sorted(BROKEN))
def test_syntax_errors_are_reported_with_file_and_line(repo: Any, language: str) -> None:
    name, source, line = BROKEN[language]
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({name: source, **GOOD})
    repo.git("add", "-A")
    proc = octo(["fix"], repo.path)
    assert proc.returncode == 1
    reported = [line_ for line_ in proc.stdout.splitlines() if line_]
    assert reported and all(r.startswith(f"{name}:") for r in reported), proc.stdout
    assert int(reported[0].split(":")[1]) in (line - 1, line, line + 1)


def test_the_staged_version_is_checked_not_the_work_tree(repo: Any) -> None:
    repo.commit("Start", {"a.py": "x = 1\n"})
    repo.write({"a.py": "x = (\n"})
    repo.git("add", "a.py")
    repo.write({"a.py": "x = 2\n"})  # fixed on disk but not staged: the commit would still be broken
    proc = octo(["fix"], repo.path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("a.py:1:")


def test_clean_staged_files_pass(repo: Any) -> None:
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write(GOOD)
    repo.git("add", "-A")
    proc = octo(["fix"], repo.path)
    assert (proc.returncode, proc.stdout) == (0, "")


def test_without_a_model_errors_get_a_hint_not_a_repair(repo: Any) -> None:
    repo.commit("Start", {"a.py": "x = 1\n"})
    repo.write({"a.py": "def f(:\n"})
    repo.git("add", "-A")
    proc = octo(["fix", "--apply"], repo.path)
    assert proc.returncode == 1
    assert "configure a model" in proc.stderr
    assert (repo.path / "a.py").read_text() == "def f(:\n"


def test_a_failing_check_command_is_reported(repo: Any) -> None:
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": "def add(a, b):\n    return a - b\n"})
    repo.git("add", "-A")
    proc = octo(["fix", "--check", "python -c 'import calc; assert calc.add(1, 2) == 3'"], repo.path)
    assert proc.returncode == 1
    assert "check failed (exit 1)" in proc.stderr
    assert "AssertionError" in proc.stderr
    proc = octo(["fix", "--check", "true"], repo.path)
    assert proc.returncode == 0


def test_repair_prompt_and_reply_handling() -> None:
    assert build_prompt("src/calc.py", "def add(a, b):\n    return a - b\n") == (
        "Question: Fix bugs in calc.py.\ndef add(a, b):\n    return a - b\n\n\nAnswer:\n"
    )
    assert extract_code("Here you go:\n```python\nx = 1\n```\nDone.") == "x = 1\n"
    assert extract_code("x = 2") == "x = 2\n"
    assert extract_code("  \n") == ""
    diff = unified_diff("a.py", "x = 1\n", "x = 2\n")
    assert diff.splitlines()[:2] == ["--- a/a.py", "+++ b/a.py"]
    assert "-x = 1" in diff and "+x = 2" in diff


def test_check_source_ignores_unknown_languages() -> None:
    assert check_source("notes.txt", b"def (") == []
    assert [str(i) for i in check_source("a.py", b"x = 1\ny = (\n")] == ["a.py:2:1: syntax error"]


@pytest.mark.slow
def test_model_repair_is_shown_as_a_diff_and_applied_to_the_work_tree_only(
    repo: Any, octo_endpoint: str, tmp_path: Path
) -> None:
    broken = "def add(a, b):\n    return a - b\n"
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": broken})
    repo.git("add", "-A")
    staged_before = repo.git("ls-files", "-s", "calc.py")
    args = ["fix", "--apply", "--check", "python -c 'import calc; assert calc.add(1, 2) == 3'",
            "--backend", "openai", "--endpoint", octo_endpoint, "--timeout", "120"]
    proc = octo(args, repo.path)
    assert proc.returncode == 1, proc.stderr
    if "proposed no change" in proc.stderr:  # a random tiny model may echo the file back
        assert proc.stdout == ""
        return
    assert proc.stdout.startswith("--- a/calc.py\n+++ b/calc.py\n"), proc.stdout
    assert (repo.path / "calc.py").read_text() != broken
    assert repo.git("ls-files", "-s", "calc.py") == staged_before  # the index is never touched
    assert "not staged" in proc.stderr


@pytest.mark.slow
def test_apply_never_overwrites_unstaged_edits(repo: Any, octo_endpoint: str) -> None:
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": "def add(a, b:\n    return a + b\n"})
    repo.git("add", "-A")
    repo.write({"calc.py": "# my unstaged work\n"})
    proc = octo(["fix", "--apply", "--backend", "openai", "--endpoint", octo_endpoint], repo.path)
    assert proc.returncode == 1
    assert (repo.path / "calc.py").read_text() == "# my unstaged work\n"
