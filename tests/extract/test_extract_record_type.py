"""The Record type says what the extract writes: every column, in order, with the type of its values."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any

from gitocto.extract.command import extract_repos
from gitocto.extract.options import ExtractOptions
from gitocto.extract.record import COLUMNS, DEDUP_FIELD, Record
from tests.extract.extract_helpers import read_output

DOCS = Path(__file__).resolve().parents[2] / "docs" / "extract.md"


def _allowed(hint: Any) -> tuple[type, ...]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return tuple(type(None) if a is type(None) else a for a in typing.get_args(hint))
    return (hint,)


def test_columns_are_the_documented_ones_in_the_written_order() -> None:
    table = [line for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    documented = [name for line in table for name in re.findall(r"`(\w+)`", line.split("|")[1])]
    assert sorted(documented) == sorted(COLUMNS)
    assert Record.__required_keys__ == frozenset(COLUMNS)
    assert Record.__optional_keys__ == frozenset({DEDUP_FIELD})


def test_written_records_have_the_record_types(history: Any, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert extract_repos([str(history.path)], str(out), ExtractOptions()) == 0
    records = read_output(out)
    hints = typing.get_type_hints(Record)
    assert records
    for record in records:
        assert list(record) == list(COLUMNS)  # the dedup key never reaches the output
        for name, value in record.items():
            assert isinstance(value, _allowed(hints[name])), (name, value)
