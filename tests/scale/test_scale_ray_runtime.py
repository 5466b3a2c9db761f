"""The embedded local Ray starts again in one process after HOME changed (Ray's default token lives in HOME)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]

TWO_SESSIONS = """
import os, sys
from gitocto.scale.runtime import ray_session
import ray
for home in sys.argv[1:]:
    os.environ["HOME"] = home
    with ray_session(None, 1):
        assert ray.get(ray.put(home)) == home
print("ok", os.environ["RAY_AUTH_MODE"])
"""


def test_local_ray_starts_twice_under_two_homes_with_token_auth(tmp_path: Path) -> None:
    homes = [tmp_path / "home-a", tmp_path / "home-b"]
    for home in homes:
        home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "RAY_USAGE_STATS_ENABLED": "0", "RAY_gcs_server_port_wait_time_s": "60"}
    done = subprocess.run(
        [sys.executable, "-c", TWO_SESSIONS, *map(str, homes)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok token"  # authentication stays on
    assert not any((home / ".ray").exists() for home in homes)  # and nothing was written into HOME
