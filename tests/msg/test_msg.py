"""`git octo msg`: NNGen suggestions from the repository's own history, its index, and the model backends."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gitocto.committime.settings import load_settings
from gitocto.errors import OctoError
from gitocto.msg.bleu import bnorm, normalize
from gitocto.msg.index import open_index
from gitocto.msg.model import build_prompt, clean_message
from gitocto.msg.suggest import suggest
from tests.support.commits import HISTORY, SIMILAR_TO_RETRY
from tests.support.git_octo import octo


def index_files(repo: Any) -> dict[str, Path]:
    directory = repo.path / ".git" / "octo" / "nn-index"
    return {p.name: p for p in directory.iterdir() if p.is_file()} if directory.is_dir() else {}


def test_suggests_the_subject_of_the_nearest_past_change(history_repo: Any) -> None:
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = octo("msg", cwd=history_repo.path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Add HTTP retry with backoff\n"


def test_diff_rev_suggests_from_the_history_before_that_commit(history_repo: Any) -> None:
    retry_again = history_repo.commit("Tune retry backoff", SIMILAR_TO_RETRY)
    proc = octo("msg", "--diff", retry_again, cwd=history_repo.path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Add HTTP retry with backoff"
    # The commit itself and anything after it are never suggested; a root commit has nothing before it.
    first = history_repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    proc = octo("msg", "--diff", first, cwd=history_repo.path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("git octo: error: no suggestion")


def test_index_is_built_on_first_use_then_updated_incrementally(history_repo: Any) -> None:
    cwd = str(history_repo.path)
    assert index_files(history_repo) == {}
    index = open_index(cwd)
    assert index.count == len(HISTORY)
    index.close()
    base = index_files(history_repo)["base"]
    base_stat = base.stat()
    history_repo.commit("Add the parser for INI files", {"ini.py": "def parse_ini(path):\n    return ini(path)\n"})
    index = open_index(cwd)
    assert index.count == len(HISTORY) + 1
    index.close()
    files = index_files(history_repo)
    assert "delta" in files  # only the new commit was written
    assert (base.stat().st_ino, base.stat().st_mtime_ns) == (base_stat.st_ino, base_stat.st_mtime_ns)
    index = open_index(cwd)  # up to date: nothing rewritten
    assert index.count == len(HISTORY) + 1
    index.close()
    assert files["delta"].stat().st_mtime_ns == index_files(history_repo)["delta"].stat().st_mtime_ns


def test_index_follows_worktrees_and_survives_a_corrupt_file(history_repo: Any, tmp_path: Path) -> None:
    cwd = str(history_repo.path)
    open_index(cwd).close()
    base = index_files(history_repo)["base"]
    base.write_bytes(b"garbage")
    index = open_index(cwd)
    assert index.count == len(HISTORY)
    index.close()
    history_repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    (tmp_path / "wt" / "net.py").write_text(SIMILAR_TO_RETRY["net.py"])
    subprocess.run(["git", "add", "-A"], cwd=tmp_path / "wt", check=True)
    proc = octo("msg", cwd=tmp_path / "wt")
    assert proc.stdout.strip() == "Add HTTP retry with backoff", proc.stderr
    assert set(index_files(history_repo)) <= {"base", "delta"}


def test_flags_override_git_config(history_repo: Any) -> None:
    history_repo.git("config", "octo.backend", "openai")
    history_repo.git("config", "octo.timeout", "7")
    settings = load_settings(str(history_repo.path), backend="nn")
    assert (settings.backend, settings.timeout, settings.hook_mode) == ("nn", 7.0, "fill")
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = octo("msg", "--backend", "nn", cwd=history_repo.path)
    assert proc.stdout.strip() == "Add HTTP retry with backoff", proc.stderr


@pytest.mark.parametrize(
    ("args", "config", "error"),
    [
        (["msg"], {}, "nothing is staged"),
        (["msg"], {"octo.backend": "magic"}, "unknown backend 'magic'"),
        (["msg"], {"octo.timeout": "-1"}, "the timeout must be more than 0"),
        (["msg"], {"octo.timeout": "inf"}, "the timeout must be more than 0 seconds (and finite), not inf"),
        (["msg", "--timeout", "inf"], {}, "the timeout must be more than 0 seconds (and finite), not inf"),
        (["msg", "--timeout", "nan"], {}, "(and finite), not nan"),
        (["msg", "--diff", "no-such-rev"], {}, "not a commit: 'no-such-rev'"),
        (["msg", "--backend", "openai"], {}, "the openai backend needs --endpoint"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    history_repo: Any, args: list[str], config: dict[str, str], error: str
) -> None:
    for key, value in config.items():
        history_repo.git("config", key, value)
    if "--backend" in args:
        history_repo.write(SIMILAR_TO_RETRY)
        history_repo.git("add", "-A")
    proc = octo(*args, cwd=history_repo.path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("git octo: error: ") and error in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_outside_a_repository(tmp_path: Path) -> None:
    proc = octo("msg", cwd=tmp_path, env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert proc.returncode == 1
    assert proc.stderr == "git octo: error: not inside a git work tree\n"


def test_the_nn_path_imports_nothing_heavy(history_repo: Any) -> None:
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    code = (
        "import sys, json\n"
        "from gitocto.cli import main\n"
        "rc = main(['msg'])\n"
        "from gitocto.hooks import prepare_commit_msg, pre_commit\n"
        "open('msg.txt', 'w').write('\\n# comment\\n')\n"
        "assert prepare_commit_msg.main(['msg.txt', '']) == 0\n"
        "assert open('msg.txt').read().startswith('Add HTTP retry with backoff')\n"
        "heavy = [m for m in ('torch', 'transformers', 'pyarrow', 'numpy', 'openai', 'httpx') if m in sys.modules]\n"
        "print(json.dumps([rc, heavy]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=history_repo.path, capture_output=True, text=True, check=True
    )
    assert json.loads(proc.stdout.splitlines()[-1]) == [0, []]


def test_clean_message_keeps_one_subject_line() -> None:
    assert clean_message("  Fix off-by-one in pager<commit_after>x") == "Fix off-by-one in pager"
    assert clean_message('Commit message: "Add retries to fetch"\n\nThis commit adds...') == "Add retries to fetch"
    assert clean_message("```\nUpdate docs\n```") == "Update docs"
    assert clean_message("<|endoftext|>") == ""
    assert len(clean_message("word " * 40)) <= 72


def test_prompt_is_the_commit_format() -> None:
    assert build_prompt("x = 1\n") == "<commit_before>x = 1\n<commit_msg>"


def test_bnorm_bleu() -> None:
    assert bnorm("Fix typo in README", "fix typo in readme") == pytest.approx(100.0)
    assert bnorm("Fix typo in README", "Add tests") < 10
    assert 0 < bnorm("Fix typo in the README file", "Fix typo in README") < 100
    assert normalize("Fix foo(), bar.") == ["fix", "foo", "(", ")", ",", "bar", "."]


@pytest.mark.slow
def test_hf_backend_gives_a_clean_line(history_repo: Any, tiny_model_dir: Path) -> None:
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    settings = load_settings(str(history_repo.path), backend="hf", model=str(tiny_model_dir))
    try:
        message = suggest(str(history_repo.path), settings)
    except OctoError as exc:  # pragma: no cover - shown if the backend breaks
        pytest.fail(str(exc))
    # A random tiny model: what matters is the shape of what comes back.
    assert message is None or (message.strip() == message and "\n" not in message and "<" not in message)


@pytest.mark.slow
def test_openai_backend_against_git_octo_serve(history_repo: Any, octo_endpoint: str) -> None:
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = octo("msg", "--backend", "openai", "--endpoint", octo_endpoint, "--timeout", "60", cwd=history_repo.path)
    assert proc.returncode in (0, 1), proc.stderr
    if proc.returncode == 0:
        assert len(proc.stdout.splitlines()) == 1 and "<commit" not in proc.stdout
    else:
        assert proc.stderr == "git octo: error: the openai backend gave no usable message\n"


def test_openai_backend_gives_the_cleaned_reply(history_repo: Any, stub_model: Any) -> None:
    stub_model.reply = 'Commit message: "Retry fetches with jitter"\n\nThis commit adds jitter.'
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    proc = octo("msg", "--backend", "openai", "--endpoint", stub_model.url, "--timeout", "30", cwd=history_repo.path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "Retry fetches with jitter\n", "")
    before = "def fetch(url, retries=3):\n    return backoff_get(url, retries)\n"
    assert stub_model.prompts == [f"<commit_before>{before}<commit_msg>"]


def test_timeout_is_a_wall_clock_limit_for_a_trickling_server(history_repo: Any, trickling_endpoint: str) -> None:
    history_repo.write(SIMILAR_TO_RETRY)
    history_repo.git("add", "-A")
    start = time.monotonic()
    proc = octo(
        "msg",
        "--backend",
        "openai",
        "--endpoint",
        trickling_endpoint,
        "--model",
        "m",
        "--timeout",
        "1",
        cwd=history_repo.path,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 1
    assert proc.stderr == (
        "git octo: error: the openai backend gave no message within 1s (--timeout or git config octo.timeout)\n"
    )
    assert elapsed < 1 + 8, f"git octo msg --timeout 1 took {elapsed:.1f}s"
