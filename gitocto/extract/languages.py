"""The language of a file from its name, using Pygments' lexer filename patterns (about 600 lexers, 700+ suffixes).

The table is built once from Pygments' lexer mapping (its `_mapping.LEXERS`, which lists every lexer's filename
globs without importing the lexers or scanning plugins; `get_all_lexers()` costs seconds here because of the
plugin scan). Where Pygments gives a suffix to several lexers, the common language is pinned below; otherwise the
first lexer listed wins.
"""

from __future__ import annotations

import fnmatch
import functools
import posixpath

# Suffixes Pygments shares between languages: the one code hosts see most.
_PINNED = {".c": "C", ".h": "C", ".hh": "C++", ".cp": "C++", ".pl": "Perl", ".pm": "Perl", ".t": "Perl",
           ".m": "Objective-C", ".mm": "Objective-C++", ".sql": "SQL", ".inc": "PHP", ".r": "R", ".fs": "F#",
           ".v": "verilog", ".s": "GAS", ".asm": "NASM", ".cl": "Common Lisp", ".as": "ActionScript 3",
           ".xsl": "XSLT", ".xslt": "XSLT", ".pro": "Prolog", ".bas": "VB.net", ".sc": "SuperCollider",
           ".lean": "Lean4", ".b": "Brainfuck", ".i": "SWIG", ".j": "Objective-J", ".gd": "GDScript",
           ".feature": "Gherkin", ".def": "Modula-2", ".p": "OpenEdge ABL"}


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


@functools.lru_cache(maxsize=65536)
def language_of(path: str) -> str | None:
    """The language name of `path` (e.g. "Python", "C++"), or None when its name is not a known one."""
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


def is_code(lang: str | None) -> bool:
    """True for a programming (or markup) language, False for unknown files and plain text."""
    return lang is not None and lang != "Text only"


def known_languages() -> set[str]:
    """Every language name the table can give."""
    exact, suffixes, globs = _tables()
    return {*exact.values(), *suffixes.values(), *(name for _, name in globs)}
