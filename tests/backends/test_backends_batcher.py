"""The serve batcher: shared batches, turns that let short requests overtake long ones, cancellation, limits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from gitocto.backends.base import SamplingParams
from gitocto.backends.batcher import Batcher, Cancelled
from gitocto.backends.hf import HFBackend, StepRow
from gitocto.errors import OctoError
from tests.support.waiting import wait_until

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


def test_turns_give_the_same_text_as_one_generation(hf_backend: HFBackend) -> None:
    # In turns of 3 tokens each sequence is read again each turn; greedy text must not change.
    prompts = ["def add(", "fn add(a: i32", "Fix typo in"]
    params = SamplingParams(max_new_tokens=20)
    assert Batcher(hf_backend, step_tokens=3).generate(prompts, params) == hf_backend.generate(prompts, params)


def test_a_stop_sequence_split_over_turns_is_found(hf_backend: HFBackend) -> None:
    full = hf_backend.generate(["def add("], SamplingParams(max_new_tokens=30))[0][0].text
    stop = full[6:12]  # several tokens: with one token per turn it is only whole across turns
    assert len(hf_backend.encode([stop], add_special_tokens=False)[0]) > 1
    params = SamplingParams(max_new_tokens=30, stop=(stop,))
    expected = hf_backend.generate(["def add("], params)[0][0]
    got = Batcher(hf_backend, step_tokens=1).generate(["def add("], params)[0][0]
    assert got == expected
    assert (got.text, got.finish_reason) == (full[:6], "stop")


def test_a_short_request_overtakes_a_long_one(hf_backend: HFBackend) -> None:
    batcher = Batcher(hf_backend, step_tokens=4)
    long = batcher.submit(["def add("], SamplingParams(max_new_tokens=400))
    wait_until(lambda: batcher.stats.generated_tokens > 0, "the first tokens")
    short = batcher.submit(["fn add("], SamplingParams(max_new_tokens=2, temperature=0.7, seed=3))
    assert len(short.result()[0]) == 1
    assert not long.done()
    assert long.result()[0][0].completion_tokens == 400


def test_a_new_request_goes_first_however_many_long_ones_run(hf_backend: HFBackend) -> None:
    batcher = Batcher(hf_backend, step_tokens=4)
    # Five long greedy requests that cannot share a batch (their sampling settings differ).
    longs = [batcher.submit(["def add("], SamplingParams(max_new_tokens=80, top_p=0.9 - i / 10)) for i in range(5)]
    wait_until(lambda: batcher.stats.generated_tokens >= 5 * 4, "each has had a turn")
    before = batcher.stats.generated_tokens
    short = batcher.submit(["fn add("], SamplingParams(max_new_tokens=2, top_p=0.2))
    short.result()
    # At most the turn under way and one long turn ran before the short request's own: not one turn per long one.
    assert batcher.stats.generated_tokens - before <= 4 + 4 + 2
    assert [f.result()[0][0].completion_tokens for f in longs] == [80] * 5


def test_a_turn_reads_at_most_max_turn_tokens(hf_backend: HFBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[list[int]] = []
    step = hf_backend.step

    def recording_step(rows: list[StepRow], *args: Any) -> Any:
        sizes.append([len(row.ids) for row in rows])
        return step(rows, *args)

    monkeypatch.setattr(hf_backend, "step", recording_step)
    prompts = ["x = 1\n" * 40, "y = 2\n" * 40, "def add("]
    params = SamplingParams(max_new_tokens=6)
    got = Batcher(hf_backend, step_tokens=6, max_turn_tokens=150).generate(prompts, params)
    assert got == hf_backend.generate(prompts, params)
    assert all(len(rows) == 1 or sum(rows) + 6 * len(rows) <= 150 for rows in sizes)
    assert len(sizes) >= 2  # the two long prompts did not share a turn


class CountingEvent(threading.Event):
    """An event that counts how often it was looked at: the batcher looks once per generated token."""

    checks = 0

    def is_set(self) -> bool:
        self.checks += 1
        return super().is_set()


def test_a_cancelled_request_ends_at_the_next_token(hf_backend: HFBackend) -> None:
    batcher = Batcher(hf_backend, step_tokens=1000)  # one turn: only the per-token check can end it early
    cancel = CountingEvent()
    job = batcher.submit(["def add("], SamplingParams(max_new_tokens=1000), cancel=cancel)
    wait_until(lambda: cancel.checks > 5, "generating")
    cancel.set()
    with pytest.raises(Cancelled):
        job.result(timeout=60)
    assert (batcher.stats.running, batcher.stats.cancelled, batcher.stats.completed) == (0, 1, 0)
    assert batcher.stats.generated_tokens < 1000
    # The batcher goes on with other work.
    assert batcher.generate(["fn add("], PARAMS)[0][0] == hf_backend.generate(["fn add("], PARAMS)[0][0]


def test_prompts_that_fill_the_context_are_refused(hf_backend: HFBackend) -> None:
    batcher = Batcher(hf_backend)
    with pytest.raises(OctoError, match="maximum context length is 4096 tokens"):
        batcher.submit(["def add(", "x = 1\n" * 8000], PARAMS)
    assert batcher.stats.running == 0
