"""One repository (a local path or a clone URL) into one Parquet shard: the unit of work of the multi-repo engines.

`extract_repo_to_shard` never raises for a bad source: it returns a `RepoResult` with status "failed". The shard is
renamed into place when complete and a state file is written after it, so a rerun skips exactly the repositories
that finished (and removes what a dead worker left of the others under temporary names). It is a top-level,
deterministic function so local processes and Ray workers can both run it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gitocto.extract.options import ExtractOptions
from gitocto.extract.output import STATE_DIR, ParquetStream
from gitocto.extract.pipeline import process
from gitocto.extract.walk import COLUMNS, prepare
from gitocto.records import atomic_write, write_json

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://|^[\w.-]+@[\w.-]+:")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class RepoResult:
    """How one repository went: "ok", "skipped" (shard already complete) or "failed" (with the error)."""

    source: str
    key: str
    status: str
    records: int
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


def is_url(source: str) -> bool:
    """True for a clone URL (scheme:// or scp-like user@host:path), False for a local path."""
    return bool(_URL.match(source))


def repo_key(source: str) -> str:
    """A stable, filesystem-safe name for `source`: its last two path parts and a short hash of the whole."""
    trimmed = source.rstrip("/").removesuffix(".git")
    parts = [p for p in re.split(r"[/:]", trimmed) if p][-2:]
    readable = _UNSAFE.sub("-", "_".join(parts)).strip("-.") or "repo"
    digest = hashlib.sha1(source.encode("utf-8")).hexdigest()[:10]
    return f"{readable[:80]}-{digest}"


def _clone(source: str, cache_dir: Path, key: str) -> Path:
    """A bare mirror of `source` in the cache (fetched again when already there); raises RuntimeError on failure."""
    target = cache_dir / f"{key}.git"
    if target.exists():
        # Offline or gone upstream: the cached mirror is still a faithful copy of what was there.
        subprocess.run(["git", f"--git-dir={target}", "remote", "update", "--prune"], capture_output=True, check=False)
        return target
    with atomic_write(target) as tmp:
        proc = subprocess.run(
            ["git", "clone", "--mirror", "--quiet", source, str(tmp)],
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
        if proc.returncode != 0:
            lines = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
            raise RuntimeError(f"clone failed: {lines[-1] if lines else f'exit {proc.returncode}'}")
    return target


def _remove_stale_temporaries(out_dir: Path, key: str) -> None:
    """Remove what a dead worker left of this repository's shard and marker: one repository is one task at a time,
    so no live process is writing them."""
    for stale in (*out_dir.glob(f".{key}.parquet.tmp-*"), *(out_dir / STATE_DIR).glob(f".{key}.json.tmp-*")):
        stale.unlink(missing_ok=True)


def extract_repo_to_shard(source: str, out_dir: Path, options: ExtractOptions, cache_dir: Path) -> RepoResult:
    """Extract `source` into `out_dir/<repo_key>.parquet` unless that shard is complete; never raises."""
    key = repo_key(source)
    shard = out_dir / f"{key}.parquet"
    marker = out_dir / STATE_DIR / f"{key}.json"
    if shard.exists() and marker.exists():
        try:
            done = json.loads(marker.read_text(encoding="utf-8"))
            return RepoResult(source, key, "skipped", int(done["records"]), None, dict(done["counts"]))
        except (OSError, ValueError, KeyError):
            pass  # an unreadable marker: do the repository again
    _remove_stale_temporaries(out_dir, key)
    try:
        path = _clone(source, cache_dir, key) if is_url(source) else Path(source)
        ctx, commits = prepare(path, options)
        counts: Counter[str] = Counter()
        problems: list[str] = []
        stream = ParquetStream(shard, COLUMNS)
        try:
            for batch in process(ctx, commits, dataclasses.replace(options, workers=1), set()):
                stream.write(batch.records)
                counts.update(batch.counts)
                problems += batch.problems
        except BaseException:
            stream.discard()
            raise
        stream.finish()
        write_json(marker, {"source": source, "records": stream.rows, "counts": dict(counts), "problems": problems})
        return RepoResult(source, key, "ok", stream.rows, None, dict(counts))
    except Exception as exc:  # a batch over many repositories reports a broken one and goes on
        message = str(exc).strip().splitlines()
        return RepoResult(source, key, "failed", 0, f"{type(exc).__name__}: {message[0] if message else ''}", {})
