"""HumanEvalPack problems: from `<data-dir>/<lang>.jsonl`, or from the hub's bigcode/humanevalpack by name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitocto.errors import OctoError

LANGUAGES = ("python", "js", "java", "go", "cpp", "rust")
LANGUAGE_NAMES = {"python": "Python", "js": "JavaScript", "java": "Java", "go": "Go", "cpp": "C++", "rust": "Rust"}
HUB_DATASET = "bigcode/humanevalpack"


@dataclass(frozen=True)
class Problem:
    """One HumanEvalPack problem in one language (the dataset's fields; Go adds import and test_setup)."""

    lang: str
    task_id: str
    prompt: str
    declaration: str
    canonical_solution: str
    buggy_solution: str
    test: str
    docstring: str
    instruction: str
    entry_point: str
    import_: str = ""
    test_setup: str = ""


def _problem(lang: str, row: dict[str, Any]) -> Problem:
    try:
        return Problem(
            lang=lang, task_id=row["task_id"], prompt=row["prompt"], declaration=row["declaration"],
            canonical_solution=row["canonical_solution"], buggy_solution=row["buggy_solution"], test=row["test"],
            docstring=row["docstring"], instruction=row["instruction"], entry_point=row["entry_point"],
            import_=row.get("import") or "", test_setup=row.get("test_setup") or "",
        )
    except KeyError as exc:
        raise OctoError(f"HumanEvalPack {lang} row {row.get('task_id', '?')} lacks the field {exc}") from None


def parse_langs(spec: str) -> list[str]:
    """`all` or a comma list of languages, validated."""
    if spec.strip() == "all":
        return list(LANGUAGES)
    langs = [s.strip() for s in spec.split(",") if s.strip()]
    bad = [s for s in langs if s not in LANGUAGES]
    if bad or not langs:
        raise OctoError(f"unknown language {', '.join(bad) or spec!r}; choose from {', '.join(LANGUAGES)} or all")
    return langs


def load_problems(lang: str, data_dir: Path | None = None, limit: int | None = None) -> list[Problem]:
    """The problems of one language, in dataset order, the first `limit` of them when given."""
    rows = _read_dir(lang, data_dir) if data_dir is not None else _read_hub(lang)
    problems = [_problem(lang, row) for row in rows]
    return problems[:limit] if limit is not None else problems


def _read_dir(lang: str, data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / f"{lang}.jsonl"
    if not path.is_file():
        raise OctoError(f"no HumanEvalPack file {path} (expected <data-dir>/<lang>.jsonl)")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    raise OctoError(f"{path}:{n}: not valid JSON") from None
    return rows


def _read_hub(lang: str) -> list[dict[str, Any]]:
    try:
        import datasets
    except ImportError:
        raise OctoError("loading HumanEvalPack from the hub needs `datasets` (pip install 'gitocto[bench]'), "
                        "or pass --data-dir") from None
    try:
        ds = datasets.load_dataset(HUB_DATASET, lang, split="test")
    except Exception as exc:
        raise OctoError(f"cannot load {HUB_DATASET} ({lang}) from the hub: {type(exc).__name__}; "
                        "pass --data-dir with <lang>.jsonl files to run offline") from None
    return [dict(row) for row in ds]
