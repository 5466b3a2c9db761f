"""Tree-sitter parsers from the per-language grammar packages (compiled wheels; no download at run time)."""

from __future__ import annotations

import importlib
from functools import cache

import tree_sitter

from gitocto.errors import OctoError

# gitocto language name -> (grammar module, function returning the language pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "java": ("tree_sitter_java", "language"),
    "go": ("tree_sitter_go", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "rust": ("tree_sitter_rust", "language"),
}

# File suffix -> gitocto language name, for the languages that have a grammar here.
SUFFIXES: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".java": "java",
    ".go": "go",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".h": "cpp",
    ".rs": "rust",
}


def language_for_path(path: str) -> str | None:
    """The grammar language for a file name, or None when no grammar covers it."""
    dot = path.rfind(".")
    return SUFFIXES.get(path[dot:].lower()) if dot != -1 else None


@cache
def get_language(name: str) -> tree_sitter.Language:
    """The tree-sitter Language for `name` (one of GRAMMARS)."""
    try:
        module_name, attr = GRAMMARS[name]
    except KeyError:
        raise OctoError(f"no tree-sitter grammar for {name!r}; known: {', '.join(sorted(GRAMMARS))}") from None
    module = importlib.import_module(module_name)
    return tree_sitter.Language(getattr(module, attr)())


def get_parser(name: str) -> tree_sitter.Parser:
    """A fresh parser for `name` (parsers are cheap; they are not thread-safe, so none is shared)."""
    return tree_sitter.Parser(get_language(name))
