"""Hostile programs in python, js and C++ are contained, scored as failures (or timeouts), and the run goes on.

Run as root and as a normal user (see docs/bench.md, "Sandbox"): the same attacks, the same expectations.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitocto.execution import ExecResult, isolation, run_programs
from gitocto.execution.isolation import SHM_SIZE, WORKDIR_SIZE
from tests.execution.hostile import LANGS, PROBES, Targets, program

pytestmark = pytest.mark.skipif(
    isinstance(isolation.probe(), str),
    reason=f"no bubblewrap sandbox here ({isolation.probe()}): kill(-1) and friends would reach real processes",
)

PASSING = {
    "python": "assert sorted([3, 1, 2]) == [1, 2, 3]\n",
    "js": "console.assert([3, 1, 2].sort().join() === '1,2,3')\n",
    "cpp": "#include <cassert>\nint main() { assert(1 + 1 == 2); return 0; }\n",
}


class _Listener:
    """A loopback TCP server that records whatever reaches it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(b"connected:" + conn.recv(100))
                except OSError:
                    self.received.append(b"connected")

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


class _Knocker:
    """Tries, all along, to reach a port on loopback from outside the sandboxes."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.reached = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._knock, daemon=True)
        self.thread.start()

    def _knock(self) -> None:
        while not self.stop.wait(0.05):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    self.reached += 1
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


@pytest.fixture
def targets(tmp_path: Path) -> Iterator[tuple[Targets, _Listener, _Knocker]]:
    secret = f"TOKEN-{uuid.uuid4().hex}"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(secret)
    secret_file.chmod(0o600)
    # looks like another program's work dir, left writable by anyone
    victim = Path(tempfile.mkdtemp(prefix="gitocto-python-victim-"))
    victim.chmod(0o777)
    victim_file = victim / "program.py"
    victim_file.write_text(f"victim {secret}\n")
    victim_file.chmod(0o666)
    listener, knocker = _Listener(), _Knocker()
    home = os.path.expanduser("~")
    t = Targets(
        str(secret_file),
        secret,
        home,
        str(victim),
        str(victim_file),
        listener.port,
        knocker.port,
        f"1000.{uuid.uuid4().int % 10**6}",
    )
    try:
        yield t, listener, knocker
    finally:
        listener.close()
        knocker.close()
        subprocess.run(["rm", "-rf", str(victim)], check=False)


def _survivors(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if marker in line and "ps -eo" not in line]


def _written(detail: str) -> int:
    match = re.search(r"wrote (\d+)", detail)
    assert match, detail
    return int(match.group(1))


@pytest.mark.parametrize("lang", LANGS)
def test_every_attack_is_contained_and_the_run_goes_on(lang: str, targets: tuple[Targets, _Listener, _Knocker]) -> None:
    t, listener, knocker = targets
    sentinel = subprocess.Popen(["sleep", "300"])  # a process of the harness's user, which kill(-1) must not reach
    try:
        jobs = [(lang, PASSING[lang])]
        for probe in PROBES:
            jobs += [(lang, program(probe, lang, t)), (lang, PASSING[lang])]
        started = time.monotonic()
        results = run_programs(jobs, workers=2, timeout=8)  # room for a loaded machine
        assert time.monotonic() - started < 600
        time.sleep(0.3)  # let the listener see a late connection, were there one
        by_probe: dict[str, ExecResult] = dict(zip(PROBES, results[1::2], strict=True))
        passing = results[0::2]

        for probe, result in by_probe.items():
            assert result.status in ("failed", "timeout"), (probe, result)
            assert t.secret not in result.detail, (probe, result.detail)
        assert [r.status for r in passing] == ["passed"] * len(passing), passing  # the run went on, unharmed

        assert listener.received == []
        assert knocker.reached == 0
        assert _written(by_probe["fill_disk"].detail) <= WORKDIR_SIZE + SHM_SIZE
        assert sentinel.poll() is None, "kill(-1) reached the harness user's processes"
        assert _survivors(t.marker) == []
        assert Path(t.victim_file).read_text() == f"victim {t.secret}\n"
        assert sorted(os.listdir(t.victim_dir)) == ["program.py"]
    finally:
        sentinel.kill()
        sentinel.wait()


def test_the_repository_home_and_other_sandboxes_are_not_visible(tmp_path: Path) -> None:
    from gitocto.execution import run_program

    repo = Path(__file__).resolve().parents[2]
    paths = [str(repo), os.path.expanduser("~"), "/root", "/etc/shadow", "/etc/passwd", tempfile.gettempdir()]
    src = (
        f"import os\nfor p in {paths!r}:\n    print(p, os.path.exists(p) and (os.path.isfile(p) or os.listdir(p)))\n"
        "raise SystemExit(1)\n"
    )
    result = run_program("python", src, timeout=5)
    lines = dict(line.rsplit(" ", 1) for line in result.detail.splitlines())
    assert lines[str(repo)] == "False"
    assert lines[os.path.expanduser("~")] == "False"
    assert lines["/etc/shadow"] == "False"
    assert lines["/etc/passwd"] == "False"
    # /root holds only the toolchains gitocto needs (when they live there); the temp dir only this program's dir
    assert lines[tempfile.gettempdir()].count("gitocto-python-") == 1


def test_the_program_has_no_capabilities_and_namespaces_of_its_own() -> None:
    from gitocto.execution import run_program

    src = """
import os
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print("caps", status["CapEff"].strip(), status["CapPrm"].strip(), status["CapInh"].strip(), status["CapAmb"].strip())
print("pid", os.getpid())
print("processes", len([p for p in os.listdir("/proc") if p.isdigit()]))
print("interfaces", open("/proc/net/dev").read().count(":"))
print("ns", " ".join(os.readlink(f"/proc/self/ns/{ns}") for ns in ("user", "pid", "net", "ipc", "mnt", "uts")))
raise SystemExit(1)
"""
    detail = run_program("python", src, timeout=5).detail
    fields = dict(line.split(" ", 1) for line in detail.splitlines())
    assert fields["caps"] == " ".join(["0000000000000000"] * 4)
    assert int(fields["pid"]) < 10  # a PID namespace of its own
    assert int(fields["processes"]) < 6  # in which it sees only its own few processes
    assert fields["interfaces"] == "1"  # loopback only
    theirs = fields["ns"].split()  # detail keeps the last 8 lines of output, enough for these 5
    for ns, their in zip(("user", "pid", "net", "ipc", "mnt", "uts"), theirs, strict=True):
        assert their != os.readlink(f"/proc/self/ns/{ns}"), ns


def test_a_compiler_cannot_be_made_to_print_a_secret(tmp_path: Path) -> None:
    from gitocto.execution import run_program

    secret = f"TOKEN-{uuid.uuid4().hex}"
    secret_file = tmp_path / "secret.h"
    secret_file.write_text(f"{secret} is not C++\n")
    secret_file.chmod(0o600)
    for path in ("/etc/shadow", str(secret_file), os.path.expanduser("~/.bashrc")):
        result = run_program("cpp", f'#include "{path}"\nint main() {{ return 0; }}\n', timeout=5)
        assert result.status == "compile_error", result
        assert "No such file or directory" in result.detail and secret not in result.detail, result.detail
