"""Syntax errors in source files, found by tree-sitter, reported as file:line:column."""

from __future__ import annotations

from dataclasses import dataclass

from gitocto.code.parsers import get_parser, language_for_path

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
    """Syntax errors in `source` (named `path`, whose suffix picks the grammar); [] for unknown languages."""
    language = language_for_path(path)
    if language is None:
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
        else:
            if node.has_error:
                stack.extend(reversed(node.children))
            continue
        row, col = node.start_point
        issues.append(SyntaxIssue(path, row + 1, col + 1, what))
    return issues
