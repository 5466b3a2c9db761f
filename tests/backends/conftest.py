"""Fixtures for the backend tests: one hf backend and one real `git octo serve`, shared by all of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gitocto.backends.hf import HFBackend


@pytest.fixture(scope="session")
def hf_backend(tiny_model_dir: Path) -> HFBackend:
    """The tiny model loaded once, on CPU."""
    return HFBackend(str(tiny_model_dir), device="cpu", batch_size=4)


@pytest.fixture(scope="session")
def served_url(tiny_model_dir: Path) -> Iterator[str]:
    """The base URL (…/v1) of a real `git octo serve` over the tiny model, started once."""
    from tests.support.octo_server import running_server

    with running_server(tiny_model_dir) as url:
        yield url


@pytest.fixture(scope="session")
def limited_url(tiny_model_dir: Path) -> Iterator[str]:
    """A second real server with small limits and its own served model name (see LIMITED_OPTIONS)."""
    from tests.support.octo_server import running_server

    with running_server(tiny_model_dir, extra_args=LIMITED_OPTIONS) as url:
        yield url


LIMITED_OPTIONS = ("--served-model-name", "octo-tiny", "--max-tokens-limit", "12", "--max-request-bytes", "4096")
