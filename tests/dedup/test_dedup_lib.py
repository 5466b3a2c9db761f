"""The dedup library: exact by digest, near by MinHash + LSH, clusters kept by their first member."""

from __future__ import annotations

import importlib
import random
import sys

import pytest

from gitocto.dedup.exact import exact_dedup
from gitocto.dedup.minhash import near_dedup, shingle_hashes, signatures
from gitocto.errors import OctoError


def _program(rng: random.Random, n: int = 120) -> str:
    words = ["def", "return", "for", "in", "if", "else", "x", "y", "total", "items", "(", ")", ":", "+", "=", "1"]
    return " ".join(rng.choice(words) + str(rng.randint(0, 50)) for _ in range(n))


def test_exact_dedup_keeps_first_by_key() -> None:
    texts = ["a", "b", "a", "\udcff", "\udcff"]
    records = [{"id": i, "t": t} for i, t in enumerate(texts, start=1)]
    kept, removed = exact_dedup(records, key=lambda r: str(r["t"]))
    assert [r["id"] for r in kept] == [1, 2, 4]
    assert removed == 2


def test_shingles_ignore_whitespace_and_handle_short_texts() -> None:
    assert shingle_hashes("a  b\n\tc", 2).tolist() == shingle_hashes("a b c", 2).tolist()
    assert len(set(shingle_hashes("a b c", 2).tolist())) == 2
    assert shingle_hashes("b a c", 2).tolist() != shingle_hashes("a b c", 2).tolist()
    assert len(shingle_hashes("one two", 5)) == 1
    assert len(shingle_hashes("   ", 5)) == 0


def test_near_dedup_removes_planted_near_copies_and_keeps_the_first() -> None:
    rng = random.Random(7)
    originals = [_program(rng) for _ in range(30)]
    # Near copies: a few tokens changed at the end, and a reformatted copy (same tokens, other whitespace).
    near = originals[4] + " extra1 extra2"
    reformatted = originals[9].replace(" ", "\n  ")
    records = [{"id": i, "t": t} for i, t in enumerate(originals)]
    records += [{"id": 100, "t": near}, {"id": 101, "t": reformatted}, {"id": 102, "t": ""}, {"id": 103, "t": ""}]
    kept, report = near_dedup(records, key=lambda r: str(r["t"]), threshold=0.5)
    ids = [r["id"] for r in kept]
    assert ids == [*range(30), 102, 103]
    assert report.removed == 2
    assert report.clusters == 2
    assert {(e.kept, e.removed) for e in report.examples} == {(4, 30), (9, 31)}
    assert all(e.similarity >= 0.5 for e in report.examples)


def test_near_dedup_threshold_decides() -> None:
    rng = random.Random(3)
    a = _program(rng, 100)
    tokens = a.split()
    # Change every 8th token: well under 0.9 Jaccard on 5-shingles, yet not unrelated.
    b = " ".join(t + "z" if i % 8 == 0 else t for i, t in enumerate(tokens))
    records = [{"t": a}, {"t": b}]
    assert len(near_dedup(records, key=lambda r: str(r["t"]), threshold=0.95)[0]) == 2
    assert len(near_dedup(records, key=lambda r: str(r["t"]), threshold=0.05)[0]) == 1


def test_signatures_are_deterministic_and_seeded() -> None:
    texts = ["alpha beta gamma delta epsilon zeta", "x = 1"]
    first = signatures(texts, num_perm=64, seed=1)
    assert first.shape == (2, 64)
    assert (first == signatures(texts, num_perm=64, seed=1)).all()
    assert not (first == signatures(texts, num_perm=64, seed=2)).all()


def test_near_dedup_rejects_a_bad_threshold() -> None:
    with pytest.raises(ValueError, match="threshold"):
        near_dedup([{"t": "a"}], key=lambda r: str(r["t"]), threshold=1.5)


def test_missing_datasketch_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import gitocto.dedup
    from gitocto.dedup import minhash

    # None in sys.modules makes `import datasketch` raise ImportError, as when the scale extra is not installed.
    monkeypatch.setitem(sys.modules, "datasketch", None)
    monkeypatch.delitem(sys.modules, "gitocto.dedup.minhash")
    monkeypatch.setattr(gitocto.dedup, "minhash", minhash)  # put back the package attribute the import replaces
    fresh = importlib.import_module("gitocto.dedup.minhash")  # importing does not need datasketch
    for module in (fresh, minhash):
        with pytest.raises(OctoError, match=r"^near-dedup needs datasketch: pip install 'gitocto\[scale\]'$"):
            module.near_dedup([{"t": "a b c"}, {"t": "a b c"}], key=lambda r: str(r["t"]))
