"""OSS-Instruct seeds: runs of 1 to 15 consecutive lines of source files, the same for one `--seed` on every run."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from gitocto.synth.sources import SourceFile

MIN_LINES = 1
MAX_LINES = 15


@dataclass(frozen=True)
class Seed:
    """One snippet: its position in the run (resume key), language, origin and text."""

    index: int
    lang: str
    origin: str
    text: str


def sample_seed(files: Sequence[SourceFile], index: int, seed: int) -> Seed:
    """Seed number `index`: a language at random, a file of it, then a run of 1 to 15 non-blank-only lines.

    Each index has its own random stream, so seed `index` is the same whatever else was sampled before it:
    a resumed run asks only for the indices it has not done yet and gets the same seeds.
    """
    rng = random.Random(f"{seed}:{index}")
    by_lang: dict[str, list[SourceFile]] = defaultdict(list)
    for f in files:
        by_lang[f.lang].append(f)
    langs = sorted(by_lang)
    for _ in range(100):
        lang = rng.choice(langs)
        source = rng.choice(by_lang[lang])
        lines = source.text.splitlines()
        if not lines:
            continue
        length = rng.randint(MIN_LINES, MAX_LINES)
        start = rng.randrange(max(1, len(lines) - length + 1))
        snippet = "\n".join(lines[start : start + length])
        if snippet.strip():
            return Seed(index, lang, f"{source.origin}:{start + 1}", snippet)
    # Only files of blank lines: give the first non-empty text whole rather than loop forever.
    source = next(f for f in files if f.text.strip())
    return Seed(index, source.lang, source.origin, source.text)


def magicoder_seed(files: Sequence[SourceFile], index: int, seed: int) -> Seed:
    """Seed number `index` as Magicoder's `extract_seed_code` draws it: a start line uniform over the whole file,
    then 1 to 15 lines from there, cut short at the end of the file (lines keep their endings; blank ones too).

    Magicoder draws one snippet per starcoderdata document; here a language and then a file are drawn first, as
    for our recipe, so the two differ only in the window.
    """
    rng = random.Random(f"magicoder:{seed}:{index}")
    by_lang: dict[str, list[SourceFile]] = defaultdict(list)
    for f in files:
        if f.text:
            by_lang[f.lang].append(f)
    lang = rng.choice(sorted(by_lang))
    source = rng.choice(by_lang[lang])
    lines = source.text.splitlines(keepends=True)
    start = rng.randrange(len(lines))
    length = rng.randint(MIN_LINES, MAX_LINES)
    return Seed(index, lang, f"{source.origin}:{start + 1}", "".join(lines[start : start + length]))
