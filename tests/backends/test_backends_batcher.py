"""The serve batcher: concurrent requests share batches, and one bad request fails only itself."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from gitocto.backends.base import SamplingParams
from gitocto.backends.batcher import Batcher
from gitocto.backends.hf import HFBackend
from gitocto.errors import OctoError

PARAMS = SamplingParams(max_new_tokens=6)


def test_concurrent_requests_get_their_own_rows(hf_backend: HFBackend) -> None:
    batcher = Batcher(hf_backend)
    prompts = [["def add("], ["fn add(", "func Add("], ["Fix typo in"], ["function add("]]
    alone = [hf_backend.generate(p, PARAMS) for p in prompts]
    with ThreadPoolExecutor(len(prompts)) as pool:
        together = list(pool.map(lambda p: batcher.generate(p, PARAMS), prompts))
    assert [[[g.text for g in row] for row in r] for r in together] == [
        [[g.text for g in row] for row in r] for r in alone
    ]


def test_a_failing_request_fails_alone(hf_backend: HFBackend) -> None:
    batcher = Batcher(hf_backend)
    start = threading.Barrier(4)

    def request(prompt: str) -> str:
        start.wait()
        return batcher.generate([prompt], PARAMS)[0][0].text

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(request, p) for p in ["def add(", "", "fn add(", "def add("]]
    assert futures[0].result() == futures[3].result()
    assert futures[2].result() == hf_backend.complete(["fn add("], PARAMS)[0][0]
    with pytest.raises(OctoError, match="empty prompt"):
        futures[1].result()
