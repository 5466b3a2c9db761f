"""An index of benchmark texts that finds leaks by whitespace-normalised substring or by a shared long n-gram.

Rules (documented in README.md, section "git octo decontaminate"):
- substring: a benchmark prompt, docstring or canonical solution of at least MIN_SUBSTRING_CHARS characters
  (after collapsing whitespace) occurs in the record's text, whitespace collapsed the same way. Shorter texts
  (`return a + b`) would match innocent code everywhere, so they are left to the n-gram rule.
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
        return None


def build_index(data_dir: Path | None = None, langs: Sequence[str] | None = None) -> BenchmarkIndex:
    """The index over HumanEvalPack's prompts, docstrings and canonical solutions in all six languages."""
    from gitocto.bench.data import LANGUAGES, load_problems

    texts: list[BenchmarkText] = []
    for lang in langs or LANGUAGES:
        for problem in load_problems(lang, data_dir):
            for field in BENCHMARK_FIELDS:
                value = normalise(str(getattr(problem, field)))
                if value:
                    texts.append(BenchmarkText(problem.task_id, field, value))
    return BenchmarkIndex(texts)
