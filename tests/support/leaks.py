"""The probe set: record texts that each leak a HumanEval problem, disguised (reflowed, re-indented, lower-cased,
cut, renamed). The decontamination tests and bench/decontam_bench.py measure recall on it."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path


def reflow(text: str) -> str:
    """The text as one paragraph, wrapped at 37 columns."""
    return textwrap.fill(" ".join(text.split()), width=37)


def reindent(code: str) -> str:
    """The code indented with tabs instead of four spaces."""
    return re.sub(
        r"^( +)", lambda m: "\t" * (len(m.group(1)) // 4) + " " * (len(m.group(1)) % 4), code, flags=re.MULTILINE
    )


def partial(text: str) -> str | None:
    """The middle three fifths of a long text; None for a short one."""
    words = text.split()
    if len(words) < 24:
        return None
    return " ".join(words[len(words) // 5 : len(words) * 4 // 5])


def probes(humanevalpack_dir: Path) -> list[tuple[str, str]]:
    """(category, record text) pairs that all leak a HumanEval problem."""
    out: list[tuple[str, str]] = []
    for line in (humanevalpack_dir / "python.jsonl").read_text().splitlines():
        row = json.loads(line)
        doc, solution, decl = row["docstring"], row["canonical_solution"], row["declaration"]
        out.append(("reflowed", f"Please solve this.\n{reflow(doc)}\nThanks."))
        out.append(("re-indented", f"```python\n{reindent(decl + solution)}```"))
        out.append(("lower-cased", row["prompt"].lower()))
        cut = partial(doc) or partial(solution)
        if cut:
            out.append(("partial", f"Some context first. {cut} And more after."))
        if len(" ".join(solution.split())) < 40:
            out.append(("short", f"```python\n{decl}{solution}```"))
            out.append(("short, renamed", f"def helper(*args):\n{solution}"))
    return out
