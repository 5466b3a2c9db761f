"""The resumable state of a run: one JSON line per finished seed, appended beside the output as `<OUT>.state`.

A rerun reads it, skips the seeds already done (kept or dropped alike) and rebuilds the output from it, so
nothing is asked twice and nothing is duplicated. The first line holds the run's settings; a rerun with other
settings is refused rather than mixed in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO, cast

from gitocto.errors import OctoError
from gitocto.synth.entry import Entry


def state_path(output: Path) -> Path:
    """Where the state of the run writing `output` lives (no .jsonl suffix: `git octo train DIR` skips it)."""
    return output.with_name(output.name + ".state")


class RunState:
    """Entries keyed by seed, loaded from disk and appended to as work finishes."""

    def __init__(self, output: Path, settings: dict[str, object]) -> None:
        self.path = state_path(output)
        self.entries: dict[str, Entry] = {}
        self._fh: TextIO | None = None
        if self.path.exists():
            self._load(settings)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("w", encoding="utf-8") as fh:
                fh.write(json.dumps({"settings": settings}, sort_keys=True) + "\n")

    def _load(self, settings: dict[str, object]) -> None:
        with self.path.open(encoding="utf-8") as fh:
            raw = fh.read()
        if raw and not raw.endswith("\n"):
            # A crash mid-line: end that line so the next entry starts on its own.
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write("\n")
        lines = raw.splitlines()
        try:
            head = json.loads(lines[0])["settings"] if lines else None
        except (json.JSONDecodeError, KeyError, TypeError):
            head = None
        if head is None:
            raise OctoError(f"{self.path}: not a synth state file; remove it or choose another -o")
        if head != json.loads(json.dumps(settings)):
            changed = sorted(k for k in set(head) | set(settings) if head.get(k) != settings.get(k))
            raise OctoError(
                f"{self.path} is from a run with other settings ({', '.join(changed)}); "
                "rerun with the same ones to resume, or choose another -o"
            )
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash: that seed is simply done again
            if isinstance(entry, dict) and "key" in entry:
                self.entries[str(entry["key"])] = cast(Entry, entry)  # a line `add` wrote

    def done(self, key: str) -> bool:
        """Whether seed `key` was finished by this or an earlier run."""
        return key in self.entries

    def add(self, entries: Iterable[Entry]) -> None:
        """Append finished entries and flush them to disk, so a crash loses at most the work in flight."""
        if self._fh is None:
            self._fh = self.path.open("a", encoding="utf-8")
        for entry in entries:
            self.entries[str(entry["key"])] = entry
            self._fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Close the file (entries stay readable in memory)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
