"""Schedule concurrent generation requests onto one model: shared batches, short turns, cancellation.

One worker thread owns the model. Requests are cut into turns of at most `step_tokens` new tokens per sequence;
after each turn a request that is not done goes to the back of the line, and every other turn goes to the request
that has had the fewest, so a long request delays a short one by a turn or two instead of its whole length.
Requests with the same sampling settings (temperature, top_p, seed) share a turn's batch, up to `max_rows`
sequences. A request whose caller cancels it ends at the model's next generated token.
"""

from __future__ import annotations

import ctypes
import queue
import sys
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from gitocto.backends.base import Generation, SamplingParams, check_params, cut_at_stop
from gitocto.backends.hf import HFBackend, StepRow
from gitocto.errors import OctoError

# How long the idle worker waits for more requests to join a batch: short next to any generation, long enough
# for clients that fire their requests together.
GATHER_S = 0.005
# New tokens per sequence per turn: each turn re-reads the sequence so far, so longer turns cost less; shorter
# ones let other requests in sooner.
STEP_TOKENS = 32
# The most tokens one turn reads (its rows' prompts and generations so far, and the new ones), so that long
# sequences cannot make a turn, and so every other request's wait, arbitrarily long. One row always fits.
TURN_TOKENS = 8192
# How long the scheduler is idle before it hands freed memory back to the system (see `_release_memory`).
IDLE_TRIM_S = 1.0


class Cancelled(Exception):
    """The request was cancelled (its client went away) before it finished."""


@dataclass(eq=False)
class _Row:
    prompt: list[int]
    budget: int  # most new tokens in all
    generated: list[int] = field(default_factory=list)
    ended: bool = False
    stopped: bool = False

    @property
    def done(self) -> bool:
        return self.ended or self.stopped or len(self.generated) >= self.budget


@dataclass(eq=False)
class _Job:
    rows: list[_Row]
    per_prompt: int  # rows per prompt (1 for greedy: its samples are all the same)
    params: SamplingParams
    cancel: threading.Event
    future: Future[list[list[Generation]]] = field(default_factory=Future)
    turns: int = 0

    @property
    def key(self) -> tuple[float, float, int | None]:
        return self.params.temperature, self.params.top_p, self.params.seed


@dataclass
class Stats:
    """Counters a server reports: requests in the scheduler now, and totals since start."""

    running: int = 0
    completed: int = 0
    cancelled: int = 0
    failed: int = 0
    generated_tokens: int = 0


class Batcher:
    """One worker thread runs the backend in turns; see the module's description."""

    def __init__(
        self,
        backend: HFBackend,
        max_rows: int | None = None,
        step_tokens: int = STEP_TOKENS,
        max_turn_tokens: int = TURN_TOKENS,
    ) -> None:
        if step_tokens < 1:
            raise OctoError(f"step_tokens must be at least 1, not {step_tokens}")
        self.backend = backend
        self.max_rows = max_rows or backend.batch_size
        self.step_tokens = step_tokens
        self.max_turn_tokens = max_turn_tokens
        self.context = backend.context_length
        self.stats = Stats()
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._active: deque[_Job] = deque()
        self._turns = 0
        self._worked = False
        self._stats_lock = threading.Lock()
        self._worker = threading.Thread(target=self._run, name="gitocto-batcher", daemon=True)
        self._worker.start()

    def submit(
        self,
        prompts: Sequence[str],
        params: SamplingParams,
        add_special_tokens: bool = True,
        cancel: threading.Event | None = None,
    ) -> Future[list[list[Generation]]]:
        """Queue a request; its future gives `params.n` generations per prompt, or raises `Cancelled` once
        `cancel` is set. Bad input (an empty prompt, a prompt that fills the model's context) raises here.

        Each sequence gets at most `params.max_new_tokens`, and never more than the context leaves after its prompt.
        """
        check_params(params)
        encoded = self.backend.encode(prompts, add_special_tokens)
        per_prompt = 1 if params.temperature == 0 else params.n
        rows: list[_Row] = []
        for ids in encoded:
            if not ids:
                raise OctoError("an empty prompt: the model needs at least one token to continue")
            budget = params.max_new_tokens
            if self.context is not None:
                if len(ids) >= self.context:
                    raise OctoError(
                        f"the prompt is {len(ids)} tokens, and this model's maximum context length is "
                        f"{self.context} tokens: nothing is left for the completion"
                    )
                budget = min(budget, self.context - len(ids))
            rows.extend(_Row(ids, budget) for _ in range(per_prompt))
        job = _Job(rows, per_prompt, params, cancel or threading.Event())
        with self._stats_lock:
            self.stats.running += 1
        self._queue.put(job)
        return job.future

    def generate(
        self, prompts: Sequence[str], params: SamplingParams, add_special_tokens: bool = True
    ) -> list[list[Generation]]:
        """Generate like `HFBackend.generate`, possibly in batches shared with other callers' prompts."""
        return self.submit(prompts, params, add_special_tokens).result()

    # ---- the worker thread ----

    def _run(self) -> None:
        while True:
            self._take_new()
            self._drop_cancelled()
            if not self._active:
                continue
            try:
                self._turn()
            except Exception as exc:  # a bug here must fail the requests it met, not stop the server
                for job in list(self._active):
                    self._active.remove(job)
                    if not job.future.done():
                        self._finish(job, exc)

    def _turn(self) -> None:
        """One turn: the next batch generates up to `step_tokens` tokens per row; unfinished jobs queue again."""
        jobs, rows = self._next_batch()
        self._worked = True
        try:
            self._step(jobs, rows)
        except Exception:
            # One request's failure must not fail the others sharing its batch: retry each alone, so the error
            # reaches only its own caller.
            for job in jobs:
                try:
                    self._step([job], [row for row in rows if row in job.rows])
                except Exception as exc:  # handed to the caller
                    self._finish(job, exc)
        for job in jobs:
            self._active.remove(job)
            if job.future.done():
                continue
            if all(row.done for row in job.rows):
                self._finish(job)
            else:
                self._active.append(job)  # to the back of the line

    def _take_new(self) -> None:
        if not self._active:
            while True:
                try:
                    self._active.append(self._queue.get(timeout=IDLE_TRIM_S))
                    break
                except queue.Empty:
                    if self._worked:  # idle for a while after work: hand its freed memory back, once
                        _release_memory()
                        self._worked = False
            try:  # clients that fire their requests together share the first batch
                while True:
                    self._active.append(self._queue.get(timeout=GATHER_S))
            except queue.Empty:
                pass
        while True:
            try:
                self._active.append(self._queue.get_nowait())
            except queue.Empty:
                return

    def _drop_cancelled(self) -> None:
        for job in [job for job in self._active if job.cancel.is_set()]:
            self._active.remove(job)
            self._finish(job, Cancelled("the request was cancelled"))

    def _next_batch(self) -> tuple[list[_Job], list[_Row]]:
        """A leading job and others with its sampling settings: up to `max_rows` unfinished rows, and rows of at most
        `max_turn_tokens` tokens in all (each turn reads its sequences again: long ones make a turn slow).

        Turns alternate between the job that has had the fewest turns (a request that just came in: a short one
        is done after a turn or two however many long ones run) and the first job in line (so long ones always
        get at least every other turn).
        """
        self._turns += 1
        leader = min(self._active, key=lambda job: job.turns) if self._turns % 2 else self._active[0]
        key = leader.key
        jobs: list[_Job] = []
        rows: list[_Row] = []
        budget = self.max_turn_tokens
        for job in [leader, *(job for job in self._active if job is not leader)]:
            if job.key != key:
                continue
            take: list[_Row] = []
            for row in job.rows:
                cost = len(row.prompt) + len(row.generated) + self.step_tokens
                if row.done:
                    continue
                if len(rows) + len(take) >= self.max_rows or ((rows or take) and cost > budget):
                    break
                take.append(row)
                budget -= cost
            if take:
                jobs.append(job)
                rows.extend(take)
            if len(rows) >= self.max_rows or budget <= 0:
                break
        return jobs, rows

    def _step(self, jobs: list[_Job], rows: list[_Row]) -> None:
        owner = {id(row): job for job in jobs for row in job.rows}
        step_rows = [
            StepRow(
                row.prompt + row.generated,
                len(row.generated),
                min(self.step_tokens, row.budget - len(row.generated)),
                owner[id(row)].params.stop,
                owner[id(row)].cancel.is_set,
            )
            for row in rows
        ]
        first = jobs[0]
        seed = None if first.params.seed is None else first.params.seed + first.turns
        results = self.backend.step(step_rows, first.params.temperature, first.params.top_p, seed)
        for job in jobs:
            job.turns += 1
        for row, result in zip(rows, results, strict=True):
            row.generated.extend(result.new)
            row.ended, row.stopped = result.ended, result.stopped
        with self._stats_lock:
            self.stats.generated_tokens += sum(len(result.new) for result in results)

    def _finish(self, job: _Job, error: BaseException | None = None) -> None:
        with self._stats_lock:
            self.stats.running -= 1
            if error is None:
                self.stats.completed += 1
            elif isinstance(error, Cancelled):
                self.stats.cancelled += 1
            else:
                self.stats.failed += 1
        if error is not None:
            job.future.set_exception(error)
            return
        results = []
        for start in range(0, len(job.rows), job.per_prompt):
            generations = [self._generation(row, job.params.stop) for row in job.rows[start : start + job.per_prompt]]
            if job.per_prompt == 1 and job.params.n > 1:
                generations = generations * job.params.n
            results.append(generations)
        job.future.set_result(results)

    def _generation(self, row: _Row, stop: tuple[str, ...]) -> Generation:
        raw = self.backend.decode(row.generated)
        text = cut_at_stop(raw, stop)
        reason = "stop" if row.ended or row.stopped or len(text) < len(raw) else "length"
        return Generation(text, reason, len(row.prompt), len(row.generated))


def _release_memory() -> None:
    """Hand the heap memory freed by finished requests back to the system. glibc keeps it for reuse otherwise, and
    batches of changing shapes (and the threads that parse bodies) leave it fragmented: a server's RSS would only
    grow. Called once the scheduler has been idle for a while."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


# glibc's mallopt parameter for the size from which allocations are mapped on their own (and unmapped when freed).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 256 * 1024


def return_big_buffers_to_the_system() -> None:
    """Make every allocation of 256 KiB or more (tensors of a batch) its own mapping, given back when freed.

    glibc otherwise raises that threshold as big blocks are freed, serves later big blocks from its heap, and
    batches of changing shapes then fragment it: a server's RSS steps up after long or wide requests and never
    comes down (measured with bench/serve_soak.py: +20% after hostile requests, flat with this). Process-wide:
    for a server process.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    except (OSError, AttributeError):  # not glibc
        pass
