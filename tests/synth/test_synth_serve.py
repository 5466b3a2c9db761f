"""The pipeline against the real `git octo serve` with the tiny model: requests go out, garbage is counted, resume."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitocto.synth.state import state_path


@pytest.mark.slow
def test_oss_instruct_against_git_octo_serve(
    tiny_model_dir: Path, source_repo: Path, tmp_path: Path, humanevalpack_dir: Path
) -> None:
    from tests.support.octo_server import running_server

    out = tmp_path / "served.jsonl"
    with running_server(tiny_model_dir) as url:
        cmd = [
            "git",
            "octo",
            "synth",
            "oss-instruct",
            "--source",
            str(source_repo),
            "-n",
            "3",
            "-o",
            str(out),
            "--endpoint",
            url,
            "--max-new-tokens",
            "2",
            "--concurrency",
            "3",
            "--data-dir",
            str(humanevalpack_dir),
            "--benchmark",
            "humanevalpack",
        ]
        first = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert first.returncode == 0, first.stderr
        # Two tokens end every reply at the limit: the server's finish_reason "length" reaches the parser, so each
        # is dropped as cut off (not as malformed), and said so, with its tokens counted.
        assert "seeds done: 3; samples written: 0" in first.stderr
        assert "dropped      3: reply cut off by the length limit" in first.stderr
        assert "teacher: 3 requests this run" in first.stderr and " 0 completion tokens" not in first.stderr
        entries = [json.loads(line) for line in state_path(out).read_text().splitlines()[1:]]
        assert sorted(e["key"] for e in entries) == ["0", "1", "2"]
        assert all(e["status"] == "dropped" and e["reason"] == "reply cut off by the length limit" for e in entries)
        assert out.read_text() == ""
        again = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert again.returncode == 0, again.stderr
        assert "teacher: 0 requests this run" in again.stderr
        assert len(state_path(out).read_text().splitlines()) == 4
