"""k-center greedy against brute force on small sets, and the shipped embedding model loaded offline."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gitocto.synth.coreset import covering_radius, embed, k_center_greedy


def naive_greedy(points: np.ndarray, k: int, first: int) -> list[int]:
    """The same greedy rule written out with plain loops."""
    chosen = [first]
    while len(chosen) < k:
        best, best_d = -1, -1.0
        for i in range(len(points)):
            d = min(float(np.linalg.norm(points[i] - points[c])) for c in chosen)
            if d > best_d:
                best, best_d = i, d
        chosen.append(best)
    return chosen


def optimal_radius(points: np.ndarray, k: int) -> float:
    """The best covering radius over every k-subset of centers."""
    return min(covering_radius(points, list(c)) for c in itertools.combinations(range(len(points)), k))


@pytest.mark.parametrize("seed", range(6))
def test_greedy_matches_the_naive_rule_and_is_within_twice_optimal(seed: int) -> None:
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(10, 3))
    for k in (1, 2, 3, 4):
        centers = k_center_greedy(points, k, first=seed % 10)
        assert centers == naive_greedy(points, k, first=seed % 10)
        assert len(set(centers)) == k
        assert covering_radius(points, centers) <= 2 * optimal_radius(points, k) + 1e-9


def test_clustered_points_get_one_center_per_cluster() -> None:
    rng = np.random.default_rng(0)
    means = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    points = np.concatenate([m + rng.normal(scale=0.1, size=(5, 2)) for m in means])
    centers = k_center_greedy(points, 4)
    assert sorted(c // 5 for c in centers) == [0, 1, 2, 3]


def test_duplicates_and_k_larger_than_n() -> None:
    points = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    assert k_center_greedy(points, 3) == [0, 2, 1]
    assert k_center_greedy(points, 10) == [0, 2, 1]
    assert k_center_greedy(points, 0) == []


@pytest.mark.slow
def test_shipped_embedding_model_loads_offline_and_ranks_similar_code_closer() -> None:
    texts = [
        "def add(a, b):\n    return a + b",
        "def plus(x, y):\n    return x + y",
        "SELECT name FROM users WHERE id = 1",
    ]
    vectors = embed(texts)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
