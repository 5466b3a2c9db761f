"""Helpers for the training tests: records shaped like `git octo extract` output, metrics readers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def commit_record(i: int, subject: str = "Fix bugs in add") -> dict[str, Any]:
    """One record shaped like `git octo extract` output."""
    return {
        "commit": f"{i:040x}",
        "old_file": "add.py",
        "new_file": "add.py",
        "old_contents": f"def add(a, b):\n    return a - b + {i % 7}\n",
        "new_contents": f"def add(a, b):\n    return a + b + {i % 7}\n",
        "subject": subject,
        "message": f"{subject}\n\nBody {i}.\n",
        "lang": "Python",
    }


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    """Write rows as JSON lines."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def metrics(output: Path) -> list[dict[str, Any]]:
    """The per-step metrics a run wrote."""
    lines = (output / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]
