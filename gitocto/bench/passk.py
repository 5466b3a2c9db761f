"""pass@k with the unbiased estimator of Chen et al. (2021), reported only for k every problem can support."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

REPORTED_K = (1, 10, 100)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c of them correct) passes: 1 - C(n-c,k)/C(n,k)."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, not {n}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_pass_at_k(samples: Sequence[tuple[int, int]], ks: Sequence[int] = REPORTED_K) -> dict[str, float]:
    """Mean pass@k over problems given (n, c) per problem, for each k no larger than the smallest n."""
    if not samples:
        return {}
    least = min(n for n, _ in samples)
    return {f"pass@{k}": float(np.mean([pass_at_k(n, c, k) for n, c in samples])) for k in ks if k <= least}
