"""Real `git commit` runs through the plain hooks that `git octo hooks install` puts in place, one test per rule."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gitocto.hooks.install import install, shim_text, uninstall
from tests.support.commits import SIMILAR_TO_RETRY, stage_link_and_submodule
from tests.support.git_octo import git_run, octo, octo_lines
from tests.support.waiting import wait_until

SUGGESTION = "Add HTTP retry with backoff"


def hooks_path(repo: Any) -> Path:
    return Path(repo.git("rev-parse", "--path-format=absolute", "--git-path", "hooks").strip())


def install_recording(repo: Any, python: str, name: str = "prepare-commit-msg") -> None:
    """Install the real shim, started with the given interpreter (e.g. one that records whether it ran)."""
    directory = hooks_path(repo)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    target.write_text(shim_text(name, python), encoding="utf-8")
    target.chmod(0o755)


def last_message(repo: Any) -> str:
    return str(repo.git("log", "-1", "--format=%B")).strip()


def test_install_puts_the_shim_in_the_hooks_dir_and_builds_the_index(history_repo: Any) -> None:
    proc = octo("hooks", "install", cwd=history_repo.path)
    assert proc.returncode == 0, proc.stderr
    hook = hooks_path(history_repo) / "prepare-commit-msg"
    assert hook.stat().st_mode & stat.S_IXUSR
    assert sys.executable in hook.read_text()
    assert "indexed 4 commits" in proc.stdout
    assert (history_repo.path / ".git" / "octo" / "nn-index" / "base").is_file()


def test_fills_the_message_when_none_was_given(history_repo: Any) -> None:
    install(str(history_repo.path), ["prepare-commit-msg"])
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q")
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == SUGGESTION
    assert octo_lines(proc.stderr) == []


@pytest.mark.parametrize("how", ["-m", "-F", "-C", "-c", "--amend"])
def test_user_messages_are_left_alone_before_python_starts(
    history_repo: Any, recording_python: tuple[str, Path], tmp_path: Path, how: str
) -> None:
    python, log = recording_python
    install_recording(history_repo, python)
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    msg_file = tmp_path / "msg.txt"
    msg_file.write_text("Written by the user\n")
    args = {
        "-m": ["-m", "Written by the user"],
        "-F": ["-F", str(msg_file)],
        "-C": ["-C", "HEAD~1"],
        "-c": ["-c", "HEAD~1"],
        "--amend": ["--amend"],
    }[how]
    expected = {
        "-C": "Document the install steps",
        "-c": "Document the install steps",
        "--amend": "Add a cache for parsed templates",
    }.get(how, "Written by the user")
    proc = git_run(history_repo, "commit", "-q", *args)
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == expected
    assert not log.exists(), "the shim started Python for a commit that already had a message"


def test_merge_and_squash_messages_are_left_alone(history_repo: Any, recording_python: tuple[str, Path]) -> None:
    python, log = recording_python
    install_recording(history_repo, python)
    history_repo.git("switch", "-q", "-c", "topic")
    history_repo.commit("Topic change", {"topic.py": "x = 1\n"})
    history_repo.git("switch", "-q", "main")
    history_repo.commit("Main change", {"main.py": "y = 2\n"})
    merged = git_run(history_repo, "merge", "--no-ff", "topic")
    assert merged.returncode == 0, merged.stderr
    assert last_message(history_repo).startswith("Merge branch 'topic'")
    history_repo.git("switch", "-q", "-c", "other", "HEAD~1")
    assert git_run(history_repo, "merge", "--squash", "topic").returncode == 0
    proc = git_run(history_repo, "commit", "-q")
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo).startswith("Squashed commit of the following:")
    assert not log.exists()


def test_nothing_runs_during_a_rebase(
    history_repo: Any, recording_python: tuple[str, Path], editor: tuple[str, Path]
) -> None:
    python, log = recording_python
    install_recording(history_repo, python)
    edit, seen = editor
    stop = git_run(history_repo, "rebase", "-i", "HEAD~2", env={"GIT_SEQUENCE_EDITOR": "sed -i '1i break'"})
    assert stop.returncode == 0, stop.stderr
    assert (history_repo.path / ".git" / "rebase-merge").is_dir()
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q", env={"GIT_EDITOR": edit})
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == "typed by the user"
    assert SUGGESTION not in seen.read_text()
    assert not log.exists()
    git_run(history_repo, "rebase", "--abort")


def test_a_message_with_text_is_never_replaced(history_repo: Any, tmp_path: Path) -> None:
    install(str(history_repo.path), ["prepare-commit-msg"])
    template = tmp_path / "template.txt"
    template.write_text("Ticket-123: \n\n# describe the change\n")
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q", "-t", str(template), env={"GIT_EDITOR": "sed -i s/:/:done/"})
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == "Ticket-123:done"


def test_a_template_of_comments_only_is_filled(history_repo: Any, tmp_path: Path) -> None:
    install(str(history_repo.path), ["prepare-commit-msg"])
    template = tmp_path / "template.txt"
    template.write_text("# Say why, not what.\n")
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q", "-t", str(template))
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == SUGGESTION


def test_comment_mode_keeps_quitting_the_editor_an_abort(history_repo: Any, tmp_path: Path) -> None:
    install(str(history_repo.path), ["prepare-commit-msg"])
    history_repo.git("config", "octo.hookMode", "comment")
    copy = tmp_path / "seen.txt"
    quitting_editor = tmp_path / "quit.sh"  # looks at the message and quits without saving
    quitting_editor.write_text(f'#!/bin/sh\ncp "$1" {copy}\n')
    quitting_editor.chmod(0o755)
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    head = history_repo.git("rev-parse", "HEAD")
    proc = git_run(history_repo, "commit", "-q", env={"GIT_EDITOR": str(quitting_editor)})
    assert proc.returncode != 0  # the editor left only comments: git aborts, as without the hook
    assert "empty commit message" in proc.stderr
    assert history_repo.git("rev-parse", "HEAD") == head
    assert f"# {SUGGESTION}" in copy.read_text().splitlines()


# Python start, the openai import and git itself, on a slow shared machine; the trickling server goes on for 20 s.
HOOK_MARGIN_S = 8.0


@pytest.mark.parametrize("endpoint_fixture", ["refusing_endpoint", "silent_endpoint", "trickling_endpoint"])
def test_a_failing_backend_never_blocks_the_commit(
    history_repo: Any, editor: tuple[str, Path], endpoint_fixture: str, request: pytest.FixtureRequest
) -> None:
    endpoint = request.getfixturevalue(endpoint_fixture)
    install(str(history_repo.path), ["prepare-commit-msg"])
    for key, value in (
        ("octo.backend", "openai"),
        ("octo.endpoint", endpoint),
        ("octo.model", "tiny"),
        ("octo.timeout", "1"),
    ):
        history_repo.git("config", key, value)
    edit, seen = editor
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    start = time.monotonic()
    proc = git_run(history_repo, "commit", "-q", env={"GIT_EDITOR": edit})
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    # The editor got git's own template, untouched, and the user's words became the message.
    assert not [line for line in seen.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert last_message(history_repo) == "typed by the user"
    assert elapsed < 1 + HOOK_MARGIN_S, f"the commit took {elapsed:.1f}s with octo.timeout=1"
    lines = octo_lines(proc.stderr)
    assert len(lines) <= 1
    assert len(proc.stderr.strip().splitlines()) <= 1
    if endpoint_fixture != "refusing_endpoint":
        assert lines == ["git octo: no message suggestion: the openai backend did not answer within 1s"]


def test_a_served_model_fills_the_message(history_repo: Any, stub_model: Any) -> None:
    stub_model.reply = 'Commit message: "Retry fetches with jitter"<commit_after>def fetch('
    install(str(history_repo.path), ["prepare-commit-msg"])
    for key, value in (
        ("octo.backend", "openai"),
        ("octo.endpoint", stub_model.url),
        ("octo.model", "stub"),
        ("octo.timeout", "10"),
    ):
        history_repo.git("config", key, value)
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q")
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == "Retry fetches with jitter"
    before = "def fetch(url, retries=3):\n    return backoff_get(url, retries)\n"
    assert stub_model.prompts == [f"<commit_before>{before}<commit_msg>"]


def test_install_respects_core_hooks_path(history_repo: Any) -> None:
    history_repo.git("config", "core.hooksPath", ".githooks")
    install(str(history_repo.path), ["prepare-commit-msg"])
    assert (history_repo.path / ".githooks" / "prepare-commit-msg").is_file()
    assert not (history_repo.path / ".git" / "hooks" / "prepare-commit-msg").exists()
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "net.py")
    assert git_run(history_repo, "commit", "-q").returncode == 0
    assert last_message(history_repo) == SUGGESTION


def test_an_existing_hook_is_chained_and_restored_byte_for_byte(history_repo: Any, tmp_path: Path) -> None:
    directory = hooks_path(history_repo)
    directory.mkdir(parents=True, exist_ok=True)
    original = directory / "prepare-commit-msg"
    ran = tmp_path / "earlier-hook-ran"
    content = f'#!/bin/sh\n# the team\'s own hook\necho "$2" > {ran}\n'.encode()
    original.write_bytes(content)
    original.chmod(0o750)
    before = original.stat()
    install(str(history_repo.path), ["prepare-commit-msg"])
    assert (directory / "prepare-commit-msg.pre-octo").read_bytes() == content
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    assert git_run(history_repo, "commit", "-q").returncode == 0
    assert ran.is_file()  # the earlier hook still ran
    assert last_message(history_repo) == SUGGESTION
    install(str(history_repo.path), ["prepare-commit-msg"])  # reinstalling does not chain the shim to itself
    uninstall(str(history_repo.path), ["prepare-commit-msg", "pre-commit"])
    assert original.read_bytes() == content
    after = original.stat()
    assert (after.st_mode, after.st_mtime_ns) == (before.st_mode, before.st_mtime_ns)
    assert not (directory / "prepare-commit-msg.pre-octo").exists()


def test_a_failing_earlier_hook_still_stops_the_commit(history_repo: Any) -> None:
    directory = hooks_path(history_repo)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "prepare-commit-msg").write_text("#!/bin/sh\necho 'policy says no' >&2\nexit 3\n")
    (directory / "prepare-commit-msg").chmod(0o755)
    install(str(history_repo.path), ["prepare-commit-msg"])
    proc = git_run(history_repo, "commit", "-q", "--allow-empty", "-m", "x")
    assert proc.returncode != 0
    assert "policy says no" in proc.stderr


def test_uninstall_leaves_foreign_hooks_alone(history_repo: Any) -> None:
    directory = hooks_path(history_repo)
    directory.mkdir(parents=True, exist_ok=True)
    foreign = directory / "pre-commit"
    foreign.write_text("#!/bin/sh\nexit 0\n")
    assert uninstall(str(history_repo.path), ["prepare-commit-msg", "pre-commit"]) == 0
    assert foreign.read_text() == "#!/bin/sh\nexit 0\n"


def test_pre_commit_hook_stops_a_commit_with_a_syntax_error(history_repo: Any) -> None:
    install(str(history_repo.path), ["pre-commit"])
    history_repo.write({"broken.py": "def f(:\n    return 1\n"})
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q", "-m", "Add broken code")
    assert proc.returncode != 0
    assert "broken.py:1:" in proc.stdout + proc.stderr
    history_repo.write({"broken.py": "def f():\n    return 1\n"})
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q", "-m", "Add working code")
    assert proc.returncode == 0, proc.stderr


def test_bad_config_costs_one_line_and_never_the_commit(history_repo: Any, editor: tuple[str, Path]) -> None:
    install(str(history_repo.path), ["prepare-commit-msg"])
    history_repo.git("config", "octo.timeout", "soon")
    edit, _ = editor
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q", env={"GIT_EDITOR": edit})
    assert proc.returncode == 0, proc.stderr
    assert octo_lines(proc.stderr) == [
        "git octo: no message suggestion: octo.timeout must be a number of seconds, not 'soon'"
    ]


def test_hooks_cli_outside_a_repository_is_a_one_line_error(tmp_path: Path) -> None:
    proc = octo("hooks", "install", cwd=tmp_path, env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert proc.returncode == 1
    assert proc.stderr.startswith("git octo: error:")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []


def test_a_slow_first_index_build_finishes_in_the_background(history_repo: Any, editor: tuple[str, Path]) -> None:
    install(str(history_repo.path), ["prepare-commit-msg"])
    index = history_repo.path / ".git" / "octo" / "nn-index"
    shutil.rmtree(index)
    history_repo.git("config", "octo.timeout", "0.001")  # far too short for any build
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "net.py")
    proc = git_run(history_repo, "commit", "-q", env={"GIT_EDITOR": editor[0]})
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == "typed by the user"
    assert octo_lines(proc.stderr) == [
        "git octo: no message suggestion within 0.001s; indexing the history in the background"
    ]
    wait_until((index / "base").is_file, "the index built in the background")


def test_a_shim_whose_python_is_gone_lets_the_commit_through(history_repo: Any, editor: tuple[str, Path]) -> None:
    install_recording(history_repo, "/nonexistent/python3")
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "net.py")
    proc = git_run(history_repo, "commit", "-q", env={"GIT_EDITOR": editor[0]})
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == "typed by the user"
    assert octo_lines(proc.stderr) == [
        "git octo: gitocto is not installed any more; skipping the prepare-commit-msg hook"
    ]


def test_an_empty_commit_gets_no_suggestion_and_no_noise(history_repo: Any, editor: tuple[str, Path]) -> None:
    install(str(history_repo.path), ["prepare-commit-msg"])
    proc = git_run(history_repo, "commit", "-q", "--allow-empty", env={"GIT_EDITOR": editor[0]})
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == "typed by the user"
    assert proc.stderr == ""


def test_cherry_pick_revert_and_rebase_never_start_python(
    history_repo: Any, recording_python: tuple[str, Path]
) -> None:
    python, log = recording_python
    install_recording(history_repo, python)
    history_repo.git("switch", "-q", "-c", "topic")
    history_repo.commit("Topic one", {"one.py": "x = 1\n"})
    history_repo.commit("Topic two", {"two.py": "y = 2\n"})
    history_repo.git("switch", "-q", "main")
    history_repo.commit("Main change", {"main.py": "z = 3\n"})
    for args in (
        ["cherry-pick", "topic~1"],
        ["revert", "--no-edit", "HEAD"],
        ["switch", "-q", "topic"],
        ["rebase", "-q", "main"],
        ["rebase", "-q", "--force-rebase", "HEAD~2"],
    ):
        proc = git_run(history_repo, *args)
        assert proc.returncode == 0, proc.stderr
    assert history_repo.git("log", "-1", "--format=%s").strip() == "Topic two"
    assert not log.exists()


def test_a_shim_whose_python_lacks_gitocto_lets_the_commit_through(
    history_repo: Any, editor: tuple[str, Path], python_without_gitocto: str
) -> None:
    for name in ("prepare-commit-msg", "pre-commit"):
        install_recording(history_repo, python_without_gitocto, name)
    history_repo.write({**SIMILAR_TO_RETRY, "broken.py": "def f(:\n"})  # the skipped check cannot stop it
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q", env={"GIT_EDITOR": editor[0]})
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == "typed by the user"
    assert proc.stderr.splitlines() == [
        f"git octo: {python_without_gitocto} cannot import gitocto (ModuleNotFoundError); skipping the {name} hook"
        for name in ("pre-commit", "prepare-commit-msg")
    ]


def test_a_prepare_commit_msg_python_that_fails_never_blocks(history_repo: Any, tmp_path: Path) -> None:
    crashing = tmp_path / "crashing-python"
    crashing.write_text("#!/bin/sh\necho 'python: crashed' >&2\nexit 139\n")
    crashing.chmod(0o755)
    install_recording(history_repo, str(crashing))
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = git_run(history_repo, "commit", "-q", env={"GIT_EDITOR": "sed -i 1s/^/typed/"})
    assert proc.returncode == 0, proc.stderr
    assert last_message(history_repo) == "typed"


def test_pre_commit_hook_passes_symlinks_and_submodules(history_repo: Any, make_repo: Any) -> None:
    install(str(history_repo.path), ["pre-commit"])
    stage_link_and_submodule(history_repo, make_repo("library"))
    proc = git_run(history_repo, "commit", "-q", "-m", "Add a link and a submodule")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout + proc.stderr == ""


def test_uninstall_restores_the_earlier_hook_after_the_shim_was_removed_by_hand(history_repo: Any) -> None:
    directory = hooks_path(history_repo)
    directory.mkdir(parents=True, exist_ok=True)
    original = directory / "prepare-commit-msg"
    original.write_text("#!/bin/sh\nexit 0\n")
    install(str(history_repo.path), ["prepare-commit-msg"])
    original.unlink()  # the user deleted gitocto's shim
    uninstall(str(history_repo.path), ["prepare-commit-msg"])
    assert original.read_text() == "#!/bin/sh\nexit 0\n"
    assert not (directory / "prepare-commit-msg.pre-octo").exists()


def test_uninstall_leaves_a_foreign_hook_and_the_chained_one(history_repo: Any) -> None:
    directory = hooks_path(history_repo)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "prepare-commit-msg").write_text("#!/bin/sh\necho earlier\n")
    install(str(history_repo.path), ["prepare-commit-msg"])
    (directory / "prepare-commit-msg").write_text("#!/bin/sh\necho newer\n")  # another tool replaced the shim
    uninstall(str(history_repo.path), ["prepare-commit-msg"])
    assert (directory / "prepare-commit-msg").read_text() == "#!/bin/sh\necho newer\n"
    assert (directory / "prepare-commit-msg.pre-octo").read_text() == "#!/bin/sh\necho earlier\n"
