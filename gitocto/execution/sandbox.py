"""Run one untrusted command: isolated by bubblewrap (see isolation.py), under resource limits and a scrubbed
environment, killed with everything it started after a wall-clock timeout.

Where bubblewrap cannot build a sandbox, the command runs under the older containment (jail.py: rlimits, Landlock
write rules, a uid of its own when root) after a one-line warning, unless the policy is "strict", which refuses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitocto import console
from gitocto.errors import OctoError
from gitocto.execution import POLICIES, isolation

_JAIL = str(Path(__file__).with_name("jail.py"))
_GIB = 1 << 30
_OUTPUT_LIMIT = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Per-command limits: CPU seconds, writable data memory (RLIMIT_DATA), file size, extra processes.

    `drop_root` marks a run of untrusted code: its own `uid` when the harness is root and, under bubblewrap, a private
    tmpfs copy of the work dir; without it (compilers) the command writes the work dir and `writable` itself."""

    cpu: float = 10.0
    data: int = 2 * _GIB
    fsize: int = 64 << 20
    nproc: int = 64
    drop_root: bool = True
    uid: int = 65534  # who runs the program when drop_root applies (see sandbox_uid)
    writable: tuple[str, ...] = field(default_factory=tuple)
    read_only: tuple[str, ...] = field(default_factory=tuple)  # more directories the command may read (bwrap)


# Sandboxed programs run under uids of their own, from this base: RLIMIT_NPROC counts all tasks of a uid, so a
# shared one (nobody) would let a fork bomb in one sandbox starve every program running next to it of threads.
_UID_BASE = 0x70000000
_UID_SPAN = 1 << 24


def sandbox_uid(workdir: Path) -> int:
    """A uid for the program run in `workdir`, distinct from that of any other existing sandbox directory."""
    return _UID_BASE + os.stat(workdir).st_ino % _UID_SPAN


@dataclass(frozen=True)
class Completed:
    """What a sandboxed command did: exit code (negative: killed by that signal), output tails, time."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    elapsed: float


_policy = "auto"
_warned = threading.Event()


def set_policy(policy: str, check: bool = True) -> None:
    """ "auto": isolate with bubblewrap where it works, else warn once and fall back; "strict": refuse instead.
    `check`: find out now, so that a command refuses (or warns) before it starts any work."""
    global _policy
    if policy not in POLICIES:
        raise OctoError(f"unknown sandbox policy {policy!r}; choose one of {', '.join(POLICIES)}")
    _policy = policy
    if check:
        _isolation()


def _isolation() -> isolation.Tools | None:
    """The bubblewrap tools, or None after warning (auto) that programs are not fully contained; strict raises."""
    found = isolation.probe()
    if isinstance(found, isolation.Tools):
        return found
    if _policy == "strict":
        raise OctoError(f"--sandbox strict: cannot isolate programs: {found}")
    if not _warned.is_set():
        _warned.set()
        console.warn(
            f"{found}; programs run under rlimits and Landlock only: their reads of files, "
            "network use and signals to your processes are not contained (--sandbox strict refuses instead)"
        )
    return None


def scrubbed_env(home: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: a fixed PATH, HOME and TMPDIR inside the program's own directory, plus `extra`."""
    path = os.pathsep.join(
        p
        for p in [
            os.path.dirname(sys.executable),
            *os.environ.get("PATH", "").split(os.pathsep),
            "/usr/local/bin",
            "/usr/bin",
            "/bin",
        ]
        if p
    )
    env = {
        "PATH": path,
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        # numpy's BLAS would start a thread per core at import: on a many-core machine more than the sandbox's
        # process allowance, and the program would fail before it ran.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _pids_of(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except OSError:
                pass  # gone meanwhile
    return pids


def _kill_uid(uid: int) -> None:
    """Kill every process still running as `uid`, this sandbox's own: a daemon that left the process group with
    setsid (and closed its pipes) is not reached by the group kill. Only root can, and only where the program ran
    under that uid; repeated so that a fork bomb's last forks go too."""
    if os.geteuid() != 0 or uid == 0:
        return
    for _ in range(100):
        pids = _pids_of(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _jail_command(argv: Sequence[str], cwd: Path, limits: Limits) -> list[str]:
    spec = {
        "cpu": max(1, int(limits.cpu + 0.999)),
        "data": limits.data,
        "fsize": limits.fsize,
        "nproc": limits.nproc,
        "drop_root": limits.drop_root,
        "uid": limits.uid,
        "writable": [str(cwd), "/dev/null", *limits.writable],
    }
    return [sys.executable, "-I", "-S", _JAIL, json.dumps(spec), "--", *argv]


def _isolated_command(
    tools: isolation.Tools, argv: Sequence[str], cwd: Path, limits: Limits, env: Mapping[str, str], fds: list[int]
) -> list[str]:
    cpu = max(1, int(limits.cpu + 0.999))
    rlimits = {
        "core": "0",
        "cpu": f"{cpu}:{cpu + 1}",
        "data": str(limits.data),
        "fsize": str(limits.fsize),
        # counted inside the sandbox's own user namespace: its tasks only, plus bwrap's reaper
        "nproc": str(limits.nproc + 2),
    }
    step = isolation.Step(
        argv,
        cwd,
        rlimits,
        untrusted=limits.drop_root,
        uid=limits.uid,
        writable=limits.writable,
        read_only=limits.read_only,
    )
    return isolation.command(step, tools, env, fds)


def run_sandboxed(
    argv: Sequence[str],
    cwd: Path,
    limits: Limits,
    timeout: float,
    env: Mapping[str, str],
) -> Completed:
    """Run `argv` in `cwd` under `limits`; kill it and all it started after `timeout` wall-clock seconds.

    With bubblewrap, a run step (`limits.drop_root`) gets a private copy of `cwd` on a tmpfs (what it writes there is
    lost), a compile step `cwd` itself."""
    tools = _isolation()
    fds: list[int] = []
    try:
        if tools is None:
            cmd = _jail_command(argv, cwd, limits)
        else:
            cmd = _isolated_command(tools, argv, cwd, limits, env, fds)
        start = time.monotonic()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=fds,
        )
    finally:
        for fd in fds:
            os.close(fd)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        try:
            out, err = proc.communicate(timeout=2)
        except subprocess.TimeoutExpired:
            # A descendant left the group (setsid) and still holds the pipes: stop listening to it.
            proc.kill()
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
            proc.wait()
            out, err = b"", b""
    finally:
        # Children that outlived the main process (daemons, a fork bomb's tail) go with the group, and those that
        # left it with their uid. Under bubblewrap they died with its PID namespace already.
        _kill_group(proc)
        if limits.drop_root and tools is None:
            _kill_uid(limits.uid)
    returncode = proc.returncode
    if tools is not None and 128 < returncode <= 128 + 64:
        returncode = 128 - returncode  # bwrap reports a child killed by signal N as 128 + N, as shells do
    return Completed(
        returncode=returncode,
        stdout=out[-_OUTPUT_LIMIT:].decode("utf-8", "replace"),
        stderr=err[-_OUTPUT_LIMIT:].decode("utf-8", "replace"),
        timed_out=timed_out,
        elapsed=time.monotonic() - start,
    )
