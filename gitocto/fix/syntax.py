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
        elif node.is_error and not _covers_a_prefix(node):
            what = "syntax error"
        else:
            if node.has_error or node.is_error:
                stack.extend(reversed(node.children))
            continue
        row, col = node.start_point
        issues.append(SyntaxIssue(path, row + 1, col + 1, what))
    if not issues:  # an error node at the top whose inner errors were all descended into and none found
        row, col = _first_error(tree.root_node).start_point
        issues.append(SyntaxIssue(path, row + 1, col + 1, "syntax error"))
    return issues


def _first_error(node: Node) -> Node:
    for child in node.children:
        if child.is_error or child.is_missing or child.has_error:
            return child if child.is_error or child.is_missing else _first_error(child)
    return node


def _covers_a_prefix(node: Node) -> bool:
    """An error node that starts the file and holds the real errors deeper down.

    When tree-sitter cannot fit a file into its grammar (often JavaScript), it may wrap everything from the first
    byte in one ERROR node, whose start (1:1) says nothing; the errors inside it are where parsing went wrong.
    """
    return node.start_byte == 0 and any(child.has_error for child in node.children)
