"""The differential corpus: canonical and buggy solutions and their mutants (early exits, kills, infinite loops,
wrong types, silenced assertions, missing helpers) in every language, each with the verdict we expect and the one the
reference harness's rules give. Where those two differ the corpus says why (docs/bench.md lists the same)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitocto.bench.data import LANGUAGES, Problem, load_problems
from gitocto.bench.programs import build_program
from gitocto.execution import run_programs

CORPUS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "differential.json").read_text(encoding="utf-8")
)["entries"]


def corpus_program(problem: Problem, entry: dict[str, Any]) -> str:
    """The test program of one corpus entry: `inject` where the body starts, then the dataset's body."""
    base = problem.prompt if entry["base"] == "prompt" else problem.declaration
    body = problem.canonical_solution if entry["body"] == "canonical" else problem.buggy_solution
    return build_program(problem, base + entry["inject"] + body)


def test_the_corpus_covers_every_language_and_explains_every_difference() -> None:
    kinds = {(e["lang"], e["kind"]) for e in CORPUS}
    for lang in LANGUAGES:
        for kind in ("canonical", "buggy", "early_exit", "infinite_loop", "wrong_type"):
            assert (lang, kind) in kinds, (lang, kind)
    for entry in CORPUS:
        differs = (entry["ours"] == "passed") != (entry["reference"] == "passed")
        assert not differs or entry.get("note"), entry
        # We differ from the reference only by failing what only passed by skipping its tests, or by passing a
        # correct program the reference fails for reasons that are not the model's.
        if differs and entry["ours"] == "passed":
            assert entry["body"] == "canonical" and not entry["inject"], entry


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_verdicts_match_the_checked_in_corpus(lang: str, humanevalpack_dir: Path) -> None:
    problems = {p.task_id: p for p in load_problems(lang, humanevalpack_dir)}
    entries = [e for e in CORPUS if e["lang"] == lang]
    got: dict[int, str] = {}
    for timeout in sorted({e.get("timeout") for e in entries}, key=lambda t: t or 0):
        group = [i for i, e in enumerate(entries) if e.get("timeout") == timeout]
        jobs = [(lang, corpus_program(problems[entries[i]["task_id"]], entries[i])) for i in group]
        for i, result in zip(group, run_programs(jobs, workers=2, timeout=timeout), strict=True):
            got[i] = result.status
    wrong = [(e["task_id"], e["kind"], e["ours"], got[i]) for i, e in enumerate(entries) if got[i] != e["ours"]]
    assert not wrong, wrong
