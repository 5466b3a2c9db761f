"""Synth benchmarks: teacher throughput by concurrency, records/s and kept share per recipe, coreset time.

    python -m bench.synth_bench --server stub --latency 0.2 -n 128     # fixed-latency canned teacher
    python -m bench.synth_bench --server serve -n 32                    # the real `git octo serve`, tiny model
    python -m bench.synth_bench --recipes -n 200                        # every recipe, whole pipeline, stub
    python -m bench.synth_bench --coreset 50000 -k 1000                 # k-center greedy on random 384-d vectors

`--recipes` runs each recipe end to end against the stub teacher (no latency) with the sandbox execution filter
and HumanEvalPack decontamination on: records/s and the share of seeds that become kept samples. The stub's
replies are canned (tests/support/synth_stub.py): 1 in 5 OSS-Instruct replies lacks a [Solution], 1 in 5 fails its
own tests; 1 in 3 WaveCoder examples is judged no; 1 in 4 published-WaveCoder instructions has three sentences.
`--coreset` times `k_center_greedy` over the whole pool against the per-step `np.linalg.norm` loop it replaced,
in the same run.

`stub` is a local OpenAI-compatible server (tests/support/synth_stub.py) that answers every chat with a canned,
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
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    (repo / "geo.py").write_text(SOURCE * 20, encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "seed"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


@contextlib.contextmanager
def teacher_url(kind: str, latency: float, where: Path) -> Iterator[str]:
    """The base URL of the stub or of a real `git octo serve` with the tiny model."""
    if kind == "stub":
        from tests.support.synth_stub import stub_teacher

        with stub_teacher(latency) as stub:
            yield stub.url
        return
    from tests.support.octo_server import running_server
    from tests.support.tiny_model import build_tiny_model

    with running_server(build_tiny_model(where / "tiny")) as url:
        yield url


def make_functions_source(where: Path, count: int) -> Path:
    """A one-commit repository of `count` distinct small functions (WaveCoder's raw code)."""
    repo = where / "funcs"
    repo.mkdir()
    body = "".join(f"def step_{i}(x):\n    y = x * {i}\n    return y + {i % 7}\n\n\n" for i in range(count))
    (repo / "funcs.py").write_text(body, encoding="utf-8")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "seed"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


def bench_recipes(n: int) -> None:
    """Records/s and kept share of every recipe against the stub, whole pipeline."""
    from gitocto.synth.command import RECIPE_SAMPLING
    from gitocto.synth.wavecoder import WaveCoderOptions, wavecoder
    from tests.support.synth_stub import stub_teacher

    data_dir = ROOT.parent / "shared" / "data" / "humanevalpack"
    rows = []
    with tempfile.TemporaryDirectory() as tmp, stub_teacher() as stub:
        where = Path(tmp)
        source, funcs = make_source(where), make_functions_source(where, n)
        for method, recipe in (
            ("oss-instruct", "gitocto"),
            ("oss-instruct", "magicoder"),
            ("wavecoder", "gitocto"),
            ("wavecoder", "wavecoder"),
        ):
            temperature, tokens = RECIPE_SAMPLING[recipe]
            teacher = TeacherSpec(
                kind="openai",
                endpoint=stub.url,
                concurrency=8,
                max_retries=0,
                temperature=temperature,
                max_new_tokens=tokens,
            )
            opts = SynthOptions(
                source=source if method == "oss-instruct" else funcs,
                output=where / f"{method}-{recipe}.jsonl",
                teacher=teacher,
                n=n,
                seed=1,
                langs=("python",),
                recipe=recipe,
                data_dir=data_dir,
                benchmarks=("humanevalpack",),
            )
            start = time.perf_counter()
            summary = oss_instruct(opts) if method == "oss-instruct" else wavecoder(WaveCoderOptions(opts))
            elapsed = time.perf_counter() - start
            rows.append((method, recipe, summary.seeds, summary.kept, elapsed, summary.dropped.most_common(3)))
    print(
        f"\n{datetime.date.today()} · {platform.node()} · {os.cpu_count()} cores · stub teacher, concurrency 8, "
        f"execution + decontamination on"
    )
    print(
        "| method | recipe | seeds | kept | kept share | records/s | wall s | top drops |\n"
        "|---|---|---:|---:|---:|---:|---:|---|"
    )
    for method, recipe, seeds, kept, elapsed, drops in rows:
        top = "; ".join(f"{reason} {count}" for reason, count in drops)
        print(
            f"| {method} | {recipe} | {seeds} | {kept} | {kept / seeds:.2f} | {seeds / elapsed:.1f} | "
            f"{elapsed:.1f} | {top} |"
        )


def bench_coreset(n: int, k: int) -> None:
    """k-center greedy over `n` random unit vectors of dimension 384, against the loop it replaced."""
    import numpy as np

    from gitocto.synth.coreset import k_center_greedy

    rng = np.random.default_rng(0)
    points = rng.normal(size=(n, 384)).astype(np.float32)
    points /= np.linalg.norm(points, axis=1, keepdims=True)

    def norm_loop(pts: np.ndarray, kk: int) -> list[int]:
        chosen = [0]
        nearest = np.linalg.norm(pts - pts[0], axis=1)
        while len(chosen) < kk:
            nxt = int(np.argmax(nearest))
            chosen.append(nxt)
            nearest = np.minimum(nearest, np.linalg.norm(pts - pts[nxt], axis=1))
        return chosen

    start = time.perf_counter()
    ours = k_center_greedy(points, k)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    base = norm_loop(points, k)
    base_s = time.perf_counter() - start
    print(f"\n{datetime.date.today()} · {platform.node()} · {os.cpu_count()} cores · {n} x 384 float32, k={k}")
    print("| k-center greedy | seconds | ratio |\n|---|---:|---:|")
    print(f"| matrix-vector (ours) | {ours_s:.2f} | {base_s / ours_s:.2f}x |")
    print(f"| per-step norm loop (before) | {base_s:.2f} | 1.00x |")
    print(f"same centers: {ours == base}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipes", action="store_true", help="records/s and kept share of every recipe")
    parser.add_argument("--coreset", type=int, default=0, metavar="N", help="time the coreset on N vectors")
    parser.add_argument("-k", type=int, default=1000, help="coreset size")
    parser.add_argument("--server", choices=["stub", "serve"], default="stub")
    parser.add_argument("--latency", type=float, default=0.2, help="stub: seconds per request")
    parser.add_argument("-n", type=int, default=128, help="seeds per concurrency level")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="serve: tokens per reply")
    args = parser.parse_args()
    if args.coreset:
        bench_coreset(args.coreset, args.k)
        return 0
    if args.recipes:
        bench_recipes(args.n)
        return 0
    levels = [int(c) for c in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        source = make_source(where)
        rows = []
        with teacher_url(args.server, args.latency, where) as url:
            for level in levels:
                teacher = TeacherSpec(
                    kind="openai", endpoint=url, concurrency=level, max_retries=0, max_new_tokens=args.max_new_tokens
                )
                opts = SynthOptions(
                    source=source,
                    output=where / f"out-{level}.jsonl",
                    teacher=teacher,
                    n=args.n,
                    seed=level,
                    langs=("python",),
                    execute=False,
                    decontaminate=False,
                )
                start = time.perf_counter()
                summary = oss_instruct(opts)
                elapsed = time.perf_counter() - start
                rows.append((level, args.n / elapsed, summary.kept, elapsed))
    label = (
        f"stub, {args.latency:g} s/request"
        if args.server == "stub"
        else f"git octo serve, tiny model, max_new_tokens {args.max_new_tokens}"
    )
    print(f"\n{datetime.date.today()} · {platform.node()} · {os.cpu_count()} cores · {label} · n={args.n}")
    print("| concurrency | samples/s | kept | wall s |\n|---:|---:|---:|---:|")
    for level, rate, kept, elapsed in rows:
        print(f"| {level} | {rate:.2f} | {kept} | {elapsed:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
