"""`python -m gitocto.msg.refresh`: bring the NNGen index up to date (the hook starts it in the background)."""

from __future__ import annotations

import os
import subprocess
import sys

from gitocto import console
from gitocto.errors import OctoError


def refresh(cwd: str) -> int:
    """Build or update the index of the repository at `cwd`; 0 on success."""
    from gitocto.msg.index import open_index

    try:
        open_index(cwd).close()
    except OctoError as exc:
        console.error(str(exc))
        return 1
    return 0


def start_in_background(cwd: str) -> None:
    """Start a detached refresh that outlives the hook (its output goes nowhere)."""
    subprocess.Popen(
        [sys.executable, "-m", "gitocto.msg.refresh"],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


if __name__ == "__main__":
    raise SystemExit(refresh(os.getcwd()))
