"""Record files: which names are record files, how they are read and written, and atomic writes.

The one rule for names (case does not matter):

- JSON Lines: ``.jsonl``, ``.ndjson`` or ``.json``, each optionally followed by ``.gz`` (gzip). A ``.json`` or
  ``.json.gz`` file may instead hold one JSON list of objects (as ``datasets.load_dataset("json")`` accepts).
- Parquet: ``.parquet``.

Anything else is not a record file: `record_format` raises an `OctoError` for it, `format_of` returns None (an
output name without a record suffix is a directory of shards). A directory is searched for record files by
`record_files`, which leaves out hidden names (temporaries of writes in progress, extract's state and unjoined parts)
and plain ``.json`` files (in a directory those are metadata such as ``dataset_info.json``, not records).

A bad line (not JSON, or JSON but not an object) is an `OctoError` naming ``file:line``, unless the caller passes a
`skipped` counter: then the line is skipped and counted under its reason. Training does that, so that one broken line
in a large crawl costs a line, not the run, and the count is reported; every other reader raises.

Every file is written through `atomic_write`: to a hidden temporary ``.<name>.tmp-<pid>-<random>`` in the same
directory, renamed over the target when the body succeeds and removed when it fails, so a reader never sees half a
file and an interrupted write leaves the old file as it was.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import zlib
from array import array
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from types import ModuleType, TracebackType
from typing import IO, TYPE_CHECKING, Any

import orjson

from gitocto.errors import OctoError

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.parquet as pq

_deflate: ModuleType
try:  # ISA-L's deflate writes the same gzip format about five times as fast as zlib at level 1
    from isal import isal_zlib as _deflate
except ImportError:  # pragma: no cover - isal is a core dependency; zlib is the same format, slower
    _deflate = zlib

_gzip_open: Any
try:  # ISA-L's gzip reader: the same files, decompressed about twice as fast
    from isal.igzip import open as _gzip_open
except ImportError:  # pragma: no cover
    _gzip_open = gzip.open

PARQUET, JSONL, JSONL_GZ = "parquet", "jsonl", "jsonl.gz"
FORMATS = (PARQUET, JSONL, JSONL_GZ)
# Longest first, so ".jsonl.gz" is not taken for a foreign ".gz".
SUFFIXES: dict[str, str] = {
    ".jsonl.gz": JSONL_GZ,
    ".ndjson.gz": JSONL_GZ,
    ".json.gz": JSONL_GZ,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".json": JSONL,
    ".parquet": PARQUET,
}
# The reasons a skipped line is counted under.
NOT_JSON, NOT_OBJECT = "line is not valid JSON", "line is not a JSON object"
# How messages name the record formats.
NAMES = ".jsonl, .jsonl.gz or .parquet"

# Chosen by measurement on real repositories (bench/RESULTS.md): zstd level 3 writes as fast as level 1 or snappy
# (less output to write) and makes files 2.4x smaller than level 1, 8x smaller than snappy; levels 5+ cost time.
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3
# gzip level 1 (ISA-L's, or zlib's) in independent members of this many input bytes, compressed on every core (both
# let go of the GIL): concatenated members are one valid gzip file for `gzip -d`, Python's gzip and `datasets`.
GZIP_LEVEL = 1
GZIP_BLOCK = 4 << 20
# Text per Parquet row group (and Arrow record batch): large enough for good compression, small enough that the
# Arrow copy of the records stays a small part of memory.
ROW_GROUP_BYTES = 32 << 20


# -- names -------------------------------------------------------------------------------------------------------


def _suffix(path: str | Path) -> str | None:
    name = str(path).lower()
    return next((s for s in SUFFIXES if name.endswith(s)), None)


def format_of(path: str | Path) -> str | None:
    """The format of a record file name ("parquet", "jsonl" or "jsonl.gz"), or None when it is not one."""
    suffix = _suffix(path)
    return None if suffix is None else SUFFIXES[suffix]


def record_format(path: str | Path) -> str:
    """The format of a record file name; an `OctoError` when the name is not one of a record file."""
    fmt = format_of(path)
    if fmt is None:
        raise OctoError(f"{path}: not a record file (expected {NAMES})")
    return fmt


def record_files(directory: Path) -> list[Path]:
    """The record files under `directory`, recursively, in name order (hidden names and plain .json left out)."""

    def wanted(path: Path) -> bool:
        hidden = any(part.startswith(".") for part in path.relative_to(directory).parts)
        suffix = _suffix(path)
        return not hidden and suffix is not None and suffix != ".json" and path.is_file()

    return sorted(p for p in directory.rglob("*") if wanted(p))


def corpus_files(inputs: Sequence[str | Path]) -> list[Path]:
    """The record files named by `inputs` (files, or directories searched by `record_files`), in order."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = record_files(path)
            if not found:
                raise OctoError(f"{path}: no {NAMES} files in this directory")
            files += found
        elif path.is_file():
            record_format(path)
            files.append(path)
        else:
            raise OctoError(f"{path}: no such file or directory")
    if not files:
        raise OctoError("no input files given")
    return files


# -- reading -----------------------------------------------------------------------------------------------------


def _loads(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        # What orjson refuses and json takes: lone surrogates in escapes (written by `json_lines`), NaN.
        return json.loads(line)


def _bad(path: Path, where: str, message: str, reason: str, skipped: Counter[str] | None) -> None:
    """Raise `message` at `path` `where` or, when counting, count `reason`."""
    if skipped is None:
        raise OctoError(f"{path}{where}: {message}")
    skipped[reason] += 1


def _json_records(path: Path, fh: IO[bytes], skipped: Counter[str] | None) -> Iterator[dict[str, Any]]:
    allow_list = str(path).lower().endswith((".json", ".json.gz"))
    for lineno, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        if allow_list and lineno == 1 and line.lstrip().startswith(b"["):
            yield from _json_list(path, line + fh.read(), skipped)
            return
        try:
            row = _loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            _bad(path, f":{lineno}", f"not a JSON record ({getattr(exc, 'msg', exc)})", NOT_JSON, skipped)
            continue
        if not isinstance(row, dict):
            _bad(path, f":{lineno}", "not a JSON object", NOT_OBJECT, skipped)
            continue
        yield row


def _json_list(path: Path, data: bytes, skipped: Counter[str] | None) -> Iterator[dict[str, Any]]:
    try:
        rows = _loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OctoError(f"{path}: not valid JSON ({getattr(exc, 'msg', exc)})") from None
    if not isinstance(rows, list):
        raise OctoError(f"{path}: expected a JSON list of objects")
    for row in rows:
        if isinstance(row, dict):
            yield row
        else:
            _bad(path, "", "expected a JSON list of objects", NOT_OBJECT, skipped)


def iter_records(path: Path, skipped: Counter[str] | None = None) -> Iterator[dict[str, Any]]:
    """The records of one record file, in file order, without holding the file in memory.

    A bad line raises an `OctoError` naming ``file:line``; with `skipped` given it is skipped and counted there
    (NOT_JSON, NOT_OBJECT). An unreadable file is always an `OctoError`.
    """
    fmt = record_format(path)
    if fmt == PARQUET:
        yield from _parquet_records(path)
        return
    opener: Any = _gzip_open if fmt == JSONL_GZ else open
    try:
        with opener(path, "rb") as fh:
            yield from _json_records(path, fh, skipped)
    except (OSError, EOFError, zlib.error, _deflate.error) as exc:
        raise OctoError(f"{path}: cannot read ({exc})") from None


def _parquet_records(path: Path) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    try:
        batches = pq.ParquetFile(path).iter_batches()
        for batch in batches:
            yield from batch.to_pylist()
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt or truncated file
        raise OctoError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None


def read_records(path: Path, skipped: Counter[str] | None = None) -> list[dict[str, Any]]:
    """Every record of one record file, in file order (bad lines as in `iter_records`)."""
    return list(iter_records(path, skipped))


def iter_files(files: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """Every record of every file, file by file."""
    for path in files:
        yield from iter_records(path)


# -- writing -----------------------------------------------------------------------------------------------------


class AtomicWrite:
    """A temporary path beside `path`, renamed over it by `commit()` and removed by `discard()`.

    As a context manager (see `atomic_write`) it commits when the body succeeds and discards when it raises. Writers
    that span many calls (a streamed Parquet file) call `commit()`/`discard()` themselves.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}")

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self.tmp

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    def commit(self) -> None:
        """Rename the temporary over the target (removing the temporary if that fails)."""
        try:
            os.replace(self.tmp, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Remove the temporary (a file, or a directory such as a fresh clone), if it is there."""
        if self.tmp.is_dir() and not self.tmp.is_symlink():
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            self.tmp.unlink(missing_ok=True)


def atomic_write(path: Path) -> AtomicWrite:
    """``with atomic_write(path) as tmp:`` write `tmp` (a file or a directory); it replaces `path` when the body
    succeeds, and is removed, leaving `path` as it was, when the body raises. Creates `path`'s directory."""
    return AtomicWrite(path)


def write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: Path, data: Any) -> None:
    """Write `data` as one JSON document to `path` atomically (state files and markers)."""
    write_text(path, json.dumps(data))


def _json_line(record: Mapping[str, object]) -> bytes:
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # orjson.JSONEncodeError: lone surrogates (undecodable bytes kept in str), huge ints, ...
        # ASCII escapes keep such a line valid JSON and valid UTF-8.
        return (json.dumps(record, ensure_ascii=True) + "\n").encode("ascii")


def json_lines(records: Iterable[Mapping[str, object]]) -> Iterator[bytes]:
    """Records as JSONL lines (UTF-8, keys in record order), one `bytes` per record."""
    return map(_json_line, records)


def _gzip_block(data: bytes) -> bytes:
    # wbits 31: a gzip member with its header and CRC.
    packer = _deflate.compressobj(GZIP_LEVEL, _deflate.DEFLATED, 31)
    member: bytes = packer.compress(data) + packer.flush()
    return member


def _blocks(lines: Iterable[bytes]) -> Iterator[bytes]:
    """`lines` joined into blocks of about GZIP_BLOCK bytes."""
    block: list[bytes] = []
    size = 0
    for line in lines:
        block.append(line)
        size += len(line)
        if size >= GZIP_BLOCK:
            yield b"".join(block)
            block, size = [], 0
    if block:
        yield b"".join(block)


def gzip_members(lines: Iterable[bytes], pool: ThreadPoolExecutor | None = None) -> Iterator[bytes]:
    """`lines` as concatenated gzip members of about GZIP_BLOCK input bytes each, compressed on `pool` when given
    (a bounded window of blocks in flight, in order). No lines give one empty member: still a valid gzip file."""
    empty = True
    if pool is None:
        for member in map(_gzip_block, _blocks(lines)):
            empty = False
            yield member
    else:
        window = max(2, 2 * (os.cpu_count() or 1))
        pending: deque[Future[bytes]] = deque()
        for block in _blocks(lines):
            empty = False
            pending.append(pool.submit(_gzip_block, block))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    if empty:
        yield _gzip_block(b"")


def arrow_tables(records: Sequence[Mapping[str, object]], schema: pa.Schema) -> Iterator[pa.Table]:
    """Records as Arrow tables of `schema` (a column absent from a record is null) of about ROW_GROUP_BYTES of text
    each (one Parquet row group each), so the Arrow copy of many records is never made whole."""
    import pyarrow as pa

    def table(rows: Sequence[Mapping[str, object]]) -> pa.Table:
        return pa.Table.from_arrays(
            [_arrow_array([r.get(field.name) for r in rows], field.type) for field in schema], schema=schema
        )

    start, size = 0, 0
    for i, record in enumerate(records):
        size += sum(len(v) for v in record.values() if isinstance(v, str))
        if size >= ROW_GROUP_BYTES:
            yield table(records[start : i + 1])
            start, size = i + 1, 0
    if start < len(records) or not records:
        yield table(records[start:])


def _arrow_array(values: list[object], kind: pa.DataType) -> pa.Array:
    """A string or int64 column built straight from buffers; other types and values go through `pa.array`.

    Strings get one buffer of exactly their size: Arrow's builder doubles its buffer as it grows, which on file
    contents touches three times the memory and copies it twice (click: 0.73 s against 0.33 s). And nothing passes
    through Arrow's converter of Python objects, whose first use imports pandas when it is installed (0.3 s).
    """
    import pyarrow as pa

    try:
        valid = [v is not None for v in values]
        present = [v for v in values if v is not None]
        if kind == pa.int64() and all(type(v) is int for v in present):
            data = pa.py_buffer(array("q", [v if isinstance(v, int) else 0 for v in values]))
            return pa.Array.from_buffers(kind, len(values), [_validity(valid), data])
        if kind == pa.string() and all(isinstance(v, str) for v in present):
            encoded = [v.encode() if isinstance(v, str) else b"" for v in values]
            offsets = pa.py_buffer(array("i", accumulate(map(len, encoded), initial=0)))
            text = pa.py_buffer(b"".join(encoded))
            return pa.Array.from_buffers(kind, len(values), [_validity(valid), offsets, text])
    except (UnicodeEncodeError, OverflowError):  # lone surrogates, past 2 GB of text or int64: Arrow says what
        pass
    return pa.array(values, kind)


def _validity(valid: list[bool]) -> pa.Buffer | None:
    """Arrow's validity bitmap for `valid` (None when every value is present)."""
    import pyarrow as pa

    if all(valid):
        return None
    bits = bytearray((len(valid) + 7) // 8)
    for i, ok in enumerate(valid):
        if ok:
            bits[i >> 3] |= 1 << (i & 7)
    return pa.py_buffer(bits)


def parquet_writer(
    path: Path, schema: pa.Schema, compression: str = PARQUET_COMPRESSION, dictionary: bool | Sequence[str] = True
) -> pq.ParquetWriter:
    """A Parquet writer with gitocto's compression (zstd level 3) and dictionary encoding of `dictionary`."""
    import pyarrow.parquet as pq

    level = PARQUET_COMPRESSION_LEVEL if compression == PARQUET_COMPRESSION else None
    return pq.ParquetWriter(
        path,
        schema,
        compression=compression,
        compression_level=level,
        use_dictionary=dictionary if isinstance(dictionary, bool) else list(dictionary),
    )


def write_records(
    path: Path,
    records: Sequence[Mapping[str, object]],
    *,
    schema: pa.Schema | None = None,
    dictionary: bool | Sequence[str] = True,
    compression: str = PARQUET_COMPRESSION,
    pool: ThreadPoolExecutor | None = None,
) -> None:
    """Write `records` to `path` atomically, in the format its name asks for (`record_format`).

    JSONL through orjson; gzip in independent members (compressed on `pool` when given); Parquet with `schema`
    (inferred from the records when None) in row groups of about ROW_GROUP_BYTES of text.
    """
    fmt = record_format(path)
    with atomic_write(path) as tmp:
        if fmt == PARQUET:
            import pyarrow as pa

            if schema is None:  # every column any record has, in order of first appearance; types inferred
                columns = dict.fromkeys(c for r in records for c in r)
                table = pa.Table.from_pydict({c: [r.get(c) for r in records] for c in columns})
                with parquet_writer(tmp, table.schema, compression, dictionary) as writer:
                    writer.write_table(table)
            else:
                with parquet_writer(tmp, schema, compression, dictionary) as writer:
                    for table in arrow_tables(records, schema):
                        writer.write_table(table)
        else:
            with open(tmp, "wb", buffering=1 << 20) as fh:
                lines = json_lines(records)
                fh.writelines(gzip_members(lines, pool) if fmt == JSONL_GZ else lines)
