"""`git octo doctor`: real probes on this machine; missing pieces faked by taking programs off PATH."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from gitocto import hub
from gitocto.doctor import checks, missing_for_bench
from gitocto.doctor.report import capabilities, fixes, render_text

TOOLS = ("git", "node", "javac", "java", "go", "g++", "rustc", "cargo", "bwrap", "nvidia-smi", "sh", "true")


def path_without(tmp_path: Path, *dropped: str) -> str:
    """A PATH of one directory holding links to this machine's tools, less `dropped`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in TOOLS:
        found = shutil.which(tool)
        if found and tool not in dropped and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def capability(name: str) -> dict[str, object]:
    return next(cap.as_dict() for cap in capabilities() if cap.name == name)


def test_json_lists_every_capability_with_its_checks() -> None:
    proc = subprocess.run(["git", "octo", "doctor", "--json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    names = [cap["name"] for cap in report["capabilities"]]
    assert names[:2] == ["extract", "hooks"]
    assert {f"bench {lang}" for lang in checks.BENCH_LANGUAGES} <= set(names)
    assert {"train", "serve", "synth", "scale", "hub"} <= set(names)
    extract = report["capabilities"][0]
    assert extract["ready"] is True  # git and pygit2 are what the test suite itself runs on
    assert all(not check["ok"] or check["fix"] is None for cap in report["capabilities"] for check in cap["checks"])
    assert all(isinstance(fix, str) and fix for fix in report["fixes"])


def test_the_text_report_fits_one_screen() -> None:
    proc = subprocess.run(["git", "octo", "doctor"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) <= 40
    assert any(line.split()[:2] == ["extract", "ready"] for line in lines)


def test_a_missing_compiler_is_named_with_the_command_that_installs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", path_without(tmp_path, "go"))
    go = checks.bench_language("go")
    assert not go[0].ok and "go not found" in go[0].detail
    assert go[0].fix == "sudo apt-get install -y golang-go golang-github-stretchr-testify-dev"
    missing = missing_for_bench(["python", "go"])
    assert len(missing) == 1 and missing[0].startswith("go: go not found") and "golang-go" in missing[0]
    assert capability("bench go")["ready"] is False
    assert capability("bench python")["ready"] is True
    assert go[0].fix in fixes(capabilities())


def test_the_cli_report_shows_the_gap_and_its_fix(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PATH": path_without(tmp_path, "javac", "java")
        + os.pathsep
        + str(Path(shutil.which("git-octo") or "git-octo").parent),
    }
    git_octo = shutil.which("git-octo")
    assert git_octo is not None
    proc = subprocess.run([git_octo, "doctor"], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    java = next(line for line in proc.stdout.splitlines() if line.strip().startswith("bench java"))
    assert "MISSING" in java and "javac not found" in java
    assert "sudo apt-get install -y default-jdk-headless" in proc.stdout.split("To fix:")[1]


def test_javascript_names_are_accepted_as_synth_spells_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", path_without(tmp_path, "node"))
    assert missing_for_bench(["javascript"]) == missing_for_bench(["js"]) != []


def test_without_bubblewrap_only_strict_runs_are_blocked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", path_without(tmp_path, "bwrap"))
    box = checks.sandbox()
    assert not box.ok and not box.required and box.fix == "sudo apt-get install -y bubblewrap"
    assert missing_for_bench(["python"]) == []
    assert missing_for_bench(["python"], strict_sandbox=True) == [f"sandbox: {box.detail} (fix: {box.fix})"]


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed here")
def test_bubblewrap_here_is_probed_for_real() -> None:
    box = checks.sandbox()
    # Either verdict is real: what matters is that it matches a namespace actually being created.
    proc = subprocess.run(
        ["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
        capture_output=True,
        check=False,
    )
    assert box.ok == (proc.returncode == 0)


def test_a_missing_extra_names_its_pip_command() -> None:
    check = checks.package("gitocto_no_such_module", extra="train")
    assert not check.ok and check.fix == "pip install 'gitocto[train]'"
    assert checks.package("click").ok


def test_an_unreachable_hub_says_to_pass_local_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for key in hub.OFFLINE_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    hub.reset()
    try:
        found = checks.hub()
    finally:
        hub.reset()
    assert not found.ok and f"127.0.0.1:{port} cannot be reached" in found.detail
    assert found.fix is not None and "--data-dir" in found.fix
    assert "hub" in render_text([c for c in capabilities() if c.name == "hub"])


@pytest.mark.slow
def test_a_language_reported_ready_really_runs_its_canonical_solution() -> None:
    from gitocto.bench.check import run_check
    from tests.support.shared_data import humanevalpack_dir

    data = humanevalpack_dir()
    ready = [lang for lang in ("python", "js") if not missing_for_bench([lang])]
    if not ready:
        pytest.skip("no toolchain here")
    outcome = run_check("canonical", ready, data, 1, workers=2)
    assert all(outcome.passed[lang] == outcome.total[lang] == 1 for lang in ready), outcome


def test_bench_and_the_synth_filter_stop_at_once_naming_the_missing_toolchain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitocto.bench.command import Options, run
    from gitocto.errors import OctoError
    from gitocto.synth.verify import execute

    monkeypatch.setenv("PATH", path_without(tmp_path, "go"))
    with pytest.raises(OctoError, match=r"git octo bench needs .*go: go not found.*golang-go"):
        run(Options(lang="python,go", check="canonical", data_dir=tmp_path / "no-data"))
    go_sample = {"lang": "go", "solution_code": "func Add(a, b int) int { return a + b }", "tests": "x"}
    with pytest.raises(OctoError, match=r"execution filter needs .*go: go not found"):
        execute([go_sample])
    assert execute([{"lang": "go", "solution_code": "x"}]) == [(True, "untested")]  # nothing to run, nothing needed
