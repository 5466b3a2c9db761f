"""Merge concurrent generation requests into shared batches, so a server's model works on many prompts at once."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from gitocto.backends.base import Generation, SamplingParams, check_params
from gitocto.backends.hf import HFBackend

# How long the worker waits for more requests to join a batch: short next to any generation, long enough
# for clients that fire their requests together.
GATHER_S = 0.005


@dataclass
class _Job:
    prompts: list[str]
    params: SamplingParams
    add_special_tokens: bool
    future: Future[list[list[Generation]]] = field(default_factory=Future)

    @property
    def key(self) -> tuple[SamplingParams, bool]:
        return self.params, self.add_special_tokens


class Batcher:
    """One worker thread runs the backend; requests with equal sampling parameters share its batches."""

    def __init__(self, backend: HFBackend, max_rows: int | None = None) -> None:
        self.backend = backend
        self.max_rows = max_rows or backend.batch_size
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._held: list[_Job] = []  # jobs taken from the queue that did not fit the last batch
        self._worker = threading.Thread(target=self._run, name="gitocto-batcher", daemon=True)
        self._worker.start()

    def generate(
        self, prompts: Sequence[str], params: SamplingParams, add_special_tokens: bool = True
    ) -> list[list[Generation]]:
        """Generate like `HFBackend.generate`, possibly in one batch with other callers' prompts."""
        check_params(params)
        job = _Job(list(prompts), params, add_special_tokens)
        self._queue.put(job)
        return job.future.result()

    def _rows(self, job: _Job) -> int:
        return len(job.prompts) * (1 if job.params.temperature == 0 else job.params.n)

    def _next_batch(self) -> list[_Job]:
        first = self._held.pop(0) if self._held else self._queue.get()
        batch, rows = [first], self._rows(first)
        candidates, self._held = self._held, []
        try:
            while rows < self.max_rows:
                job = candidates.pop(0) if candidates else self._queue.get(timeout=GATHER_S)
                if job.key == first.key and rows + self._rows(job) <= self.max_rows:
                    batch.append(job)
                    rows += self._rows(job)
                else:
                    self._held.append(job)
        except queue.Empty:
            pass
        self._held.extend(candidates)
        return batch

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            try:
                self._serve(batch)
            except Exception:
                # Only a batch of several raises. One request's failure must not fail the others merged with it:
                # retry each alone, so the error reaches only its own caller.
                for job in batch:
                    self._serve([job])

    def _serve(self, batch: list[_Job]) -> None:
        """Run a batch and hand each job its rows; a single job's error goes to its caller."""
        prompts = [p for job in batch for p in job.prompts]
        try:
            results = self.backend.generate(prompts, batch[0].params, batch[0].add_special_tokens)
        except BaseException as exc:
            if len(batch) > 1:
                raise
            batch[0].future.set_exception(exc)
            return
        start = 0
        for job in batch:
            job.future.set_result(results[start : start + len(job.prompts)])
            start += len(job.prompts)
