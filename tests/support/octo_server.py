"""Run the real `git octo serve` in a subprocess for tests: `with running_server(model_dir) as base_url: ...`."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

# Loading even the tiny model imports torch and transformers: allow for a slow, shared machine.
STARTUP_TIMEOUT_S = 180.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(model_dir: Path, port: int | None = None, extra_args: Sequence[str] = ()) -> Iterator[str]:
    """Start `git octo serve --model model_dir [extra_args]` on a free port, wait for /v1/models, yield the base URL
    ending in /v1.

    The server (and anything it started) is terminated on exit; a server that dies or never answers fails the
    test with its log.
    """
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    cmd = ["git", "octo", "serve", "--model", str(model_dir), "--host", "127.0.0.1", "--port", str(port), *extra_args]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        # A session of its own, so the whole group (git and git-octo) can be ended together.
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        try:
            _wait_until_ready(proc, base_url, log)
            yield base_url
        finally:
            _stop(proc)


def _read_log(log: object) -> str:
    log.seek(0)  # type: ignore[attr-defined]
    return str(log.read())  # type: ignore[attr-defined]


def _wait_until_ready(proc: subprocess.Popen[bytes], base_url: str, log: object) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"git octo serve exited with {proc.returncode}:\n{_read_log(log)}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"git octo serve did not answer within {STARTUP_TIMEOUT_S:.0f}s:\n{_read_log(log)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
    # git may exit before its git-octo child does: end whatever is left in the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
