"""Corpus files: JSONL, JSONL.gz and Parquet record files (or directories of shards) read and written atomically."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from gitocto.errors import OctoError

SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz")


def record_format(path: Path) -> str | None:
    """'parquet', 'jsonl' or 'jsonl.gz' from the file name, or None when it is none of them."""
    name = path.name.lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return suffix[1:]
    return None


def _is_shard(path: Path, root: Path) -> bool:
    # Hidden names are temporaries of writes in progress and the extract's state and unjoined parts: never data.
    hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
    return not hidden and path.is_file() and record_format(path) is not None


def corpus_files(inputs: Sequence[str | Path]) -> list[Path]:
    """The record files named by `inputs` (files, or directories searched recursively in name order)."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if _is_shard(p, path))
            if not found:
                raise OctoError(f"{path}: no .jsonl, .jsonl.gz or .parquet files in this directory")
            files += found
        elif path.is_file():
            if record_format(path) is None:
                raise OctoError(f"{path}: not a record file (expected .jsonl, .jsonl.gz or .parquet)")
            files.append(path)
        else:
            raise OctoError(f"{path}: no such file or directory")
    if not files:
        raise OctoError("no input files given")
    return files


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of one file, in file order."""
    fmt = record_format(path)
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
            return rows
        opener: Any = gzip.open if fmt == "jsonl.gz" else open
        rows = []
        with opener(path, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise OctoError(f"{path}:{lineno}: not a JSON record ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise OctoError(f"{path}:{lineno}: not a JSON object")
                rows.append(row)
        return rows
    except OctoError:
        raise
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise OctoError(f"{path}: cannot read ({exc})") from None
    except Exception as exc:  # pyarrow's own errors for a corrupt or truncated file
        raise OctoError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from None


def iter_records(files: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """Every record of every file, file by file."""
    for path in files:
        yield from read_records(path)


def _json_line(row: dict[str, Any]) -> str:
    try:
        line = json.dumps(row, ensure_ascii=False)
        line.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (undecodable bytes kept in str) cannot be UTF-8: escape them so the line stays valid JSON.
        line = json.dumps(row, ensure_ascii=True)
    return line


def write_records(rows: Sequence[dict[str, Any]], out: Path) -> None:
    """Write `rows` to `out` (format from its suffix) through a temporary file renamed into place."""
    fmt = record_format(out)
    if fmt is None:
        raise OctoError(f"{out}: output must end in .jsonl, .jsonl.gz or .parquet")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    try:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(list(rows)), tmp)
        else:
            opener: Any = gzip.open if fmt == "jsonl.gz" else open
            fh: IO[str]
            with opener(tmp, "wt", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(_json_line(row) + "\n")
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
