"""Repairs from a model backend, asked for in the OctoCoder "Fix bugs in ..." form and shown as a diff."""

from __future__ import annotations

import difflib
import re
from pathlib import PurePosixPath

from gitocto.backends.base import Backend, SamplingParams

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


def repair(backend: Backend, path: str, source: str) -> str:
    """The model's repaired version of `source` ('' when it gave nothing usable)."""
    # Room for the whole file again, and a little more.
    budget = min(4096, max(128, len(source) // 2))
    params = SamplingParams(n=1, temperature=0.0, max_new_tokens=budget, stop=STOPS)
    return extract_code(backend.complete([build_prompt(path, source)], params)[0][0])


def unified_diff(path: str, before: str, after: str) -> str:
    """`after` against `before` as a unified diff with git-style a/ and b/ names."""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
