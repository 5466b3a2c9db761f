"""The language of a file from its name: CommitPack's extension table first, Pygments for the files it does not know.

CommitPack names a file's language from its table (package data commitpack_languages.json: 853 suffixes of 358
languages, among them `.txt` = Text and the file names `Dockerfile` and `Makefile`); the longest suffix the path
ends with wins (`x.rst.txt` is reStructuredText), case-sensitively, as the published `str.endswith` test does.
`language_and_source` says which table named the file: "commitpack" or "pygments".

The Pygments table is built once from Pygments' lexer mapping (its `_mapping.LEXERS`, which lists every lexer's filename
globs without importing the lexers or scanning plugins; `get_all_lexers()` costs seconds here because of the
plugin scan). Where Pygments gives a suffix to several lexers, the common language is pinned below; otherwise the
first lexer listed wins.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import posixpath
from importlib import resources

COMMITPACK, PYGMENTS = "commitpack", "pygments"

# Suffixes Pygments shares between languages: the one code hosts see most.
_PINNED = {
    ".c": "C",
    ".h": "C",
    ".hh": "C++",
    ".cp": "C++",
    ".pl": "Perl",
    ".pm": "Perl",
    ".t": "Perl",
    ".m": "Objective-C",
    ".mm": "Objective-C++",
    ".sql": "SQL",
    ".inc": "PHP",
    ".r": "R",
    ".fs": "F#",
    ".v": "verilog",
    ".s": "GAS",
    ".asm": "NASM",
    ".cl": "Common Lisp",
    ".as": "ActionScript 3",
    ".xsl": "XSLT",
    ".xslt": "XSLT",
    ".pro": "Prolog",
    ".bas": "VB.net",
    ".sc": "SuperCollider",
    ".lean": "Lean4",
    ".b": "Brainfuck",
    ".i": "SWIG",
    ".j": "Objective-J",
    ".gd": "GDScript",
    ".feature": "Gherkin",
    ".def": "Modula-2",
    ".p": "OpenEdge ABL",
}


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str], tuple[tuple[str, str], ...]]:
    """(exact file names, lower-cased suffixes, other globs) from Pygments' lexer mapping."""
    from pygments.lexers._mapping import LEXERS

    exact: dict[str, str] = {}
    suffixes: dict[str, str] = {}
    globs: list[tuple[str, str]] = []
    for _module, name, _aliases, patterns, _mimes in LEXERS.values():
        for pattern in patterns:
            if not any(ch in pattern for ch in "*?["):
                exact.setdefault(pattern, name)
            elif pattern.startswith("*.") and not any(ch in pattern[2:] for ch in "*?[."):
                suffixes.setdefault(pattern[1:].lower(), name)
            else:
                globs.append((pattern, name))
    suffixes.update(_PINNED)
    return exact, suffixes, tuple(globs)


@functools.lru_cache(maxsize=1)
def commitpack_table() -> dict[str, str]:
    """CommitPack's suffix -> language table (`.py` -> Python, `Dockerfile` -> Dockerfile)."""
    text = resources.files("gitocto.extract").joinpath("commitpack_languages.json").read_text(encoding="utf-8")
    table: dict[str, str] = json.loads(text)
    return table


@functools.lru_cache(maxsize=1)
def _commitpack_by_length() -> tuple[tuple[int, dict[str, str]], ...]:
    by_length: dict[int, dict[str, str]] = {}
    for suffix, name in commitpack_table().items():
        by_length.setdefault(len(suffix), {})[suffix] = name
    return tuple(sorted(by_length.items(), reverse=True))


@functools.lru_cache(maxsize=65536)
def commitpack_language(path: str) -> str | None:
    """CommitPack's language of `path`: that of the longest table suffix `path` ends with; None when none does."""
    for length, table in _commitpack_by_length():
        found = table.get(path[-length:]) if len(path) >= length else None
        if found is not None:
            return found
    return None


@functools.lru_cache(maxsize=65536)
def language_and_source(path: str) -> tuple[str | None, str | None]:
    """(language, "commitpack" | "pygments") for `path`; (None, None) when neither table knows it."""
    found = commitpack_language(path)
    if found is not None:
        return found, COMMITPACK
    found = pygments_language(path)
    return (found, PYGMENTS) if found is not None else (None, None)


def language_of(path: str) -> str | None:
    """The language name of `path` (e.g. "Python", "C++", "Text"), or None when its name is not a known one."""
    return language_and_source(path)[0]


@functools.lru_cache(maxsize=65536)
def pygments_language(path: str) -> str | None:
    """Pygments' language name of `path`, or None."""
    exact, suffixes, globs = _tables()
    base = posixpath.basename(path)
    if base in exact:
        return exact[base]
    stem, suffix = posixpath.splitext(base)
    if suffix and stem:
        found = suffixes.get(suffix.lower())
        if found is not None:
            return found
    for pattern, name in globs:
        if fnmatch.fnmatchcase(base, pattern):
            return name
    return None


def known_languages() -> set[str]:
    """Every language name the tables can give."""
    exact, suffixes, globs = _tables()
    return {*commitpack_table().values(), *exact.values(), *suffixes.values(), *(name for _, name in globs)}
