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
    json_lines,
    parquet_writer,
    write_json,
    write_records,
)

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

# The parts of a single Parquet file: Arrow IPC, which costs a copy to write and nothing to read back (memory-mapped)
# when the parts are joined into the one compressed Parquet file.
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


def to_table(records: Sequence[Mapping[str, object]], columns: Sequence[str]) -> pa.Table:
    """Records as one Arrow table of `schema(columns)` (a column absent from a record is null)."""
    import pyarrow as pa

    return pa.Table.from_pydict({c: [r.get(c) for r in records] for c in columns}, schema=schema(columns))


def to_tables(records: Sequence[Mapping[str, object]], columns: Sequence[str]) -> Iterator[pa.Table]:
    """Records as Arrow tables of `schema(columns)`, one Parquet row group each (`records.arrow_tables`)."""
    return arrow_tables(records, schema(columns))


def _parquet_writer(path: Path, columns: Sequence[str], compression: str) -> pq.ParquetWriter:
    return parquet_writer(path, schema(columns), compression, _DICT_COLUMNS)


def write_part(
    records: Sequence[Mapping[str, object]],
    path: Path,
    fmt: str,
    columns: Sequence[str],
    compression: str = PARQUET_COMPRESSION,
    pool: ThreadPoolExecutor | None = None,
    also: ParquetStream | None = None,
) -> None:
    """Write one part atomically: an Arrow IPC part (its tables also appended to `also`, a row group of the single
    Parquet file being streamed, when given) or a record file (`records.write_records`)."""
    if fmt != ARROW_PARTS:
        write_records(
            path, records, schema=schema(columns), dictionary=_DICT_COLUMNS, compression=compression, pool=pool
        )
        return
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with atomic_write(path) as tmp, pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(sink, schema(columns)) as writer:
        for table in to_tables(records, columns):
            writer.write_table(table)
            if also is not None:
                also.write_table(table)


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
    """Parts in `directory` (shards of the output itself, or the hidden parts of a single-file output).

    A part is encoded, compressed and written on a background thread while the next chunk is extracted; at most one
    part is in flight, so memory holds two chunks at most. Use it as a context manager: leaving it waits for the part
    in flight (and raises what writing it raised).
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
        self._pending: Future[Path] | None = None
        self.stream: ParquetStream | None = None

    def stream_into(self, output: Path) -> None:
        """Also append every Arrow part to `output` as it is written (a run that starts with no parts), so the
        single Parquet file needs no join at the end: `finish_stream()` renames it into place."""
        self.stream = ParquetStream(output, self.columns)

    def finish_stream(self) -> bool:
        """Rename the streamed file into place; False when there is none (a resumed run joins the parts)."""
        self.wait()
        if self.stream is None:
            return False
        stream, self.stream = self.stream, None
        stream.finish()
        return True

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.wait()
        finally:
            self._background.shutdown(wait=True)
            if self.stream is not None:
                self.stream.discard()  # not finished: the run failed, and its parts are what a rerun resumes from
            if self._gzip is not None:
                self._gzip.shutdown(wait=True)

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
        as done only once both exist. The arguments must not change afterwards."""
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
    ) -> Path:
        part = self.directory / f"part-{index:05d}.{self.fmt}"
        write_part(records, part, self.fmt, self.columns, self.compression, self._gzip, self.stream)
        write_json(
            self.state_dir / f"{part.name}.json",
            {
                "repo": repo,
                "commits": list(commits),
                "keys": list(keys),
                "counts": dict(counts),
                "problems": list(problems),
            },
        )
        return part

    def parts(self) -> list[Path]:
        """The finished parts, in order."""
        return sorted(
            p for p in self.directory.glob(f"part-*.{self.fmt}") if (self.state_dir / f"{p.name}.json").exists()
        )


def parts_dir_for(output: Path) -> Path:
    """The hidden directory that holds a single-file output's parts until the run completes."""
    return output.parent / f".{output.name}.octo-parts"


def parts_format(fmt: str) -> str:
    """The format the parts of a single `fmt` file are kept in while the run goes on."""
    return ARROW_PARTS if fmt == PARQUET else fmt


def join_parts(parts: Sequence[Path], output: Path, fmt: str, columns: Sequence[str]) -> None:
    """Join finished parts into `output` atomically: Arrow parts are streamed into one compressed Parquet file one
    row group per part; JSONL parts are concatenated by the kernel (gzip members concatenate into one gzip file)."""
    with atomic_write(output) as tmp:
        if fmt == PARQUET:
            import pyarrow as pa
            import pyarrow.ipc as ipc

            with _parquet_writer(tmp, columns, PARQUET_COMPRESSION) as writer:
                for part in parts:
                    with pa.memory_map(str(part)) as source:
                        reader = ipc.open_file(source)
                        for i in range(reader.num_record_batches):
                            writer.write_table(pa.Table.from_batches([reader.get_batch(i)]))
        else:
            with open(tmp, "wb") as out:
                for part in parts:
                    _append_file(part, out)
                if not parts and fmt == JSONL_GZ:
                    out.write(gzip.compress(b""))


def _append_file(source: Path, out: IO[bytes]) -> None:
    """Append `source` to `out` without passing its bytes through Python where the kernel can copy them."""
    out.flush()
    with open(source, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        done = 0
        try:
            while done < size:
                n = os.copy_file_range(fh.fileno(), out.fileno(), size - done)
                if n == 0:
                    break
                done += n
        except (AttributeError, OSError):
            pass
        if done < size:
            fh.seek(done)
            out.seek(0, os.SEEK_END)
            shutil.copyfileobj(fh, out)
    out.seek(0, os.SEEK_END)


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
