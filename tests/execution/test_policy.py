"""Where bubblewrap cannot isolate programs: auto warns once and falls back to rlimits + Landlock; strict refuses."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from gitocto.cli import main
from gitocto.errors import OctoError
from gitocto.execution import isolation, run_program, sandbox

MISSING = "bwrap not found (install bubblewrap)"


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "probe", lambda: MISSING)
    monkeypatch.setattr(sandbox, "_policy", "auto")
    monkeypatch.setattr(sandbox, "_warned", threading.Event())


@pytest.fixture(autouse=True)
def fresh_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "_policy", "auto")
    monkeypatch.setattr(sandbox, "_warned", threading.Event())


def test_auto_falls_back_with_one_warning_naming_what_is_not_contained(
    no_bwrap: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_program("python", "assert 1 + 1 == 2\n", timeout=5).passed
    assert not run_program("python", "assert 1 + 1 == 3\n", timeout=5).passed
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1
    assert MISSING in warning[0] and "not contained" in warning[0] and "--sandbox strict" in warning[0]


def test_strict_refuses_before_anything_runs(no_bwrap: None) -> None:
    with pytest.raises(OctoError, match="cannot isolate programs: bwrap not found"):
        sandbox.set_policy("strict")
    # and a program reaching the sandbox anyway is not run
    result = run_program("python", "open('ran', 'w')\n", timeout=5)
    assert result.status == "error" and "cannot isolate" in result.detail


def test_unknown_policy_is_a_clear_error() -> None:
    with pytest.raises(OctoError, match="unknown sandbox policy"):
        sandbox.set_policy("loose")


def test_bench_sandbox_strict_refuses_without_bwrap(
    no_bwrap: None, humanevalpack_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    code = main(
        [
            "bench",
            "--check",
            "canonical",
            "--lang",
            "python",
            "--limit",
            "1",
            "--data-dir",
            str(humanevalpack_dir),
            "--sandbox",
            "strict",
            "-o",
            str(out),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.strip() == f"git octo: error: --sandbox strict: cannot isolate programs: {MISSING}"


def test_synth_sandbox_strict_refuses_without_bwrap(
    no_bwrap: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text('{"content": "def f():\\n    return 1\\n", "lang": "python"}\n')
    code = main(
        [
            "synth",
            "oss-instruct",
            "--source",
            str(seeds),
            "-o",
            str(tmp_path / "out.jsonl"),
            "--endpoint",
            "http://127.0.0.1:9",
            "--model",
            "m",
            "--sandbox",
            "strict",
        ]
    )
    assert code == 1
    assert "--sandbox strict: cannot isolate programs" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.skipif(isinstance(isolation.probe(), str), reason="no bubblewrap sandbox here")
def test_bench_sandbox_strict_runs_where_bwrap_works(
    humanevalpack_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "bench",
            "--check",
            "canonical",
            "--lang",
            "python,js",
            "--limit",
            "2",
            "--data-dir",
            str(humanevalpack_dir),
            "--sandbox",
            "strict",
            "-o",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 0, capsys.readouterr()
    assert "warning" not in capsys.readouterr().err


def test_an_old_bwrap_is_refused_or_used_without_what_it_lacks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(isolation, "_version", lambda bwrap: (0, 6, 1))
    found = isolation.find_tools()
    assert isinstance(found, str) and "0.6.1 is too old" in found
    step = isolation.Step(["true"], tmp_path, {"nproc": "8"}, untrusted=True, uid=0x70000001)
    fds: list[int] = []
    older = isolation.command(step, isolation.Tools("bwrap", "prlimit", "setpriv", (0, 7, 0)), {}, fds)
    newer = isolation.command(step, isolation.Tools("bwrap", "prlimit", "setpriv", (0, 8, 0)), {}, fds)
    assert "--disable-userns" not in older and "--disable-userns" in newer
    assert "--unshare-user" in older and "--size" in older
