"""The last step of every method: decontaminate, exact and near dedup, and write the output from the run state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gitocto.decontam.index import BenchmarkIndex
from gitocto.synth.entry import Sample
from gitocto.synth.state import RunState

NEAR_THRESHOLD = 0.7  # MinHash Jaccard over 5-token shingles of instruction + response
# Every text a sample carries that could hold benchmark text; fields a method does not write are skipped.
CHECKED_FIELDS = ("instruction", "response", "seed", "tests", "input", "instruction_only", "problem")


@dataclass
class Summary:
    """What a run produced: seeds done, samples kept, drops by reason, execution pass rate and tokens."""

    seeds: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    tested: int = 0
    passed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0

    def lines(self) -> list[str]:
        """The report, one line per fact."""
        out = [f"seeds done: {self.seeds}; samples written: {self.kept}"]
        if self.tested:
            out.append(f"execution filter: {self.passed}/{self.tested} passed ({100 * self.passed / self.tested:.1f}%)")
        for reason, count in self.dropped.most_common():
            out.append(f"dropped {count:6d}: {reason}")
        out.append(
            f"teacher: {self.requests} requests this run, {self.prompt_tokens} prompt + "
            f"{self.completion_tokens} completion tokens"
        )
        return out


def _sort_key(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (1 << 62, key)


def finish(
    state: RunState, output: Path, index: BenchmarkIndex | None, near_threshold: float = NEAR_THRESHOLD
) -> Summary:
    """Build the output from every kept entry of `state` (all runs), filtered (decontaminated against `index`
    when given); count every drop by reason."""
    from gitocto.dedup.exact import exact_dedup
    from gitocto.dedup.minhash import near_dedup
    from gitocto.records import write_records

    summary = Summary(seeds=len(state.entries))
    candidates: list[Sample] = []
    for key in sorted(state.entries, key=_sort_key):
        entry = state.entries[key]
        if entry.get("executed"):
            summary.tested += 1
            summary.passed += bool(entry.get("passed"))
        if entry.get("status") == "kept":
            candidates.append(entry["record"])
        else:
            summary.dropped[str(entry.get("reason", "dropped"))] += 1
    if index is not None:
        from gitocto.decontam.command import decontaminate as drop_leaks

        candidates, leaks = drop_leaks(candidates, index, CHECKED_FIELDS)
        for leak in leaks:
            summary.dropped[f"benchmark leak ({leak.hit.rule})"] += 1
    candidates, exact = exact_dedup(candidates, key=lambda r: f"{r['instruction']}\n{r['response']}")
    summary.dropped["exact duplicate"] += exact
    candidates, report = near_dedup(
        candidates, key=lambda r: f"{r['instruction']}\n{r['response']}", threshold=near_threshold
    )
    summary.dropped[f"near duplicate (MinHash Jaccard >= {near_threshold})"] += report.removed
    summary.dropped = Counter({k: v for k, v in summary.dropped.items() if v})
    write_records(output, candidates)
    summary.kept = len(candidates)
    return summary
