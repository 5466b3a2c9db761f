"""Source files for seeds: a repository's files at a revision (pygit2), or the contents of extracted records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gitocto.code.parsers import GRAMMARS, language_for_path
from gitocto.errors import OctoError

MAX_FILE_BYTES = 1 << 20
# Names the extract writes in its `lang` column that differ from the grammar names.
_LANG_ALIASES = {"js": "javascript", "c++": "cpp", "py": "python", "rs": "rust"}


@dataclass(frozen=True)
class SourceFile:
    """One file's text, its grammar language, and where it came from (path, or commit:path for records)."""

    origin: str
    lang: str
    text: str
    before: str | None = None  # the file before a commit, for records that carry old_contents
    message: str = ""  # that commit's subject and message, for records


def parse_langs(spec: str | None) -> list[str]:
    """`--langs python,go` (or None: all) validated against the grammar languages."""
    if spec is None or spec.strip() == "all":
        return sorted(GRAMMARS)
    langs = [_LANG_ALIASES.get(s.strip().lower(), s.strip().lower()) for s in spec.split(",") if s.strip()]
    bad = [s for s in langs if s not in GRAMMARS]
    if bad or not langs:
        raise OctoError(f"unknown language {', '.join(bad) or spec!r}; choose from {', '.join(sorted(GRAMMARS))}")
    return langs


def _repo_files(path: Path, rev: str, langs: Sequence[str]) -> list[SourceFile]:
    import pygit2

    try:
        repo = pygit2.Repository(str(path))
    except pygit2.GitError:
        raise OctoError(f"{path}: not a git repository") from None
    try:
        tree = repo.revparse_single(rev).peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.GitError):
        raise OctoError(f"{path}: unknown revision {rev!r}") from None
    files: list[SourceFile] = []

    def walk(node: pygit2.Tree, prefix: str) -> None:
        for entry in node:
            name = f"{prefix}{entry.name}"
            if entry.type_str == "tree":
                walk(repo[entry.id].peel(pygit2.Tree), name + "/")
                continue
            lang = language_for_path(name)
            if entry.type_str != "blob" or lang is None or lang not in langs:
                continue
            blob = repo[entry.id].peel(pygit2.Blob)
            if blob.is_binary or blob.size > MAX_FILE_BYTES:
                continue
            try:
                text = blob.data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            files.append(SourceFile(name, lang, text))

    walk(tree, "")
    return files


def _record_lang(row: dict[str, object]) -> str | None:
    name = row.get("new_file") or row.get("old_file") or row.get("path")
    lang = language_for_path(name) if isinstance(name, str) else None
    if lang is None and isinstance(row.get("lang"), str):
        raw = str(row["lang"]).lower()
        lang = _LANG_ALIASES.get(raw, raw)
    return lang if lang in GRAMMARS else None


def _record_files(path: Path, langs: Sequence[str]) -> list[SourceFile]:
    from gitocto.records import iter_records

    files: list[SourceFile] = []
    for row in iter_records(path):
        text = row.get("new_contents")
        lang = _record_lang(row)
        if not isinstance(text, str) or not text.strip() or lang is None or lang not in langs:
            continue
        before = row.get("old_contents")
        origin = f"{str(row.get('commit', ''))[:12]}:{row.get('new_file') or row.get('old_file') or ''}"
        message = "\n".join(str(row[k]) for k in ("subject", "message") if isinstance(row.get(k), str))
        files.append(
            SourceFile(origin, lang, text, before if isinstance(before, str) and before.strip() else None, message)
        )
    return files


def load_sources(source: Path, langs: Sequence[str], rev: str = "HEAD") -> list[SourceFile]:
    """Source files of `langs` from a repository path (at `rev`) or a JSONL/Parquet file of extracted records."""
    from gitocto.records import format_of

    if source.is_file() and format_of(source) is not None:
        files = _record_files(source, langs)
    elif source.is_dir():
        files = _repo_files(source, rev, langs)
    else:
        raise OctoError(f"{source}: neither a repository nor a .jsonl/.jsonl.gz/.parquet file of records")
    if not files:
        raise OctoError(f"{source}: no source files in {', '.join(langs)}")
    return files
