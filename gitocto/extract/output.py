"""Writing records: JSONL, JSONL.gz and Parquet files and shard directories, atomically, with resumable state.

Records are written in parts (one per chunk of commits). A part is written under a temporary name and renamed into
place; its state file (which commits it covers, the dedup keys of its records, its counts) is renamed in after it,
so a part without a state file is an interrupted one and is removed on resume. State lives in a hidden
`.octo-state/` directory, which `datasets.load_dataset` ignores.

A single-file output is built in a hidden directory beside it and renamed into place when complete, never copied.
A JSONL (or gzip) file grows there in place: each part is appended, and its state file records the file's length
after it, so a resume cuts off whatever an interrupted part left and carries on. A Parquet file is streamed row
group by row group into a segment; a run that fails closes its segment, and a resume joins the finished rows.
"""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from gitocto.errors import OctoError
from gitocto.records import (
    JSONL_GZ,
    NAMES,
    PARQUET,
    PARQUET_COMPRESSION,
    arrow_tables,
    atomic_write,
    format_of,
    gzip_members,
    json_lines,
    parquet_writer,
    write_json,
    write_records,
)

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

# What an earlier gitocto kept the parts of a single Parquet file in (a copy of every record, joined at the end).
ARROW_PARTS = "arrow"
STATE_DIR = ".octo-state"
_INT_COLUMNS = ("lines_added", "lines_removed", "files_changed", "same_path_files")
# Dictionary encoding pays off only for columns with few distinct values; on file contents it costs time for nothing.
# Suffixes of file formats gitocto does not write: a name ending in one is a mistake, not a shard directory.
_FOREIGN_SUFFIXES = (
    ".csv",
    ".tsv",
    ".txt",
    ".gz",
    ".zst",
    ".bz2",
    ".xz",
    ".zip",
    ".tar",
    ".arrow",
    ".feather",
    ".orc",
    ".avro",
    ".pq",
    ".pkl",
    ".npy",
    ".xlsx",
    ".yaml",
    ".yml",
)
_DICT_COLUMNS = [
    "lang",
    "license",
    "repos",
    "change_type",
    "old_encoding",
    "new_encoding",
    "message_encoding",
    "lang_source",
    "license_spdx",
]


def schema(columns: Sequence[str]) -> pa.Schema:
    """The Parquet schema of records: counts as int64, everything else as (nullable) strings."""
    import pyarrow as pa  # imported when used: a JSONL run does without it (0.3 s of start-up)

    return pa.schema([(c, pa.int64() if c in _INT_COLUMNS else pa.string()) for c in columns])


def to_tables(records: Sequence[Mapping[str, object]], columns: Sequence[str]) -> Iterator[pa.Table]:
    """Records as Arrow tables of `schema(columns)`, one Parquet row group each (`records.arrow_tables`)."""
    return arrow_tables(records, schema(columns))


def _parquet_writer(path: Path, columns: Sequence[str], compression: str) -> pq.ParquetWriter:
    return parquet_writer(path, schema(columns), compression, _DICT_COLUMNS)


def write_part(
    records: Sequence[Mapping[str, object]],
    path: Path,
    columns: Sequence[str],
    compression: str = PARQUET_COMPRESSION,
    pool: ThreadPoolExecutor | None = None,
) -> None:
    """Write one part (one shard of a directory output) atomically, in the format its name asks for."""
    write_records(path, records, schema=schema(columns), dictionary=_DICT_COLUMNS, compression=compression, pool=pool)


class ParquetStream:
    """A Parquet file written batch by batch under a temporary name and renamed into place by `finish()`, so a
    large repository never has to fit in memory and an interrupted one leaves nothing that looks complete."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.columns = list(columns)
        self.schema = schema(columns)
        self._target = atomic_write(path)
        self.tmp = self._target.tmp
        self.rows = 0
        self._writer = _parquet_writer(self.tmp, columns, PARQUET_COMPRESSION)

    def write(self, records: Sequence[Mapping[str, object]]) -> None:
        """Append `records` as one row group (nothing for an empty batch)."""
        for table in to_tables(records, self.columns):
            self.write_table(table)

    def write_table(self, table: pa.Table) -> None:
        """Append `table` as one row group (nothing for an empty one)."""
        if table.num_rows:
            self._writer.write_table(table)
            self.rows += table.num_rows

    def finish(self) -> None:
        """Close the file and rename it into place."""
        self._writer.close()
        self._target.commit()

    def discard(self) -> None:
        """Close and remove the temporary file (after a failure)."""
        try:
            self._writer.close()
        finally:
            self._target.discard()


@dataclass
class PartState:
    """What the finished parts already cover: commits per repository, dedup keys, counts and problems."""

    done: set[tuple[str, str]] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    next_index: int = 0


class PartWriter:
    """Parts in `directory`, one file each: the shards of a directory output.

    A part is encoded, compressed and written on a background thread while the next chunk is extracted; at most one
    part is in flight, so memory holds two chunks at most. Use it as a context manager: leaving it waits for the part
    in flight (and raises what writing it raised). The single-file writers below keep their parts otherwise.
    """

    def __init__(
        self, directory: Path, fmt: str, columns: Sequence[str], compression: str = PARQUET_COMPRESSION
    ) -> None:
        self.directory = directory
        self.fmt = fmt
        self.compression = compression
        self.columns = list(columns)
        self.state_dir = directory / STATE_DIR
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="octo-write")
        self._gzip = ThreadPoolExecutor(max_workers=os.cpu_count() or 1) if fmt == JSONL_GZ else None
        self._pending: Future[None] | None = None

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            self.wait()
        finally:
            self._background.shutdown(wait=True)
            if self._gzip is not None:
                self._gzip.shutdown(wait=True)
            self._close(failed=exc_type is not None)

    def load(self) -> PartState:
        """Read what earlier runs finished; drop what an interrupted part left."""
        state = PartState()
        if not self.directory.exists():
            return state
        self._clean()
        for path in sorted(self.state_dir.glob("part-*.json")) if self.state_dir.exists() else []:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not self._intact(path.name.removesuffix(".json"), data):
                path.unlink()
                continue
            state.done.update((data["repo"], c) for c in data["commits"])
            state.keys.update(data["keys"])
            state.counts.update(data["counts"])
            state.problems.extend(data["problems"])
            state.next_index = max(state.next_index, int(path.name.split("-")[1].split(".")[0]) + 1)
        self._loaded()
        return state

    def write(
        self,
        index: int,
        records: Sequence[Mapping[str, object]],
        repo: str,
        commits: Iterable[str],
        keys: Iterable[str],
        counts: Counter[str],
        problems: Sequence[str],
    ) -> None:
        """Start writing part `index` and then its state file (after the part before it is done); the part counts
        as done only once its state file exists. The arguments must not change afterwards."""
        self.wait()
        self._pending = self._background.submit(self._write, index, records, repo, commits, keys, counts, problems)

    def wait(self) -> None:
        """Wait for the part in flight, raising what writing it raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _write(
        self,
        index: int,
        records: Sequence[Mapping[str, object]],
        repo: str,
        commits: Iterable[str],
        keys: Iterable[str],
        counts: Counter[str],
        problems: Sequence[str],
    ) -> None:
        name = f"part-{index:05d}.{self.fmt}"
        where = self._write_records(name, records)
        state = {"repo": repo, "commits": list(commits), "keys": list(keys), "counts": dict(counts)}
        write_json(self.state_dir / f"{name}.json", {**state, "problems": list(problems), **where})

    # What differs between the ways of keeping parts.

    def _write_records(self, name: str, records: Sequence[Mapping[str, object]]) -> dict[str, object]:
        """Write one part's records; what its state file needs to find them again."""
        write_part(records, self.directory / name, self.columns, self.compression, self._gzip)
        return {}

    def _intact(self, name: str, state: Mapping[str, object]) -> bool:
        """Whether the records of part `name` (its state file says `state`) are all there."""
        return (self.directory / name).exists()

    def _clean(self) -> None:
        """Before loading: remove part files that never got a state file."""
        for part in self.directory.glob(f"part-*.{self.fmt}"):
            if not (self.state_dir / f"{part.name}.json").exists():
                part.unlink()

    def _loaded(self) -> None:
        """After loading: drop what the intact parts do not cover."""

    def _close(self, *, failed: bool) -> None:
        """On leaving, after the last part: keep what a failed run wrote for its rerun."""

    def _refuse_old_parts(self, pattern: str) -> None:
        if any(self.directory.glob(pattern)):
            raise OctoError(
                f"{self.directory} holds the parts of a run by an earlier gitocto, which joined them at the end; "
                "finish it with that version, or remove the directory to start over"
            )


class GrowingFile(PartWriter):
    """The parts of a single JSONL (or gzip) file, appended to one file that is renamed into place at the end.

    Each part's state file records the file's length after it; a resume cuts the file back to the end of the last
    finished part (what an interrupted one appended goes) and appends from there. Gzip parts are whole members.
    """

    def __init__(self, directory: Path, fmt: str, columns: Sequence[str]) -> None:
        super().__init__(directory, fmt, columns)
        self.path = directory / f"records.{fmt}"
        self._end = 0

    def _write_records(self, name: str, records: Sequence[Mapping[str, object]]) -> dict[str, object]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab", buffering=1 << 20) as out:
            if records:
                lines = json_lines(records)
                out.writelines(gzip_members(lines, self._gzip) if self.fmt == JSONL_GZ else lines)
            return {"end": out.tell()}

    def _intact(self, name: str, state: Mapping[str, object]) -> bool:
        end = state.get("end")
        if not isinstance(end, int) or not self.path.exists() or end > self.path.stat().st_size:
            return False
        self._end = max(self._end, end)
        return True

    def _clean(self) -> None:
        self._refuse_old_parts(f"part-*.{self.fmt}")
        self._end = 0

    def _loaded(self) -> None:
        if self.path.exists():
            os.truncate(self.path, self._end)

    def finish_into(self, output: Path) -> None:
        """Rename the finished file into place (an empty file, or one empty gzip member, when nothing was written)."""
        self.wait()
        if not self.path.exists() or (self.fmt == JSONL_GZ and not self.path.stat().st_size):
            self.directory.mkdir(parents=True, exist_ok=True)
            self.path.write_bytes(gzip.compress(b"") if self.fmt == JSONL_GZ else b"")
        os.replace(self.path, output)


class ParquetSegments(PartWriter):
    """The parts of a single Parquet file, streamed as row groups into a segment file renamed into place at the end.

    A Parquet file is readable only once closed, so a run that fails (an error, Ctrl-C) closes its segment and keeps
    it: each part's state file names its segment and its rows there, and a resume joins the finished rows of every
    segment into the output. A run killed outright leaves an unclosed segment, which is removed; its parts are then
    extracted again. No copy of the records is kept beside the file being written.
    """

    def __init__(self, directory: Path, columns: Sequence[str]) -> None:
        super().__init__(directory, PARQUET, columns)
        self.stream: ParquetStream | None = None

    def _segments(self) -> list[Path]:
        return sorted(self.directory.glob("segment-*.parquet"))

    def _write_records(self, name: str, records: Sequence[Mapping[str, object]]) -> dict[str, object]:
        if self.stream is None:
            done = self._segments()
            number = int(done[-1].stem.split("-")[1]) + 1 if done else 0
            self.stream = ParquetStream(self.directory / f"segment-{number:05d}.parquet", self.columns)
        start = self.stream.rows
        self.stream.write(records)
        return {"segment": self.stream.path.name, "rows": [start, self.stream.rows]}

    def _intact(self, name: str, state: Mapping[str, object]) -> bool:
        return isinstance(state.get("segment"), str) and (self.directory / str(state["segment"])).exists()

    def _clean(self) -> None:
        self._refuse_old_parts(f"part-*.{ARROW_PARTS}")
        for leftover in self.directory.glob(".segment-*.tmp-*"):  # a segment its run never closed
            leftover.unlink()

    def _close(self, *, failed: bool) -> None:
        stream, self.stream = self.stream, None
        if stream is None:
            return
        if not failed:
            stream.finish()
            return
        try:
            stream.finish()  # closed, so the parts this run finished are kept for the rerun
        except Exception:
            stream.discard()

    def finish_into(self, output: Path) -> None:
        """Put the Parquet file at `output`: this run's segment renamed, or the finished rows of all joined."""
        self.wait()
        current = self.stream
        self._close(failed=False)
        segments = self._segments()
        if current is not None and segments == [current.path]:
            os.replace(current.path, output)
            return
        rows: dict[str, list[tuple[int, int]]] = {}
        for path in sorted(self.state_dir.glob("part-*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            rows.setdefault(data["segment"], []).append((data["rows"][0], data["rows"][1]))
        join_segments([(s, rows.get(s.name, [])) for s in segments], output, self.columns)


def join_segments(
    segments: Sequence[tuple[Path, Sequence[tuple[int, int]]]], output: Path, columns: Sequence[str]
) -> None:
    """Write the given row ranges of each Parquet segment, in order, into `output` atomically, a row group at a time."""
    import pyarrow.parquet as pq

    with atomic_write(output) as tmp, _parquet_writer(tmp, columns, PARQUET_COMPRESSION) as writer:
        for path, ranges in segments:
            source = pq.ParquetFile(path)
            first = 0
            for i in range(source.num_row_groups):
                count = source.metadata.row_group(i).num_rows
                wanted = [(max(a, first) - first, min(b, first + count) - first) for a, b in ranges]
                wanted = [(a, b) for a, b in wanted if a < b]
                if wanted:
                    group = source.read_row_group(i)
                    for a, b in wanted:
                        writer.write_table(group.slice(a, b - a))
                first += count


def parts_dir_for(output: Path) -> Path:
    """The hidden directory that holds a single-file output's parts until the run completes."""
    return output.parent / f".{output.name}.octo-parts"


def single_file_writer(output: Path, fmt: str, columns: Sequence[str]) -> GrowingFile | ParquetSegments:
    """The writer of a single `fmt` file at `output`, keeping its parts in the hidden directory beside it."""
    if fmt == PARQUET:
        return ParquetSegments(parts_dir_for(output), columns)
    return GrowingFile(parts_dir_for(output), fmt, columns)


def check_output(output: str) -> None:
    """Refuse outputs that cannot be written before any work is done."""
    if output == "-":
        return
    path = Path(output)
    fmt = format_of(output)
    if fmt is None and not path.is_dir() and path.suffix.lower() in _FOREIGN_SUFFIXES:
        raise OctoError(f"{output}: unknown output format {path.suffix!r} (name a {NAMES} file, a directory, or -)")
    if fmt is None and path.exists() and not path.is_dir():
        raise OctoError(f"{output}: exists and is not a directory (name a {NAMES} file)")
    if fmt is not None and path.is_dir():
        raise OctoError(f"{output}: is a directory")


def stdout_writer(stream: IO[bytes]) -> Callable[[Iterable[Mapping[str, object]]], None]:
    """A function that writes records as JSONL lines to the binary `stream` (BrokenPipeError when it is closed)."""

    def write(records: Iterable[Mapping[str, object]]) -> None:
        stream.writelines(json_lines(records))
        stream.flush()

    return write
