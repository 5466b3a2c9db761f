"""A Ray session for one command: the embedded local Ray when no address is given, or a running cluster."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from gitocto.errors import OctoError


@contextmanager
def ray_session(address: str | None, workers: int) -> Iterator[None]:
    """Connect to Ray at `address`, or start a local Ray with `workers` CPUs; shut down only what was started here."""
    try:
        import ray
    except ImportError:
        raise OctoError("the ray engine needs Ray: pip install 'gitocto[scale]'") from None
    if ray.is_initialized():
        yield
        return
    # Usage reporting would try the network at startup; nothing here reaches it and it costs time.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        if address is None:
            ray.init(
                num_cpus=max(1, workers),
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError… for an unusable address
        where = f" at {address}" if address else ""
        raise OctoError(f"cannot start or reach Ray{where}: {type(exc).__name__}: {exc}") from None
    try:
        yield
    finally:
        ray.shutdown()


def cluster_cpus() -> int:
    """CPUs in the connected Ray cluster (at least 1)."""
    import ray

    resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
    return max(1, int(resources.get("CPU", 1)))
