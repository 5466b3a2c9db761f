"""pass@k: the unbiased estimator against its definition, and only the k every problem supports."""

from __future__ import annotations

from math import comb

import pytest

from gitocto.bench.passk import mean_pass_at_k, pass_at_k


@pytest.mark.parametrize(("n", "c", "k"), [(1, 0, 1), (1, 1, 1), (10, 3, 1), (10, 3, 5), (20, 1, 10), (20, 19, 10)])
def test_pass_at_k_is_one_minus_the_chance_that_k_draws_all_fail(n: int, c: int, k: int) -> None:
    expected = 1 - comb(n - c, k) / comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_one_is_the_fraction_correct() -> None:
    assert pass_at_k(20, 7, 1) == pytest.approx(7 / 20)


def test_k_above_n_is_refused() -> None:
    with pytest.raises(ValueError):
        pass_at_k(5, 1, 10)


def test_only_k_that_every_problem_supports_are_reported() -> None:
    scores = mean_pass_at_k([(20, 10), (10, 0)])
    assert set(scores) == {"pass@1", "pass@10"}
    assert scores["pass@1"] == pytest.approx((0.5 + 0.0) / 2)
    assert set(mean_pass_at_k([(1, 1), (1, 0)])) == {"pass@1"}
    assert mean_pass_at_k([]) == {}
