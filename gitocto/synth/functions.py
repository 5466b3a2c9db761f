"""Functions extracted with tree-sitter: WaveCoder's raw code candidates, and before/after pairs from bug fixes."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import tree_sitter

from gitocto.code.parsers import get_parser
from gitocto.synth.sources import SourceFile

FUNCTION_NODES = {
    "python": ("function_definition",),
    "javascript": ("function_declaration", "method_definition", "generator_function_declaration"),
    "java": ("method_declaration", "constructor_declaration"),
    "go": ("function_declaration", "method_declaration"),
    "cpp": ("function_definition",),
    "rust": ("function_item",),
}
MIN_LINES = 3
MAX_LINES = 80
# A commit whose subject or message says it fixes something; other changes (refactors, features) are no repairs.
FIX_WORDS = re.compile(
    r"\b(?:fix(?:e[sd]|ing)?|bug(?:s|gy|fix(?:es)?)?|hotfix(?:es)?|repair(?:s|ed|ing)?|correct(?:s|ed|ing|ion)?|"
    r"resolve[sd]?|resolving|patch(?:e[sd]|ing)?|crash(?:e[sd]|ing)?|errors?|fault(?:s|y)?|regression|broken|"
    r"wrong|mistakes?|typos?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Function:
    """One function's source, its name, language and origin; `fixed` is its version after a bug-fix commit."""

    origin: str
    lang: str
    name: str
    code: str
    fixed: str | None = None


def _outermost(node: tree_sitter.Node, kinds: Sequence[str]) -> Iterator[tree_sitter.Node]:
    # Methods inside a captured function are part of it; classes are descended into, so their methods count.
    if node.type in kinds:
        yield node
        return
    for child in node.children:
        yield from _outermost(child, kinds)


def _name(node: tree_sitter.Node, code: str) -> str:
    named = node.child_by_field_name("name")
    if named is None:
        declarator = node.child_by_field_name("declarator")
        named = declarator.child_by_field_name("declarator") if declarator is not None else None
    if named is not None and named.text is not None:
        return named.text.decode("utf-8", "replace")
    return code.splitlines()[0].strip()


def functions_in(text: str, lang: str) -> list[tuple[str, str]]:
    """(name, code) of the outermost functions of `text` with MIN_LINES to MAX_LINES lines."""
    tree = get_parser(lang).parse(text.encode("utf-8"))
    found: list[tuple[str, str]] = []
    for node in _outermost(tree.root_node, FUNCTION_NODES[lang]):
        if node.text is None:
            continue
        # The first line starts at the node; later lines keep the class's indentation: dedent them together.
        code = textwrap.dedent(" " * node.start_point[1] + node.text.decode("utf-8", "replace"))
        if MIN_LINES <= code.count("\n") + 1 <= MAX_LINES:
            found.append((_name(node, code), code))
    return found


def looks_like_fix(message: str) -> bool:
    """Whether a commit's subject/message says it fixes a bug (fix, bug, repair, correct, crash, error, ...)."""
    return FIX_WORDS.search(message) is not None


def extract_functions(files: Sequence[SourceFile], fixes_only: bool = False) -> list[Function]:
    """Every function of `files`; for a file changed by a commit that looks like a fix, changed functions carry
    their fixed version.

    With `fixes_only`, only functions changed by such a commit are returned, each as (before, after): real repairs.
    """
    result: list[Function] = []
    for source in files:
        after = functions_in(source.text, source.lang)
        if source.before is not None and looks_like_fix(source.message):
            before = dict(functions_in(source.before, source.lang))
            for name, code in after:
                old = before.get(name)
                if old is not None and old != code:
                    result.append(Function(source.origin, source.lang, name, old, fixed=code))
                elif not fixes_only:
                    result.append(Function(source.origin, source.lang, name, code))
        elif not fixes_only:
            result.extend(Function(source.origin, source.lang, name, code) for name, code in after)
    return result
