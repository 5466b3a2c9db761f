"""Syntax errors in source files, found by tree-sitter, reported as file:line:column."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from gitocto.code.parsers import get_parser, language_for_path
from gitocto.extract.text import is_binary

MAX_ISSUES_PER_FILE = 10


@dataclass(frozen=True)
class SyntaxIssue:
    """One syntax error: where it is (1-based line and column) and what tree-sitter saw."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def check_source(path: str, source: bytes) -> list[SyntaxIssue]:
    """Syntax errors in `source` (named `path`, whose suffix picks the grammar); [] for other languages and binaries."""
    language = language_for_path(path)
    if language is None or is_binary(source):  # not text (git's test): nothing a grammar can say about it
        return []
    tree = get_parser(language).parse(source)
    if not tree.root_node.has_error:
        return []
    issues: list[SyntaxIssue] = []
    stack = [tree.root_node]
    while stack and len(issues) < MAX_ISSUES_PER_FILE:
        node = stack.pop()
        if node.is_missing:
            what = f"missing {node.type!r}"
        elif node.is_error:
            what = "syntax error"
            node = _where_it_goes_wrong(node)
        else:
            if node.has_error:
                stack.extend(reversed(node.children))
            continue
        row, col = node.start_point
        issues.append(SyntaxIssue(path, row + 1, col + 1, what))
    return issues


def _where_it_goes_wrong(error: Node) -> Node:
    """The node to report for an ERROR node: itself, except when it starts the file.

    When tree-sitter cannot fit a file into its grammar (often JavaScript), it may wrap everything from the first
    byte in one ERROR node, whose start (1:1) says nothing. Its children are the valid prefix it could still parse,
    then the first child holding an error: parsing went wrong where that child starts.
    """
    if error.start_byte != 0:
        return error
    for child in error.children:
        if child.has_error or child.is_missing:
            return child
    return error
