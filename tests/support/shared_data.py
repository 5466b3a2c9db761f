"""Where the tests find HumanEvalPack: ../shared/data/humanevalpack, or $GITOCTO_HUMANEVALPACK_DIR.

A fresh clone has neither, so the tests that need the data are skipped with a reason; CI sets
GITOCTO_TEST_REQUIRE_DATA=1, which turns the skip into a failure so that a green CI always ran them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

BESIDE_CHECKOUT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "humanevalpack"


def humanevalpack_dir() -> Path:
    """The HumanEvalPack directory (<lang>.jsonl files); skips the test (fails it in CI) when there is none."""
    path = Path(os.environ.get("GITOCTO_HUMANEVALPACK_DIR") or BESIDE_CHECKOUT)
    if not (path / "python.jsonl").is_file():
        message = (
            f"HumanEvalPack data not found at {path} (set GITOCTO_HUMANEVALPACK_DIR to a directory of "
            "<lang>.jsonl files from bigcode/humanevalpack)"
        )
        if os.environ.get("GITOCTO_TEST_REQUIRE_DATA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path
