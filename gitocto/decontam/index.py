"""An index of benchmark texts that finds leaks by whitespace-normalised substring or by a shared long n-gram.

Rules (documented in README.md, section "git octo decontaminate"):
- substring: a benchmark prompt, docstring or canonical solution of at least MIN_SUBSTRING_CHARS characters
  (after collapsing whitespace) occurs in the record's text, whitespace collapsed the same way. A shorter text
  (`return x + y`) alone would match innocent code everywhere: it counts only when the same field also names
  the problem's entry point (`add`, as a whole word) within ENTRY_POINT_WINDOW characters of it, i.e. the same
  function with the same body (a whole file that defines some `add` far from a `return x + y` does not count).
- n-gram: the record shares a run of NGRAM consecutive word tokens (`\\w+`, case kept) with one of those texts.
  N-grams found in two or more distinct problems are boilerplate (Java's
  `import java.util.*; import java.lang.*; class Solution`), not a leak, and are ignored; so are n-grams of
  fewer than MIN_NGRAM_CHARS word characters (`a b c d e f g h i j`, `0 1 2 3 4 5 6 7 8 9`), found everywhere.
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
BENCHMARK_FIELDS = ("prompt", "docstring", "canonical_solution")

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return _SPACE.sub(" ", text).strip()


def word_ngrams(text: str, n: int = NGRAM) -> Iterator[tuple[str, ...]]:
    """Every run of `n` consecutive word tokens of `text`."""
    words = _WORD.findall(text)
    for i in range(len(words) - n + 1):
        yield tuple(words[i : i + n])


@dataclass(frozen=True)
class BenchmarkText:
    """One benchmark text: where it comes from and its normalised form."""

    task_id: str
    field: str
    text: str
    entry_point: str = ""  # the function the problem defines: what a short text needs beside it to count


@dataclass(frozen=True)
class Hit:
    """Why a text is contaminated: the rule, the benchmark task and field it matched, and what matched."""

    rule: str  # "substring" | "ngram"
    task_id: str
    field: str
    match: str


def _problem_number(task_id: str) -> str:
    # "Python/12", "JavaScript/12" and "CPP/12" are one problem in six languages.
    return task_id.rsplit("/", 1)[-1]


class BenchmarkIndex:
    """Benchmark texts held for substring search, and their n-grams mapped back to the text they come from."""

    def __init__(self, texts: Sequence[BenchmarkText], n: int = NGRAM) -> None:
        self.n = n
        self.long_texts = [t for t in texts if len(t.text) >= MIN_SUBSTRING_CHARS]
        self.short_texts = [
            (t, re.compile(rf"(?<!\w){re.escape(t.entry_point)}(?!\w)"))
            for t in texts
            if len(t.text) < MIN_SUBSTRING_CHARS and t.entry_point
        ]
        owners: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, text in enumerate(texts):
            for gram in set(word_ngrams(text.text, n)):
                if sum(map(len, gram)) >= MIN_NGRAM_CHARS:
                    owners[gram].append(i)
        self.ngrams: dict[tuple[str, ...], BenchmarkText] = {}
        for gram, where in owners.items():
            problems = {_problem_number(texts[i].task_id) for i in where}
            if len(problems) < MAX_SHARED_PROBLEMS:
                self.ngrams[gram] = texts[where[0]]
        self.size = len(texts)

    def find(self, text: str) -> Hit | None:
        """The first leak found in `text`, or None when it is clean."""
        flat = normalise(text)
        if not flat:
            return None
        for gram in word_ngrams(flat, self.n):
            source = self.ngrams.get(gram)
            if source is not None:
                return Hit("ngram", source.task_id, source.field, " ".join(gram))
        # Every long benchmark text has a full n-gram, so only texts sharing one could contain it: the n-gram pass
        # above already caught those; the substring pass still covers texts whose n-grams were all boilerplate.
        for bench in self.long_texts:
            if bench.text in flat:
                return Hit("substring", bench.task_id, bench.field, bench.text[:80])
        for bench, entry_point in self.short_texts:
            if _near_entry_point(flat, bench.text, entry_point):
                return Hit("substring", bench.task_id, bench.field, bench.text)
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
    """The index over HumanEvalPack's prompts, docstrings and canonical solutions in all six languages."""
    from gitocto.bench.data import LANGUAGES, load_problems

    texts: list[BenchmarkText] = []
    for lang in langs or LANGUAGES:
        for problem in load_problems(lang, data_dir):
            for field in BENCHMARK_FIELDS:
                value = normalise(str(getattr(problem, field)))
                if value:
                    texts.append(BenchmarkText(problem.task_id, field, value, problem.entry_point))
    return BenchmarkIndex(texts)
