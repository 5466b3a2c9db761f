"""Repairs from a model backend, asked for in the OctoCoder "Fix bugs in ..." form and shown as a diff."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from gitocto.backends.base import Backend, SamplingParams

MAX_REPAIR_TOKENS = 4096
STOPS = ("\nQuestion:", "<|endoftext|>", "</s>", "<commit_before>")
_FENCE = re.compile(r"```[A-Za-z0-9_+-]*\n(.*?)(?:```|\Z)", re.DOTALL)


def build_prompt(path: str, source: str) -> str:
    """The OctoCoder prompt asking to fix the file at `path`."""
    return f"Question: Fix bugs in {PurePosixPath(path).name}.\n{source}\n\nAnswer:\n"


def extract_code(reply: str) -> str:
    """The repaired file out of a reply: the first fenced block if there is one, else the reply itself."""
    match = _FENCE.search(reply)
    code = match.group(1) if match else reply
    return code.strip("\n") + "\n" if code.strip() else ""


@dataclass(frozen=True)
class Repair:
    """The repaired file ('' when the reply had nothing usable), and whether the reply ran out of tokens."""

    code: str
    cut_off: bool
    budget: int


def token_budget(source: str) -> int:
    """New tokens allowed for a repair of `source`: room for the whole file again, and a little more."""
    return min(MAX_REPAIR_TOKENS, max(128, len(source) // 2))


def repair(backend: Backend, path: str, source: str) -> Repair:
    """The model's repaired version of `source`; a reply cut off at the token budget is flagged, never trusted."""
    budget = token_budget(source)
    params = SamplingParams(n=1, temperature=0.0, max_new_tokens=budget, stop=STOPS)
    reply = backend.complete_generations([build_prompt(path, source)], params)[0][0]
    # A fenced block the model closed is whole even if the chatter after it ran out of tokens.
    match = _FENCE.search(reply.text)
    closed = match is not None and match.group(0).endswith("```")
    return Repair(extract_code(reply.text), reply.finish_reason == "length" and not closed, budget)


def unified_diff(path: str, before: str, after: str) -> str:
    """`after` against `before` as a unified diff with git-style a/ and b/ names."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}"
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
