"""Bad input, each handled on purpose: not a repository, empty, bare, shallow, binary and oversize files,
non-UTF-8 bytes, submodules, symlinks, mode-only changes, and missing or corrupt objects."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import Any

from rich.console import Console

from gitocto.extract.command import extract_repos
from gitocto.extract.options import ExtractOptions
from tests.extract.extract_helpers import read_output
from tests.support.git_octo import octo
from tests.support.repos import GitRepo


def _run(repo_path: Path, out: Path, **options: Any) -> tuple[list[dict[str, Any]], str]:
    buf = io.StringIO()
    console = Console(file=buf, width=200)
    assert extract_repos([str(repo_path)], str(out), ExtractOptions(**options), console=console) == 0
    return read_output(out), buf.getvalue()


def test_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    proc = octo("extract", str(tmp_path / "plain"), "-o", str(tmp_path / "out.jsonl"))
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("not a git repository") and "Traceback" not in proc.stderr
    assert not (tmp_path / "out.jsonl").exists()
    missing = octo("extract", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out.jsonl"))
    assert missing.returncode == 1 and "no such file or directory" in missing.stderr


def test_empty_repository_gives_no_records(repo: Any, tmp_path: Path) -> None:
    proc = octo("extract", str(repo.path), "-o", str(tmp_path / "out.jsonl"))
    assert proc.returncode == 0, proc.stderr
    assert read_output(tmp_path / "out.jsonl") == []


def test_bare_clone_gives_the_same_records(history: Any, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    history.git("clone", "-q", "--bare", str(history.path), str(bare))
    plain, _ = _run(history.path, tmp_path / "plain.jsonl")
    from_bare, _ = _run(bare, tmp_path / "bare.jsonl")
    assert [{**r, "repos": ""} for r in from_bare] == [{**r, "repos": ""} for r in plain]


def test_shallow_clone_reports_and_skips_its_boundary(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("linear")
    for i in range(4):
        repo.commit(f"Change value to {i}", {"v.py": f"value = {i}\n"})
    shallow = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.path}", str(shallow))
    records, log = _run(shallow, tmp_path / "out.jsonl")
    assert [r["subject"] for r in records] == ["Change value to 3"]
    assert records[0]["old_contents"] == "value = 2\n"
    assert "shallow clone" in log and "boundary" in log and "shallow_boundary" in log


def test_binary_and_oversize_files_are_skipped_and_counted(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("bin")
    repo.commit("Add files", {"logo.png": b"\x89PNG\r\n\x1a\n\0\0\0", "big.py": "x = 1\n" * 400, "ok.py": "y = 2\n"})
    records, log = _run(repo.path, tmp_path / "out.jsonl", max_file_size=1000)
    assert [r["new_file"] for r in records] == ["ok.py"]
    assert records[0]["files_changed"] == 3
    assert "binary" in log and "oversize" in log


def test_non_utf8_contents_and_message_are_kept_losslessly(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("latin")
    content = b"name = 'caf\xe9'\n"
    message = b"Fix the caf\xe9 name\n"
    (repo.path / "menu.py").write_bytes(content)
    repo.git("add", "-A")
    # `git commit` would re-encode the message, so the commit object is written as is.
    tree = repo.git("write-tree").strip()
    person = b"Ada Tester <ada@example.com> 1700000000 +0000"
    body = b"tree %s\nauthor %s\ncommitter %s\n\n%s" % (tree.encode(), person, person, message)
    sha = (
        subprocess.run(
            ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
            cwd=repo.path,
            input=body,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    repo.git("update-ref", "refs/heads/main", sha)
    for out in (tmp_path / "out.jsonl", tmp_path / "out.parquet"):
        [record], _ = _run(repo.path, out)
        assert record["new_contents"].encode(record["new_encoding"]) == content
        assert record["message"].encode(record["message_encoding"]) == message
        assert (record["new_encoding"], record["message_encoding"], record["old_encoding"]) == (
            "latin-1",
            "latin-1",
            "utf-8",
        )


def test_submodule_symlink_and_mode_only_changes_are_left_out_and_counted(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("kinds")
    repo.commit("Add the tool", {"tool.py": "print('hi')\n"})
    os.symlink("tool.py", repo.path / "alias.py")
    repo.commit("Add an alias")
    (repo.path / "tool.py").chmod(0o755)
    repo.commit("Make the tool executable")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{'a' * 40},vendor/lib")
    repo.git("commit", "-q", "-m", "Add the lib submodule")
    records, log = _run(repo.path, tmp_path / "out.jsonl")
    assert [r["subject"] for r in records] == ["Add the tool"]
    for kind in ("submodule", "symlink", "mode_only"):
        assert kind in log


def _object_path(repo: GitRepo, sha: str) -> Path:
    return repo.path / ".git" / "objects" / sha[:2] / sha[2:]


def test_missing_or_corrupt_objects_skip_only_their_commits(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("broken")
    repo.commit("Add a", {"a.py": "a = 1\n"})
    repo.commit("Add b", {"b.py": "b = 1\n"})
    repo.commit("Add c", {"c.py": "c = 1\n"})
    repo.commit("Add d", {"d.py": "d = 1\n"})
    missing = repo.git("rev-parse", "HEAD~2:b.py").strip()
    corrupt = repo.git("rev-parse", "HEAD:d.py").strip()
    _object_path(repo, missing).unlink()
    path = _object_path(repo, corrupt)
    path.chmod(0o644)
    path.write_bytes(b"this is not a zlib stream")
    records, log = _run(repo.path, tmp_path / "out.jsonl")
    assert sorted(r["new_file"] for r in records) == ["a.py", "c.py"]
    assert log.count("unreadable commit skipped") == 2 and missing in log and corrupt in log


def test_missing_tree_skips_the_commits_that_need_it(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("notree")
    for name in "abcd":
        repo.commit(f"Add {name}", {f"{name}.py": f"{name} = 1\n"})
    tree = repo.git("rev-parse", "HEAD~1^{tree}").strip()
    _object_path(repo, tree).unlink()
    records, log = _run(repo.path, tmp_path / "out.jsonl")
    # "Add c" has the tree, "Add d" diffs against it: both are reported; the others come through.
    assert sorted(r["new_file"] for r in records) == ["a.py", "b.py"]
    assert log.count("unreadable commit skipped") == 2


def test_bad_revision_and_unknown_rule_are_clear_errors(history: Any, tmp_path: Path) -> None:
    bad_rev = octo("extract", str(history.path), "-o", str(tmp_path / "o.jsonl"), "--rev", "no-such-branch")
    assert bad_rev.returncode == 1 and "git rev-list failed" in bad_rev.stderr
    bad_rule = octo(
        "extract",
        str(history.path),
        "-o",
        str(tmp_path / "o.jsonl"),
        "--filter",
        "commitpack",
        "--skip-rule",
        "no_such_rule",
    )
    assert bad_rule.returncode == 1 and "unknown rule 'no_such_rule'" in bad_rule.stderr
    not_dir = tmp_path / "file"
    not_dir.write_text("x")
    assert octo("extract", str(history.path), "-o", str(not_dir)).returncode == 1


def test_output_with_a_foreign_suffix_is_a_clear_error(history: Any, tmp_path: Path) -> None:
    proc = octo("extract", str(history.path), "-o", str(tmp_path / "commits.csv"))
    assert proc.returncode == 1 and "unknown output format '.csv'" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "commits.csv").exists()
