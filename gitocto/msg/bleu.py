"""Sentence BLEU as the commit-message literature computes it ("B-Norm", Tao et al. ICSE 2021).

B-Norm is the smoothed sentence BLEU-4 of the `bleu.py` script used by NNGen and CodeXGLUE: text lower-cased and
split around punctuation, +1 smoothing for 2- to 4-gram precisions (Lin & Och 2004), and a brevity penalty of
min(0, 1 - (r + 1) / (c + 1)) in log space.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Sequence

_NORMALIZE = [
    (re.compile(r"<skipped>"), ""),
    (re.compile(r"-\n"), ""),
    (re.compile(r"\n"), " "),
]
_TOKENIZE = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
]


def normalize(text: str) -> list[str]:
    """Lower-case and split `text` into words and punctuation, as the B-Norm script does."""
    for pattern, repl in _NORMALIZE:
        text = pattern.sub(repl, text)
    text = text.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = f" {text} ".lower()
    for pattern, repl in _TOKENIZE:
        text = pattern.sub(repl, text)
    return text.split()


def _ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def sentence_bleu_tokens(reference: Sequence[str], hypothesis: Sequence[str], n: int = 4) -> float:
    """Smoothed sentence BLEU-n of token lists, in [0, 1]."""
    if not hypothesis:
        return 0.0
    log_bleu = 0.0
    tiny = sys.float_info.min
    for k in range(1, n + 1):
        hyp, ref = _ngrams(hypothesis, k), _ngrams(reference, k)
        guess = max(len(hypothesis) - k + 1, 0)
        correct = sum(min(c, ref[g]) for g, c in hyp.items())
        smooth = 1 if k > 1 else 0
        log_bleu += math.log(correct + smooth + tiny) - math.log(guess + smooth + tiny)
    log_bleu /= n
    brevity = min(0.0, 1 - (len(reference) + 1) / (len(hypothesis) + 1))
    return math.exp(log_bleu + brevity)


def bnorm(reference: str, hypothesis: str) -> float:
    """B-Norm sentence BLEU of two commit messages, in [0, 100]."""
    return 100.0 * sentence_bleu_tokens(normalize(reference), normalize(hypothesis))
