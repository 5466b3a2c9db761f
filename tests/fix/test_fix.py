"""`git octo fix`: syntax errors of staged files with file:line, and model repairs shown as diffs."""

from __future__ import annotations

import time
from typing import Any

import pytest

from gitocto.fix.command import staged_paths
from gitocto.fix.repair import build_prompt, extract_code, unified_diff
from gitocto.fix.syntax import check_source
from tests.support.commits import stage_link_and_submodule
from tests.support.git_octo import octo

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
    proc = octo("fix", cwd=repo.path)
    assert proc.returncode == 1
    reported = [line_ for line_ in proc.stdout.splitlines() if line_]
    assert reported and all(r.startswith(f"{name}:") for r in reported), proc.stdout
    assert int(reported[0].split(":")[1]) in (line - 1, line, line + 1)


def test_the_staged_version_is_checked_not_the_work_tree(repo: Any) -> None:
    repo.commit("Start", {"a.py": "x = 1\n"})
    repo.write({"a.py": "x = (\n"})
    repo.git("add", "a.py")
    repo.write({"a.py": "x = 2\n"})  # fixed on disk but not staged: the commit would still be broken
    proc = octo("fix", cwd=repo.path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("a.py:1:")


def test_clean_staged_files_pass(repo: Any) -> None:
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write(GOOD)
    repo.git("add", "-A")
    proc = octo("fix", cwd=repo.path)
    assert (proc.returncode, proc.stdout) == (0, "")


def test_without_a_model_errors_get_a_hint_not_a_repair(repo: Any) -> None:
    repo.commit("Start", {"a.py": "x = 1\n"})
    repo.write({"a.py": "def f(:\n"})
    repo.git("add", "-A")
    proc = octo("fix", "--apply", cwd=repo.path)
    assert proc.returncode == 1
    assert "configure a model" in proc.stderr
    assert (repo.path / "a.py").read_text() == "def f(:\n"


def test_a_failing_check_command_is_reported(repo: Any) -> None:
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": "def add(a, b):\n    return a - b\n"})
    repo.git("add", "-A")
    proc = octo("fix", "--check", "python -c 'import calc; assert calc.add(1, 2) == 3'", cwd=repo.path)
    assert proc.returncode == 1
    assert "check failed (exit 1)" in proc.stderr
    assert "AssertionError" in proc.stderr
    proc = octo("fix", "--check", "true", cwd=repo.path)
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


CALC_BROKEN = "def add(a, b):\n    return a - b\n"
CALC_FIXED = "def add(a, b):\n    return a + b\n"
CALC_CHECK = "python -c 'import calc; assert calc.add(1, 2) == 3'"


def stub_args(stub_model: Any, *more: str) -> list[str]:
    return ["fix", *more, "--backend", "openai", "--endpoint", stub_model.url, "--model", "stub", "--timeout", "30"]


def test_model_repair_is_shown_as_a_diff_and_applied_to_the_work_tree_only(repo: Any, stub_model: Any) -> None:
    stub_model.reply = f"Here is the fix:\n```python\n{CALC_FIXED}```\n"
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": CALC_BROKEN})
    repo.git("add", "-A")
    staged_before = repo.git("ls-files", "-s", "calc.py")
    proc = octo(*stub_args(stub_model, "--apply", "--check", CALC_CHECK), cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == (
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"
    )
    assert stub_model.prompts == [f"Question: Fix bugs in calc.py.\n{CALC_BROKEN}\n\nAnswer:\n"]
    assert (repo.path / "calc.py").read_text() == CALC_FIXED
    assert repo.git("ls-files", "-s", "calc.py") == staged_before  # the index is never touched
    assert "wrote the repair to calc.py (not staged" in proc.stderr


def test_without_apply_the_work_tree_is_left_alone(repo: Any, stub_model: Any) -> None:
    stub_model.reply = CALC_FIXED
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": CALC_BROKEN})
    repo.git("add", "-A")
    proc = octo(*stub_args(stub_model, "--check", CALC_CHECK), cwd=repo.path)
    assert proc.returncode == 1
    assert "+    return a + b\n" in proc.stdout
    assert (repo.path / "calc.py").read_text() == CALC_BROKEN


def test_apply_never_overwrites_unstaged_edits(repo: Any, stub_model: Any) -> None:
    stub_model.reply = CALC_FIXED
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": "def add(a, b:\n    return a + b\n"})
    repo.git("add", "-A")
    repo.write({"calc.py": "# my unstaged work\n"})
    proc = octo(*stub_args(stub_model, "--apply"), cwd=repo.path)
    assert proc.returncode == 1
    assert "\n--- a/calc.py\n" in proc.stdout  # the repair is still shown
    assert "calc.py has unstaged changes; not overwriting it" in proc.stderr
    assert (repo.path / "calc.py").read_text() == "# my unstaged work\n"


def test_apply_to_a_crlf_file_keeps_its_line_endings(repo: Any, stub_model: Any) -> None:
    stub_model.reply = CALC_FIXED  # the model answers with LF line endings
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": CALC_BROKEN.replace("\n", "\r\n").encode()})
    repo.git("add", "-A")
    proc = octo(*stub_args(stub_model, "--apply", "--check", CALC_CHECK), cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    assert "unstaged changes" not in proc.stderr
    assert (repo.path / "calc.py").read_bytes() == CALC_FIXED.replace("\n", "\r\n").encode()
    # Only the changed line is in the diff, not every line for its line ending (text mode reads CRLF as LF).
    assert [line for line in proc.stdout.splitlines() if line[:1] in ("+", "-")] == [
        "--- a/calc.py",
        "+++ b/calc.py",
        "-    return a - b",
        "+    return a + b",
    ]


def test_apply_with_autocrlf_sees_no_unstaged_changes(repo: Any, stub_model: Any) -> None:
    stub_model.reply = CALC_FIXED
    repo.git("config", "core.autocrlf", "true")  # LF in the index, CRLF in the work tree
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": CALC_BROKEN.replace("\n", "\r\n").encode()})
    repo.git("add", "-A")
    proc = octo(*stub_args(stub_model, "--apply", "--check", CALC_CHECK), cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    assert (repo.path / "calc.py").read_bytes() == CALC_FIXED.replace("\n", "\r\n").encode()


def test_symlinks_and_submodules_are_not_checked(repo: Any, make_repo: Any) -> None:
    repo.commit("Start", {"README.md": "hi\n"})
    stage_link_and_submodule(repo, make_repo("library"))
    proc = octo("fix", cwd=repo.path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert staged_paths(repo.path) == ["real.py"]


def test_a_regular_file_that_was_a_symlink_is_checked(repo: Any) -> None:
    (repo.path / "mod.py").symlink_to("elsewhere.py")
    repo.commit("Start")
    (repo.path / "mod.py").unlink()
    repo.write({"mod.py": "def f(:\n"})
    repo.git("add", "-A")
    proc = octo("fix", cwd=repo.path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("mod.py:1:")


def test_a_trickling_model_server_is_cut_off_at_the_timeout(repo: Any, trickling_endpoint: str) -> None:
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": "def add(a, b:\n"})
    repo.git("add", "-A")
    start = time.monotonic()
    proc = octo(
        "fix",
        "--backend",
        "openai",
        "--endpoint",
        trickling_endpoint,
        "--model",
        "stub",
        "--timeout",
        "1",
        cwd=repo.path,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 1
    assert elapsed < 1 + 8, f"git octo fix --timeout 1 took {elapsed:.1f}s"
    assert proc.stderr.splitlines()[-1] == (
        "git octo: error: the openai backend did not answer within 1s (--timeout) for calc.py"
    )


@pytest.mark.parametrize(("value", "shown"), [("0", "0"), ("inf", "inf"), ("nan", "nan"), ("-2", "-2")])
def test_a_timeout_that_is_no_limit_is_refused(repo: Any, value: str, shown: str) -> None:
    repo.commit("Start", {"calc.py": "x = 1\n"})
    repo.write({"calc.py": "def f(:\n"})
    repo.git("add", "-A")
    proc = octo("fix", "--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1", "--timeout", value, cwd=repo.path)
    assert proc.returncode == 1
    assert proc.stderr == f"git octo: error: the timeout must be more than 0 seconds (and finite), not {shown}\n"
