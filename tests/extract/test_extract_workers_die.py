"""`git octo extract --workers 2` killed with SIGKILL leaves no process behind, and a rerun resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gitocto.extract.command import extract_repos
from gitocto.extract.options import ExtractOptions
from tests.extract.extract_helpers import read_output
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
# Generous bounds for what takes well under a second on an idle machine.
FIRST_PART_S = 300.0
GONE_S = 30.0

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


def _stat(pid: int) -> tuple[str, int, str] | None:
    """(state, parent pid, start time) of a live process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return fields[0], int(fields[1]), fields[19]


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`, with its start time (so a reused pid is not mistaken for it)."""
    parents: dict[int, int] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)], starts[int(entry.name)] = stat[1], stat[2]
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = starts[child]
                frontier.append(child)
    return found


def running(processes: dict[int, str]) -> list[int]:
    """The processes that still run (a zombie no one has reaped yet has ended)."""
    alive = []
    for pid, start in processes.items():
        stat = _stat(pid)
        if stat is not None and stat[0] != "Z" and stat[2] == start:
            alive.append(pid)
    return alive


def test_sigkill_of_extract_leaves_no_worker_and_the_rerun_completes(tmp_path: Path) -> None:
    repo = tmp_path / "hist"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_history.py"), str(repo), "--commits", "4000"],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "gitocto", "extract", str(repo), "-o", str(out), "--format", "jsonl", "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        first = out / ".octo-state" / "part-00000.jsonl.json"
        wait_until(lambda: proc.poll() is not None or first.exists(), "the first part", timeout_s=FIRST_PART_S)
        assert proc.poll() is None, "extract ended before its first part was written"
        workers = descendants(proc.pid)
        forks = [
            pid
            for pid in workers
            if Path(f"/proc/{pid}/exe").exists()
            and os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(sys.executable)
        ]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=GONE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The kill came mid-run: the worker processes were there (looked up before the kill: a worker that already
    # left has no /proc entry to read), and parts were still to come.
    assert len(forks) >= 2, f"expected the 2 workers below the killed command, found {workers}"
    assert proc.returncode == -signal.SIGKILL  # it was still running
    wait_until(lambda: not running(workers), f"the workers {workers} end after the kill", timeout_s=GONE_S)

    rerun = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    clean = tmp_path / "clean.jsonl"
    assert extract_repos([str(repo)], str(clean), ExtractOptions()) == 0
    assert read_output(out) == read_output(clean)
