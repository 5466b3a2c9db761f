"""OSS-Instruct throughput: samples/s through the whole pipeline at 1, 8 and 32 teacher requests in flight.

    python bench/synth_bench.py --server stub --latency 0.2 -n 128     # fixed-latency canned teacher
    python bench/synth_bench.py --server serve -n 32                    # the real `git octo serve`, tiny model

`stub` is a local OpenAI-compatible server (tests/synth/synth_stub.py) that answers every chat with a canned,
well-formed OSS-Instruct reply after a fixed sleep: it stands for a remote teacher whose generation time dominates,
so the figure shows how concurrency hides latency. `serve` is the real `git octo serve` over the tiny random Llama
of the tests (CPU, `--batch-size 8`): its replies are garbage and dropped, but every request is real generation.
The pipeline runs seeds, prompts, HTTP, parsing and the resumable state; the sandbox execution and
decontamination are off (`--no-execute --no-decontaminate`): they are not teacher throughput.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "synth")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from gitocto.synth.oss_instruct import SynthOptions, oss_instruct  # noqa: E402
from gitocto.synth.teacher import TeacherSpec  # noqa: E402

SOURCE = '''def area(r):
    """Area of a circle."""
    return 3.14159 * r * r


def clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x
'''


def make_source(where: Path) -> Path:
    """A one-commit repository to draw seeds from."""
    repo = where / "src"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x"}
    (repo / "geo.py").write_text(SOURCE * 20, encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "seed"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


@contextlib.contextmanager
def teacher_url(kind: str, latency: float, where: Path) -> Iterator[str]:
    """The base URL of the stub or of a real `git octo serve` with the tiny model."""
    if kind == "stub":
        from synth_stub import stub_teacher

        with stub_teacher(latency) as stub:
            yield stub.url
        return
    from octo_server import running_server
    from tiny_model import build_tiny_model

    with running_server(build_tiny_model(where / "tiny")) as url:
        yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["stub", "serve"], default="stub")
    parser.add_argument("--latency", type=float, default=0.2, help="stub: seconds per request")
    parser.add_argument("-n", type=int, default=128, help="seeds per concurrency level")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="serve: tokens per reply")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        source = make_source(where)
        rows = []
        with teacher_url(args.server, args.latency, where) as url:
            for level in levels:
                teacher = TeacherSpec(kind="openai", endpoint=url, concurrency=level, max_retries=0,
                                      max_new_tokens=args.max_new_tokens)
                opts = SynthOptions(source=source, output=where / f"out-{level}.jsonl", teacher=teacher, n=args.n,
                                    seed=level, langs=("python",), execute=False, decontaminate=False)
                start = time.perf_counter()
                summary = oss_instruct(opts)
                elapsed = time.perf_counter() - start
                rows.append((level, args.n / elapsed, summary.kept, elapsed))
    label = f"stub, {args.latency:g} s/request" if args.server == "stub" else \
        f"git octo serve, tiny model, max_new_tokens {args.max_new_tokens}"
    print(f"\n{datetime.date.today()} · {platform.node()} · {os.cpu_count()} cores · {label} · n={args.n}")
    print("| concurrency | samples/s | kept | wall s |\n|---:|---:|---:|---:|")
    for level, rate, kept, elapsed in rows:
        print(f"| {level} | {rate:.2f} | {kept} | {elapsed:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
