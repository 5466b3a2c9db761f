"""Parsers for teacher responses: bracketed sections, fenced code, and the discriminator's checklist.

A parse returns either the parts or the reason the response is dropped; the reasons are counted in the run report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_FENCE = re.compile(r"^[ \t]*```", re.MULTILINE)
_BLOCK = re.compile(r"```[^\n`]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
_VERDICT = re.compile(r"^\s*\**\s*(\d+)\s*[.):]\s*\**\s*(yes|no)\b\W*(.*)$", re.IGNORECASE)
_OVERALL = re.compile(r"^\s*\**\s*overall\s*\**\s*[:\-]?\s*\**\s*(yes|no)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Parsed:
    """The named sections of a response (stripped), or why it was rejected."""

    sections: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when every required section was found, in order and non-empty."""
        return self.error is None


def _header(name: str) -> re.Pattern[str]:
    # Teachers decorate headers: "### [Solution]", "**[Solution]**", "[Solution]:".
    return re.compile(rf"^[ \t#*]*\[{re.escape(name)}\][ \t*:]*", re.IGNORECASE | re.MULTILINE)


CUT_OFF = "cut off by the length limit"


def looks_cut_off(text: str) -> bool:
    """True when a code fence is left open: what a reply stopped by the length limit usually looks like."""
    return len(_FENCE.findall(text)) % 2 == 1


def parse_sections(
    text: str, required: Sequence[str], optional: Sequence[str] = (), finish_reason: str | None = None
) -> Parsed:
    """Split `text` at `[Name]` headers; the required ones must all be present, in this order, and non-empty."""
    if finish_reason == "length" or looks_cut_off(text):
        return Parsed(error=CUT_OFF)
    order = [*required, *optional]
    found: list[tuple[int, int, str]] = []
    for name in order:
        match = _header(name).search(text)
        if match is None:
            if name in required:
                return Parsed(error=f"no [{name}] section")
            continue
        found.append((match.start(), match.end(), name))
    positions = [start for start, _, _ in found]
    if positions != sorted(positions):
        return Parsed(error="sections out of order")
    sections: dict[str, str] = {}
    for i, (_, end, name) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(text)
        body = text[end:stop].strip()
        if not body and name in required:
            return Parsed(error=f"empty [{name}] section")
        if body:
            sections[name] = body
    return Parsed(sections)


def parse_problem_solution(text: str, finish_reason: str | None = None) -> Parsed:
    """Magicoder's `parse_problem_solution`: the first lines naming `[problem description]` and `[solution]`
    (any case, anywhere in the line) split the reply; a reply that did not stop by itself is dropped."""
    if finish_reason not in (None, "stop"):
        return Parsed(error=CUT_OFF)
    lines = text.splitlines(keepends=True)
    problem_at = next((i for i, line in enumerate(lines) if "[problem description]" in line.lower()), None)
    solution_at = next((i for i, line in enumerate(lines) if "[solution]" in line.lower()), None)
    if problem_at is None:
        return Parsed(error="no [Problem Description] section")
    if solution_at is None:
        return Parsed(error="no [Solution] section")
    if problem_at >= solution_at:
        return Parsed(error="sections out of order")
    problem = "".join(lines[problem_at + 1 : solution_at]).strip()
    solution = "".join(lines[solution_at + 1 :]).strip()
    if not problem or not solution:
        return Parsed(error=f"empty [{'Problem Description' if not problem else 'Solution'}] section")
    return Parsed({"Problem Description": problem, "Solution": solution})


def code_block(text: str) -> str:
    """The first fenced code block of `text`, or the whole text when it has no fence."""
    match = _BLOCK.search(text)
    return (match.group(1) if match else text).strip("\n")


def drop_reason(error: str, what: str = "reply") -> str:
    """The counted reason for a reply that failed to parse: a cut-off reply is its own reason, not malformed."""
    return f"{what} {error}" if error == CUT_OFF else f"malformed {what}: {error}"


@dataclass(frozen=True)
class Verdict:
    """The discriminator's answer: overall yes/no and the reasons given for each `no`."""

    accepted: bool
    reasons: tuple[str, ...]


def parse_verdict(text: str, questions: Sequence[str]) -> Verdict | None:
    """Read `N. yes|no reason` lines and `Overall: yes|no`; None when there is no overall answer.

    A `no` to any question overrides an overall `yes`: the checklist is the point of the discriminator.
    """
    overall: bool | None = None
    reasons: list[str] = []
    for line in text.splitlines():
        m = _OVERALL.match(line)
        if m:
            overall = m.group(1).lower() == "yes"
            continue
        m = _VERDICT.match(line)
        if m and m.group(2).lower() == "no":
            number = int(m.group(1))
            question = questions[number - 1] if 0 < number <= len(questions) else f"question {number}"
            reason = m.group(3).strip(" -–:")
            reasons.append(f"{question} no" + (f": {reason}" if reason else ""))
    if overall is None:
        return None
    return Verdict(overall and not reasons, tuple(reasons))
