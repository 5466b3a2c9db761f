"""Writing records: JSONL, JSONL.gz and Parquet files and shard directories, atomically, with resumable state.

Records are written in parts (one per chunk of commits). A part is written under a temporary name and renamed into
place; its state file (which commits it covers, the dedup keys of its records, its counts) is renamed in after it,
so a part without a state file is an interrupted one and is removed on resume. State lives in a hidden
`.octo-state/` directory, which `datasets.load_dataset` ignores. For a single-file output the parts live in a
hidden directory beside it and are joined into the file (again via a temporary name) when the run completes.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from gitocto.errors import OctoError

FORMATS = ("parquet", "jsonl", "jsonl.gz")
STATE_DIR = ".octo-state"
_INT_COLUMNS = ("lines_added", "lines_removed", "files_changed", "same_path_files")
# Dictionary encoding pays off only for columns with few distinct values; on file contents it costs time for nothing.
# Suffixes of file formats gitocto does not write: a name ending in one is a mistake, not a shard directory.
_FOREIGN_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".zst", ".bz2", ".xz", ".zip", ".tar", ".arrow", ".feather",
                     ".orc", ".avro", ".pq", ".pkl", ".npy", ".xlsx", ".yaml", ".yml")
_DICT_COLUMNS = ["lang", "license", "repos", "change_type", "old_encoding", "new_encoding", "message_encoding",
                 "lang_source", "license_spdx"]


def format_of(path: str) -> str | None:
    """The format a file name asks for ("parquet", "jsonl", "jsonl.gz"), or None for a directory name."""
    name = path.lower()
    if name.endswith(".jsonl.gz") or name.endswith(".json.gz"):
        return "jsonl.gz"
    if name.endswith(".jsonl") or name.endswith(".json"):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    return None


def schema(columns: Sequence[str]) -> pa.Schema:
    """The Parquet schema of records: counts as int64, everything else as (nullable) strings."""
    return pa.schema([(c, pa.int64() if c in _INT_COLUMNS else pa.string()) for c in columns])


def to_json_line(record: dict[str, Any]) -> str:
    """One record as a JSONL line."""
    return json.dumps(record, ensure_ascii=False) + "\n"


def write_records(records: Sequence[dict[str, Any]], path: Path, fmt: str, columns: Sequence[str],
                  compression: str = "zstd") -> None:
    """Write `records` to `path` in `fmt` atomically: a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if fmt == "parquet":
            table = pa.Table.from_pydict({c: [r.get(c) for r in records] for c in columns}, schema=schema(columns))
            pq.write_table(table, tmp, compression=compression, use_dictionary=_DICT_COLUMNS)
        else:
            opener: Any = gzip.open if fmt == "jsonl.gz" else open
            with opener(tmp, "wt", encoding="utf-8") as fh:
                fh.writelines(to_json_line(r) for r in records)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class ParquetStream:
    """A Parquet file written batch by batch under a temporary name and renamed into place by `finish()`, so a
    large repository never has to fit in memory and an interrupted one leaves nothing that looks complete."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.columns = list(columns)
        self.schema = schema(columns)
        self.tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        self.rows = 0
        self._writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd", use_dictionary=_DICT_COLUMNS)

    def write(self, records: Sequence[dict[str, Any]]) -> None:
        """Append `records` as one row group (nothing for an empty batch)."""
        if records:
            table = pa.Table.from_pydict({c: [r.get(c) for r in records] for c in self.columns}, schema=self.schema)
            self._writer.write_table(table)
            self.rows += len(records)

    def finish(self) -> None:
        """Close the file and rename it into place."""
        self._writer.close()
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        """Close and remove the temporary file (after a failure)."""
        try:
            self._writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class PartState:
    """What the finished parts already cover: commits per repository, dedup keys, counts and problems."""

    done: set[tuple[str, str]] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    next_index: int = 0


class PartWriter:
    """Parts in `directory` (shards of the output itself, or the hidden parts of a single-file output)."""

    def __init__(self, directory: Path, fmt: str, columns: Sequence[str], compression: str = "zstd") -> None:
        self.directory = directory
        self.fmt = fmt
        self.compression = compression
        self.columns = list(columns)
        self.state_dir = directory / STATE_DIR

    def load(self) -> PartState:
        """Read what earlier runs finished; remove parts whose state file never got written."""
        state = PartState()
        if not self.directory.exists():
            return state
        for part in sorted(self.directory.glob(f"part-*.{self.fmt}")):
            if not (self.state_dir / f"{part.name}.json").exists():
                part.unlink()
        for path in sorted(self.state_dir.glob("part-*.json")) if self.state_dir.exists() else []:
            part = self.directory / path.name.removesuffix(".json")
            if not part.exists():
                path.unlink()
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            state.done.update((data["repo"], c) for c in data["commits"])
            state.keys.update(data["keys"])
            state.counts.update(data["counts"])
            state.problems.extend(data["problems"])
            state.next_index = max(state.next_index, int(part.name.split("-")[1].split(".")[0]) + 1)
        return state

    def write(self, index: int, records: Sequence[dict[str, Any]], repo: str, commits: Iterable[str],
              keys: Iterable[str], counts: Counter[str], problems: Sequence[str]) -> Path:
        """Write part `index` and then its state file; the part counts as done only once both exist."""
        part = self.directory / f"part-{index:05d}.{self.fmt}"
        write_records(records, part, self.fmt, self.columns, self.compression)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        _write_json_atomic(self.state_dir / f"{part.name}.json", {
            "repo": repo, "commits": list(commits), "keys": list(keys), "counts": dict(counts),
            "problems": list(problems),
        })
        return part

    def parts(self) -> list[Path]:
        """The finished parts, in order."""
        return sorted(p for p in self.directory.glob(f"part-*.{self.fmt}")
                      if (self.state_dir / f"{p.name}.json").exists())


def parts_dir_for(output: Path) -> Path:
    """The hidden directory that holds a single-file output's parts until the run completes."""
    return output.parent / f".{output.name}.octo-parts"


def join_parts(parts: Sequence[Path], output: Path, fmt: str, columns: Sequence[str]) -> None:
    """Join finished parts into `output` atomically (gzip members concatenate into one valid gzip file)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    try:
        if fmt == "parquet":
            with pq.ParquetWriter(tmp, schema(columns), compression="zstd", use_dictionary=_DICT_COLUMNS) as writer:
                for part in parts:
                    writer.write_table(pq.read_table(part, schema=schema(columns)))
        else:
            with open(tmp, "wb") as out:
                for part in parts:
                    with open(part, "rb") as fh:
                        shutil.copyfileobj(fh, out)
                if not parts and fmt == "jsonl.gz":
                    out.write(gzip.compress(b""))
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def check_output(output: str) -> None:
    """Refuse outputs that cannot be written before any work is done."""
    if output == "-":
        return
    path = Path(output)
    fmt = format_of(output)
    if fmt is None and not path.is_dir() and path.suffix.lower() in _FOREIGN_SUFFIXES:
        raise OctoError(f"{output}: unknown output format {path.suffix!r} "
                        "(name a .jsonl, .jsonl.gz or .parquet file, a directory, or -)")
    if fmt is None and path.exists() and not path.is_dir():
        raise OctoError(f"{output}: exists and is not a directory (name a .jsonl, .jsonl.gz or .parquet file)")
    if fmt is not None and path.is_dir():
        raise OctoError(f"{output}: is a directory")


def stdout_writer(stream: IO[str]) -> Any:
    """A function that writes records as JSONL lines to `stream`."""
    def write(records: Iterable[dict[str, Any]]) -> None:
        stream.writelines(to_json_line(r) for r in records)
        stream.flush()

    return write
