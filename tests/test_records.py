"""Record files: one rule for names, the same records back from every format, bad lines, atomic writes."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gitocto import records
from gitocto.errors import OctoError
from gitocto.records import (
    atomic_write,
    corpus_files,
    format_of,
    iter_records,
    read_records,
    record_files,
    record_format,
    write_records,
)

ROWS: list[dict[str, Any]] = [
    {"commit": "a" * 40, "subject": "Fix ünïcode ✓", "lines_added": 3, "new_contents": "x = 1\n"},
    {"commit": "b" * 40, "subject": "Second", "lines_added": 0, "new_contents": ""},
    {"commit": "c" * 40, "subject": "Third\nwith a newline", "lines_added": 12, "new_contents": "y\r\n"},
]
SUFFIXES = [".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz", ".parquet", ".JSONL"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_every_suffix_round_trips_the_same_records(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    write_records(path, ROWS)
    assert read_records(path) == ROWS
    assert list(iter_records(path)) == ROWS
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


def test_the_one_rule_for_names() -> None:
    assert [format_of(f"x{s}") for s in SUFFIXES] == ["jsonl"] * 3 + ["jsonl.gz"] * 3 + ["parquet", "jsonl"]
    assert format_of("shards") is None and format_of("x.csv") is None and format_of("x.gz") is None


def test_an_unknown_suffix_is_a_one_line_error(tmp_path: Path) -> None:
    for call in (
        lambda: record_format(tmp_path / "x.csv"),
        lambda: write_records(tmp_path / "x.csv", ROWS),
        lambda: read_records(tmp_path / "x.txt"),
        lambda: corpus_files([tmp_path / "x.csv"]),
    ):
        with pytest.raises(OctoError) as err:
            (tmp_path / "x.csv").write_text("a,b\n")
            call()
        assert "\n" not in str(err.value) and "not a record file" in str(err.value)
        assert ".jsonl, .jsonl.gz or .parquet" in str(err.value)


def test_gzip_output_is_read_by_the_gzip_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "GZIP_BLOCK", 64)  # several gzip members
    many = [{**ROWS[i % 3], "i": i} for i in range(50)]
    path = tmp_path / "out.jsonl.gz"
    write_records(path, many)
    gunzip = shutil.which("gzip")
    assert gunzip is not None
    plain = subprocess.run([gunzip, "-dc", str(path)], capture_output=True, check=True).stdout
    assert [json.loads(line) for line in plain.splitlines()] == many
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        assert [json.loads(line) for line in fh] == many
    write_records(path, [])  # no records: still a gzip file
    assert subprocess.run([gunzip, "-dc", str(path)], capture_output=True, check=True).stdout == b""


def test_a_bad_line_names_file_and_line_or_is_counted_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n\n{broken\n[1, 2]\n" + json.dumps(ROWS[1]) + "\n", encoding="utf-8")
    with pytest.raises(OctoError, match=r"bad\.jsonl:3: not a JSON record") as err:
        read_records(path)
    assert "\n" not in str(err.value)
    path.write_text(json.dumps(ROWS[0]) + "\n[1, 2]\n", encoding="utf-8")
    with pytest.raises(OctoError, match=r"bad\.jsonl:2: not a JSON object"):
        read_records(path)
    path.write_text(json.dumps(ROWS[0]) + "\n{broken\n[1, 2]\n" + json.dumps(ROWS[1]) + "\n", encoding="utf-8")
    skipped: Counter[str] = Counter()
    assert read_records(path, skipped) == ROWS[:2]
    assert skipped == Counter({records.NOT_JSON: 1, records.NOT_OBJECT: 1})


def test_unreadable_files_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(b'{"a": 1}\n' * 1000)[:40])
    (tmp_path / "x.parquet").write_text("not parquet")
    for name, message in (
        ("cut.jsonl.gz", "cannot read"),
        ("x.parquet", "not a readable Parquet file"),
        ("missing.jsonl", "cannot read"),
    ):
        with pytest.raises(OctoError, match=message) as err:
            read_records(tmp_path / name)
        assert "\n" not in str(err.value) and name in str(err.value)


def test_a_json_file_may_hold_a_list_of_objects(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(ROWS, indent=2), encoding="utf-8")
    assert read_records(path) == ROWS
    path.write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(OctoError, match="expected a JSON list of objects"):
        read_records(path)


def test_lone_surrogates_are_written_as_escapes_and_read_back(tmp_path: Path) -> None:
    rows = [{"text": "undecodable \udcff byte"}]
    path = tmp_path / "s.jsonl"
    write_records(path, rows)
    path.read_bytes().decode("utf-8")  # valid UTF-8
    assert read_records(path) == rows


def test_parquet_columns_are_the_union_of_the_records(tmp_path: Path) -> None:
    path = tmp_path / "u.parquet"
    write_records(path, [{"a": 1}, {"b": "x"}])
    assert read_records(path) == [{"a": 1, "b": None}, {"a": None, "b": "x"}]


def test_directories_hold_record_files_but_not_hidden_or_plain_json(tmp_path: Path) -> None:
    for name in (
        "b.jsonl",
        "a/c.parquet",
        "d.json.gz",
        "dataset_info.json",
        ".hidden.jsonl",
        ".state/x.jsonl",
        "notes.txt",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in record_files(tmp_path)] == [
        "a/c.parquet",
        "b.jsonl",
        "d.json.gz",
    ]
    assert corpus_files([tmp_path, tmp_path / "dataset_info.json"])[-1].name == "dataset_info.json"
    (tmp_path / "empty").mkdir()
    with pytest.raises(OctoError, match=r"no \.jsonl, \.jsonl\.gz or \.parquet files in this directory"):
        corpus_files([tmp_path / "empty"])


def test_atomic_write_keeps_the_old_content_and_leaves_no_temporary_when_the_body_raises(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_write(path) as tmp:
        tmp.write_text("half of the new", encoding="utf-8")
        raise RuntimeError("cut short")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    with pytest.raises(OctoError), atomic_write(path) as tmp:  # a directory (a clone) is removed too
        tmp.mkdir()
        (tmp / "inside").write_text("x")
        raise OctoError("clone failed")
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    with atomic_write(path) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".state.json.tmp-")
        tmp.write_text("new", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_failed_record_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    write_records(path, ROWS)
    with pytest.raises(TypeError):
        write_records(path, [ROWS[0], {"x": object()}])  # neither orjson nor json can encode an object
    assert read_records(path) == ROWS and [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_arrow_columns_from_buffers_match_arrows_own_conversion() -> None:
    pa = pytest.importorskip("pyarrow")
    schema = pa.schema([("s", pa.string()), ("n", pa.int64()), ("mixed", pa.string())])
    rows: list[dict[str, object]] = [
        {"s": "ünïcode ✓ 😀", "n": 3, "mixed": None},
        {"s": "", "n": None, "mixed": "x"},
        {"s": None, "n": -(2**63), "mixed": "y" * 70_000},
    ]
    (table,) = records.arrow_tables(rows, schema)
    table.validate(full=True)
    assert table.equals(pa.Table.from_pylist(rows, schema=schema))


def test_writing_parquet_does_not_import_pandas(tmp_path: Path) -> None:
    # Arrow's converter of Python objects imports pandas on first use when it is installed: 0.3 s of every extract.
    pytest.importorskip("pandas")
    code = (
        "import sys; from pathlib import Path; import pyarrow as pa; from gitocto.records import write_records; "
        "schema = pa.schema([('commit', pa.string()), ('subject', pa.string()), ('lines_added', pa.int64()), "
        "('new_contents', pa.string())]); "
        f"write_records(Path({str(tmp_path / 'r.parquet')!r}), {ROWS!r}, schema=schema); "
        "print('pandas' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
    assert read_records(tmp_path / "r.parquet") == ROWS
