"""NNGen (Liu et al., ASE 2018): reuse the subject of the past commit whose diff is nearest the new one.

The k nearest diffs by cosine similarity of their token bags are re-ranked by BLEU between the diffs, and the
best one's subject is the suggestion.
"""

from __future__ import annotations

from collections.abc import Callable

from gitocto.msg.bleu import sentence_bleu_tokens
from gitocto.msg.index import Hit, NNIndex
from gitocto.msg.tokens import DiffTokens

TOP_K = 5


def nearest(index: NNIndex, query: DiffTokens, allowed: Callable[[str], bool] | None = None) -> Hit | None:
    """The past commit NNGen picks for `query`, or None when no past diff shares a token with it."""
    hits = [h for h in index.search(query, TOP_K, allowed) if h.score > 0]
    if not hits:
        return None
    # max() keeps the first of equal BLEU scores, i.e. the one with the higher cosine.
    return max(hits, key=lambda h: sentence_bleu_tokens(h.segment.sequence(h.doc), query.sequence))


def suggest_subject(index: NNIndex, query: DiffTokens, allowed: Callable[[str], bool] | None = None) -> str | None:
    """The subject NNGen suggests for `query`, or None."""
    hit = nearest(index, query, allowed)
    return hit.segment.subject(hit.doc) if hit else None
