"""Where syntax errors are reported (never 1:1 for an error further down), and binary files left alone."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from gitocto.fix.syntax import check_source
from gitocto.hooks.install import install
from tests.support.git_octo import git_run, octo

# Missing `)` after the for header on line 6: tree-sitter-javascript wraps the whole file in one ERROR node.
JS_WHOLE_FILE_ERROR = """/*
  returns encoded string by cycling groups of three characters.
  */
const encodeCyclic = (s) => {
  var groups = [], groups2 = [];
  for (let i = 0; i < Math.floor((s.length + 2) / 3); i++ {
    groups.push(s.slice(3 * i, Math.min((3 * i + 3), s.length)));
  }
  for (const group of groups) {
    if (group.length == 3)
      groups2.push(group.slice(1) + group[0]);
    else
      groups2.push(group);
  }
  return groups2.join('');
}

/*
  takes as input string encoded with encode_cyclic function. Returns decoded string.
  */
const decodeCyclic = (s) => {
  return encodeCyclic(encodeCyclic(s));
}
"""


def binary_bytes(seed: int, size: int = 600) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(size)) + b"\0"


def test_a_javascript_error_deep_in_the_file_is_not_reported_at_1_1() -> None:
    issues = check_source("cyclic.js", JS_WHOLE_FILE_ERROR.encode())
    assert issues
    assert (issues[0].line, issues[0].column) != (1, 1)
    assert issues[0].line == 6, [str(i) for i in issues]


def test_an_error_on_the_first_line_is_still_reported_there() -> None:
    issues = check_source("a.js", b"const = 1;\nconst b = 2;\n")
    assert issues and issues[0].line == 1


def test_binary_contents_are_not_syntax_errors() -> None:
    for seed in range(5):
        data = binary_bytes(seed)
        for name in ("blob.py", "blob.js", "blob.go", "blob.rs"):
            assert check_source(name, data) == []
    assert check_source("text.py", b"def f(:\n") != []  # text is still checked


def test_the_plain_pre_commit_hook_lets_binary_files_through(history_repo: Any) -> None:
    install(str(history_repo.path), ["pre-commit"])
    (Path(history_repo.path) / "data.py").write_bytes(binary_bytes(1))
    history_repo.git("add", "data.py")
    proc = git_run(history_repo, "commit", "-q", "-m", "Add a binary blob named .py")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_git_octo_fix_skips_a_staged_binary_file(repo: Any) -> None:
    repo.commit("Start", {"README.md": "hi\n"})
    (Path(repo.path) / "data.js").write_bytes(binary_bytes(2))
    repo.write({"bad.py": "def f(:\n"})
    repo.git("add", "-A")
    proc = octo("fix", cwd=repo.path)
    assert proc.returncode == 1
    assert "bad.py:1:" in proc.stdout and "data.js" not in proc.stdout + proc.stderr
