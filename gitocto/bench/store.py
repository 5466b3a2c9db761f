"""Append-only JSONL files for generations and per-sample results, so an interrupted run continues where it stopped."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from gitocto.errors import OctoError

# The record type a store holds (a TypedDict from gitocto.bench.records).
R = TypeVar("R", bound=Mapping[str, Any])


class JsonlStore(Generic[R]):
    """Records keyed by `key_fields`; a later record with the same key replaces an earlier one."""

    def __init__(self, path: Path, key_fields: tuple[str, ...]) -> None:
        self.path = path
        self.key_fields = key_fields
        self.records: dict[tuple[Any, ...], R] = {}
        if path.exists():
            self._load()

    def _load(self) -> None:
        text = self.path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            # A line cut short by an interrupted run is the only damage an append can leave: drop it.
            text = text[: text.rfind("\n") + 1]
            with self.path.open("r+", encoding="utf-8") as fh:
                fh.truncate(len(text.encode("utf-8")))
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record: R = json.loads(line)
                self.records[self.key(record)] = record
            except (json.JSONDecodeError, KeyError, TypeError):
                raise OctoError(f"{self.path}:{n}: not a record of this file") from None

    def key(self, record: R) -> tuple[Any, ...]:
        """The record's identity."""
        return tuple(record[f] for f in self.key_fields)

    def get(self, *key: Any) -> R | None:
        """The record with this key, if any."""
        return self.records.get(tuple(key))

    def add(self, records: Iterable[R]) -> None:
        """Append records and flush them to disk at once."""
        records = list(records)
        if not records:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                self.records[self.key(record)] = record
