"""The extracted record: one changed file of one commit, as `git octo extract` writes it (docs/extract.md)."""

from __future__ import annotations

from typing import Final, TypedDict

DEDUP_FIELD: Final = "_dedup_key"


class _CommitPackColumns(TypedDict):
    """CommitPack's own columns, in its order and with its value conventions."""

    commit: str
    parent: str | None  # None for a root commit
    old_file: str
    new_file: str
    old_contents: str  # "" for an added file
    new_contents: str  # "" for a deleted file
    subject: str
    message: str
    lang: str | None
    license: str | None  # GitHub's lower-case licence key
    repos: str  # every repository of the run holding the commit, comma-separated


class _Columns(_CommitPackColumns):
    """The columns gitocto adds after CommitPack's."""

    author_date: str
    committer_date: str
    change_type: str  # modified, added, deleted or renamed
    lines_added: int
    lines_removed: int
    files_changed: int
    old_encoding: str  # utf-8, or latin-1 under the non-UTF-8 rule
    new_encoding: str
    message_encoding: str
    lang_source: str | None  # commitpack or pygments
    license_spdx: str | None
    same_path_files: int


class Record(_Columns, total=False):
    """One extracted record. `_dedup_key` only travels from the walk to exact dedup and is never written."""

    _dedup_key: str


COLUMNS: Final = tuple(_Columns.__annotations__)
"""Every written column, in the written order."""
