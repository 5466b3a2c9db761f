"""An index of benchmark texts that finds leaks by substring (case-insensitive, whitespace-normalised), by a shared
long n-gram, and finds short texts where they stand as a unit.

Rules (docs/synth.md, "Decontamination"):
- substring: a benchmark text of at least MIN_SUBSTRING_CHARS characters occurs in the record's text, both
  lower-cased with every whitespace run collapsed to one space. This contains Magicoder's rule (a case-insensitive
  substring of the raw text) and also catches reflowed and re-indented copies.
- n-gram: the record shares a run of NGRAM consecutive word tokens (`\\w+`, lower-cased) with a benchmark text.
  N-grams found in two or more distinct problems are boilerplate (Java's `import java.util.*; import java.lang.*;
  class Solution`), not a leak, and are ignored; so are n-grams of fewer than MIN_NGRAM_CHARS word characters
  (`a b c d e f g h i j`, `0 1 2 3 4 5 6 7 8 9`), found everywhere.
- short texts (`return x + y`) would match innocent code everywhere. A distinctive one (at least
  MIN_DISTINCT_CHARS non-space characters and MIN_DISTINCT_WORDS distinct words besides `return`) counts beside
  the problem's entry point (a whole word within ENTRY_POINT_WINDOW characters), or, when it is code (a solution,
  not a docstring), where it stands as a whole unit: the whole field, a whole fenced code block, or the whole body
  of a block (the lines indented under a line ending in `:` or `{`). A common one-liner (`return x + y`,
  `return len(string)`) counts only after the benchmark's own declaration; a short docstring only beside its
  entry point.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

NGRAM = 10
MIN_SUBSTRING_CHARS = 40
ENTRY_POINT_WINDOW = 120  # planted HumanEvalPack solutions have their entry point at most 48 characters away
MAX_SHARED_PROBLEMS = 2
MIN_NGRAM_CHARS = 35
MIN_DISTINCT_CHARS = 20
MIN_DISTINCT_WORDS = 3
BENCHMARK_FIELDS = ("prompt", "docstring", "canonical_solution")
# Fields holding code: only a short *code* text counts as a whole unit (a short docstring alone is a sentence).
CODE_FIELDS = ("canonical_solution", "code", "reference_code")

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_FENCED = re.compile(r"```[^\n`]*\n(.*?)```", re.DOTALL)


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return _SPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """The form every rule compares: lower-cased, whitespace-normalised."""
    return normalise(text).lower()


def word_ngrams(text: str, n: int = NGRAM) -> Iterator[tuple[str, ...]]:
    """Every run of `n` consecutive word tokens of `text`."""
    words = _WORD.findall(text)
    for i in range(len(words) - n + 1):
        yield tuple(words[i : i + n])


def distinctive(text: str) -> bool:
    """Whether a short text is specific enough to count as a leak where it stands as a unit."""
    words = {w for w in _WORD.findall(text.lower()) if w != "return"}
    return len(text.replace(" ", "")) >= MIN_DISTINCT_CHARS and len(words) >= MIN_DISTINCT_WORDS


def units(text: str) -> Iterator[str]:
    """The folded whole units of `text`: itself, each fenced code block, and each indented block body."""
    yield fold(text)
    for block in _FENCED.findall(text):
        yield fold(block)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        head = line.rstrip()
        if not head.endswith((":", "{")):
            continue
        indent = len(head) - len(head.lstrip())
        body: list[str] = []
        for nxt in lines[i + 1 :]:
            if not nxt.strip():
                continue
            if len(nxt) - len(nxt.lstrip()) <= indent:
                break
            body.append(nxt)
        if body:
            yield fold("\n".join(body))


@dataclass(frozen=True)
class BenchmarkText:
    """One benchmark text: where it comes from and its folded form (see `fold`)."""

    task_id: str
    field: str
    text: str
    entry_point: str = ""  # the function the problem defines: what a short text needs beside it to count
    problem: str = ""  # one key for a problem across languages (HumanEvalPack's "Python/12" and "CPP/12")
    declared: str = ""  # a solution after its declaration: what a common one-liner must appear as to count

    @property
    def group(self) -> str:
        """The problem this text belongs to: n-grams of two or more problems are boilerplate."""
        return self.problem or self.task_id


@dataclass(frozen=True)
class Hit:
    """Why a text is contaminated: the rule, the benchmark task and field it matched, and what matched."""

    rule: str  # "substring" | "ngram" | "unit"
    task_id: str
    field: str
    match: str


class BenchmarkIndex:
    """Benchmark texts held for substring search, and their n-grams mapped back to the text they come from."""

    def __init__(self, texts: Sequence[BenchmarkText], n: int = NGRAM, names: Sequence[str] = ()) -> None:
        self.n = n
        self.names = tuple(names)
        texts = [
            BenchmarkText(t.task_id, t.field, fold(t.text), t.entry_point, t.problem, fold(t.declared)) for t in texts
        ]
        texts = [t for t in texts if t.text]
        owners: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, text in enumerate(texts):
            for gram in set(word_ngrams(text.text, n)):
                if sum(map(len, gram)) >= MIN_NGRAM_CHARS:
                    owners[gram].append(i)
        self.ngrams: dict[tuple[str, ...], BenchmarkText] = {}
        for gram, where in owners.items():
            if len({texts[i].group for i in where}) < MAX_SHARED_PROBLEMS:
                self.ngrams[gram] = texts[where[0]]
        long_texts = [t for t in texts if len(t.text) >= MIN_SUBSTRING_CHARS]
        # A long text with an indexed n-gram away from its ends is found by the n-gram pass whenever it is a
        # substring (its end words may be cut mid-word); only the others need the slower substring scan.
        self.long_texts = [t for t in long_texts if not self._has_inner_ngram(t.text)]
        self.short_texts = [
            (t, re.compile(rf"(?<!\w){re.escape(t.entry_point.lower())}(?!\w)"))
            for t in texts
            if len(t.text) < MIN_SUBSTRING_CHARS and t.entry_point
        ]
        self.unit_texts: dict[str, BenchmarkText] = {}
        for t in texts:
            if len(t.text) < MIN_SUBSTRING_CHARS and t.field in CODE_FIELDS and distinctive(t.text):
                self.unit_texts.setdefault(t.text, t)
        self.size = len(texts)

    def _has_inner_ngram(self, text: str) -> bool:
        words = _WORD.findall(text)[1:-1]
        return any(tuple(words[i : i + self.n]) in self.ngrams for i in range(len(words) - self.n + 1))

    def find(self, text: str) -> Hit | None:
        """The first leak found in `text`, or None when it is clean."""
        flat = fold(text)
        if not flat:
            return None
        for gram in word_ngrams(flat, self.n):
            source = self.ngrams.get(gram)
            if source is not None:
                return Hit("ngram", source.task_id, source.field, " ".join(gram))
        for bench in self.long_texts:
            if bench.text in flat:
                return Hit("substring", bench.task_id, bench.field, bench.text[:80])
        for bench, entry_point in self.short_texts:
            if bench.declared and not distinctive(bench.text):
                # `def add(x, y): return x + y` is everywhere; HumanEval/53 is that body under its own declaration.
                if bench.declared in flat:
                    return Hit("substring", bench.task_id, bench.field, bench.declared)
            elif _near_entry_point(flat, bench.text, entry_point):
                return Hit("substring", bench.task_id, bench.field, bench.text)
        if self.unit_texts:
            for unit in units(text):
                bench_text = self.unit_texts.get(unit)
                if bench_text is not None:
                    return Hit("unit", bench_text.task_id, bench_text.field, bench_text.text)
        return None


def _near_entry_point(flat: str, text: str, entry_point: re.Pattern[str]) -> bool:
    """Whether `text` occurs in `flat` with the entry point named within ENTRY_POINT_WINDOW characters of it."""
    start = flat.find(text)
    while start != -1:
        around = flat[max(0, start - ENTRY_POINT_WINDOW) : start + len(text) + ENTRY_POINT_WINDOW]
        if entry_point.search(around):
            return True
        start = flat.find(text, start + 1)
    return False


def build_index(data_dir: Path | None = None, langs: Sequence[str] | None = None) -> BenchmarkIndex:
    """The index over HumanEvalPack alone (prompts, docstrings and canonical solutions in all six languages)."""
    from gitocto.decontam.benchmarks import humanevalpack_texts

    return BenchmarkIndex(humanevalpack_texts(data_dir, langs), names=("humanevalpack",))
