"""HumanEvalPack problems: from `<data-dir>/<lang>.jsonl`, or from the hub's bigcode/humanevalpack by name."""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from gitocto.bench.records import ProblemRow
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


def _problem(lang: str, row: ProblemRow) -> Problem:
    try:
        return Problem(
            lang=lang,
            task_id=row["task_id"],
            prompt=row["prompt"],
            declaration=row["declaration"],
            canonical_solution=row["canonical_solution"],
            buggy_solution=row["buggy_solution"],
            test=row["test"],
            docstring=row["docstring"],
            instruction=row["instruction"],
            entry_point=row["entry_point"],
            import_=row.get("import") or "",
            test_setup=row.get("test_setup") or "",
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


def _read_dir(lang: str, data_dir: Path) -> list[ProblemRow]:
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


HUB_HOST = ("huggingface.co", 443)
OFFLINE_HINT = "pass --data-dir DIR with HumanEvalPack's <lang>.jsonl files to run offline"


def hub_reachable(timeout: float = 1.5) -> bool:
    """Whether a TCP connection to the hub opens within `timeout` seconds (name lookup included)."""
    done: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection(HUB_HOST, timeout=timeout):
                done.append(True)
        except OSError:
            done.append(False)

    # getaddrinfo cannot be given a timeout: the probe runs in a thread that is left behind if it hangs.
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(done and done[0])


def _in_local_cache() -> bool:
    """Whether `datasets` or the hub client may hold HumanEvalPack locally (their default cache folders)."""
    hf_home = Path(os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface")
    roots = [
        Path(os.environ.get("HF_DATASETS_CACHE") or hf_home / "datasets"),
        Path(os.environ.get("HF_HUB_CACHE") or hf_home / "hub"),
    ]
    name = HUB_DATASET.split("/")[-1]
    return any(root.is_dir() and any(name in child.name for child in root.iterdir()) for root in roots)


def _read_hub(lang: str) -> list[ProblemRow]:
    # Without the hub, `datasets` retries for half a minute and logs each try before failing; decide up front
    # and read only its local cache then.
    offline = (
        os.environ.get("HF_DATASETS_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1" or not hub_reachable()
    )
    if offline:
        if not _in_local_cache():
            raise OctoError(
                f"cannot load {HUB_DATASET} ({lang}): the hub is unreachable and it is not in the "
                f"local cache; {OFFLINE_HINT}"
            )
        os.environ["HF_DATASETS_OFFLINE"] = "1"
        os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import datasets
    except ImportError:
        raise OctoError(
            "loading HumanEvalPack from the hub needs `datasets` (pip install 'gitocto[bench]'), or pass --data-dir"
        ) from None
    datasets.logging.set_verbosity_error()
    try:
        ds = datasets.load_dataset(HUB_DATASET, lang, split="test")
    except Exception as exc:
        where = "the hub is unreachable and it is not in the local cache" if offline else type(exc).__name__
        raise OctoError(f"cannot load {HUB_DATASET} ({lang}): {where}; {OFFLINE_HINT}") from None
    return [cast(ProblemRow, dict(row)) for row in ds]
