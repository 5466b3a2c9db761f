"""Commit-message suggestions: quality of the `nn` backend (NNGen) and the latency of `git octo msg`.

    python -m bench.msg_bench REPO [REPO ...] --latency-repo BIG_REPO
    python -m bench.msg_bench --generate /tmp/msgbench --commits 10000     # no repository at hand

Quality, per repository: the newest `--holdout` (200) non-merge commits are held out; for each, `git octo msg
--diff SHA` logic suggests a subject from the history before it, scored against the real subject with B-Norm
sentence BLEU and exact match, next to the trivial baseline "Update <file>" (the most-changed file's name).
Latency: wall time of whole `git octo msg` processes (nn backend, warm index, a staged change) on the latency
repository, which should have 10,000+ commits. Repositories are cloned to a temp dir first; the originals are
never touched. `--generate` writes a synthetic history with bench/make_history.py, for machines that cannot reach
a git host.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path, PurePosixPath
from typing import Any

from gitocto.git import worktree as gitrepo
from gitocto.msg.bleu import bnorm
from gitocto.msg.index import open_index
from gitocto.msg.model import changed_files
from gitocto.msg.nngen import suggest_subject
from gitocto.msg.tokens import tokenize_patch

ROOT = Path(__file__).resolve().parent.parent

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=True
    ).stdout


# ---- quality -----------------------------------------------------------------------------------------------------


def baseline(cwd: str, sha: str) -> str:
    """The trivial baseline: "Update <file>" for the most-changed file (GitHub's web-editor default)."""
    files = changed_files(cwd, sha)
    return f"Update {PurePosixPath(files[0].path).name}" if files else "Update"


def quality(path: Path, holdout: int) -> dict[str, Any]:
    """NNGen and the baseline on the newest `holdout` non-merge commits of the repository at `path`."""
    cwd = str(path)
    held = git(path, "rev-list", "--no-merges", "-n", str(holdout), "HEAD").split()
    t0 = time.perf_counter()
    index = open_index(cwd)
    build_s = time.perf_counter() - t0
    nn_bleu, nn_exact, base_bleu, base_exact = [], 0, [], 0
    examples: list[dict[str, str]] = []
    t0 = time.perf_counter()
    for sha in held:
        reference = git(path, "log", "-1", "--format=%s", sha).strip()
        parents = git(path, "rev-parse", f"{sha}^@").split()
        before = set(git(path, "rev-list", *parents).split()) if parents else set()
        query = tokenize_patch(gitrepo.commit_diff(sha, cwd))
        guess = suggest_subject(index, query, before.__contains__) or ""
        base = baseline(cwd, sha)
        nn_bleu.append(bnorm(reference, guess))
        base_bleu.append(bnorm(reference, base))
        nn_exact += guess == reference
        base_exact += base == reference
        if len(examples) < 5:
            examples.append({"reference": reference, "nn": guess, "baseline": base})
    per_commit_ms = 1000 * (time.perf_counter() - t0) / max(len(held), 1)
    count = index.count
    index.close()
    n = max(len(held), 1)
    return {
        "repo": str(path),
        "commits_indexed": count,
        "held_out": len(held),
        "index_build_s": round(build_s, 2),
        "nn_bnorm": round(statistics.fmean(nn_bleu), 2) if nn_bleu else 0.0,
        "nn_exact_pct": round(100 * nn_exact / n, 1),
        "baseline_bnorm": round(statistics.fmean(base_bleu), 2) if base_bleu else 0.0,
        "baseline_exact_pct": round(100 * base_exact / n, 1),
        "ms_per_suggestion_in_process": round(per_commit_ms, 1),
        "examples": examples,
    }


# ---- latency -----------------------------------------------------------------------------------------------------


def latency(path: Path, runs: int, pythons: list[str]) -> dict[str, Any]:
    """p50/p90 wall time of whole `git octo msg` processes with a warm index and a staged change."""
    (path / "octo_bench_change.py").write_text("def parse_header(line):\n    return line.split(':', 1)\n")
    git(path, "add", "octo_bench_change.py")
    t0 = time.perf_counter()
    first = subprocess.run(["git", "octo", "msg"], cwd=path, capture_output=True, text=True, check=False)
    cold_s = time.perf_counter() - t0
    if first.returncode != 0:
        raise SystemExit(f"git octo msg failed: {first.stderr}")
    commands = {"git octo msg": ["git", "octo", "msg"]}
    for python in pythons:
        commands[f"{python} -m gitocto msg"] = [python, "-m", "gitocto", "msg"]
    out: dict[str, Any] = {
        "repo": str(path),
        "commits": int(git(path, "rev-list", "--count", "HEAD")),
        "first_run_s": round(cold_s, 2),
        "suggestion": first.stdout.strip(),
    }
    for label, cmd in commands.items():
        times, cpu = [], []
        for _ in range(runs):
            u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=path, capture_output=True, check=True)
            times.append(1000 * (time.perf_counter() - t0))
            u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            # CPU time of the process and its git children: what the wall time would be on an idle machine.
            cpu.append(1000 * (u1.ru_utime + u1.ru_stime - u0.ru_utime - u0.ru_stime))
        times.sort()
        cpu.sort()
        out[label] = {
            "runs": runs,
            "p50_ms": round(times[len(times) // 2], 1),
            "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
            "min_ms": round(times[0], 1),
            "cpu_p50_ms": round(cpu[len(cpu) // 2], 1),
            "cpu_p90_ms": round(cpu[int(len(cpu) * 0.9) - 1], 1),
        }
    index_dir = path / ".git" / "octo" / "nn-index"
    out["index_bytes"] = sum(p.stat().st_size for p in index_dir.iterdir())
    return out


# ---- synthetic histories -------------------------------------------------------------------------------------------


def generate_history(out: Path, commits: int, seed: int = 0) -> None:
    """A synthetic history from bench/make_history.py (real source files, CommitPack-like messages)."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "make_history.py"),
            str(out),
            "--commits",
            str(commits),
            "--seed",
            str(seed),
        ],
        check=True,
    )


# ---- main --------------------------------------------------------------------------------------------------------


def clone(src: Path, into: Path) -> Path:
    dst = into / src.name
    subprocess.run(["git", "clone", "-q", str(src), str(dst)], check=True, env={**os.environ, **GIT_ENV})
    return dst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repos", nargs="*", type=Path, help="Repositories to score (cloned first; not modified).")
    parser.add_argument("--latency-repo", type=Path, help="Repository (10,000+ commits) for latency [largest].")
    parser.add_argument("--generate", type=Path, help="Write a synthetic history here and use it.")
    parser.add_argument("--commits", type=int, default=10_000, help="Commits of the synthetic history.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the synthetic history.")
    parser.add_argument("--holdout", type=int, default=200, help="Newest non-merge commits held out per repo.")
    parser.add_argument("--runs", type=int, default=40, help="`git octo msg` processes timed per command.")
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        help="Also time `PYTHON -m gitocto msg` (e.g. a clean venv); repeatable [this Python].",
    )
    parser.add_argument("-o", "--output", type=Path, help="Write the results as JSON here too.")
    args = parser.parse_args()
    repos = list(args.repos)
    if args.generate:
        if not args.generate.exists():
            t0 = time.perf_counter()
            generate_history(args.generate, args.commits, args.seed)
            print(f"generated {args.commits} commits in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        repos.append(args.generate)
    if not repos:
        parser.error("give repositories or --generate DIR")
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "quality": [],
        "latency": None,
    }
    with tempfile.TemporaryDirectory(prefix="msg-bench-") as tmp:
        clones = {r: clone(r.resolve(), Path(tmp) / f"q{i}") for i, r in enumerate(repos)}
        for src, path in clones.items():
            results["quality"].append({**quality(path, args.holdout), "repo": str(src)})
        target = args.latency_repo or max(repos, key=lambda r: int(git(r, "rev-list", "--count", "HEAD")))
        lat_path = clones.get(target) or clone(target.resolve(), Path(tmp) / "latency")
        results["latency"] = {
            **latency(lat_path, args.runs, args.python or [sys.executable]),
            "repo": str(target),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
        shutil.rmtree(tmp, ignore_errors=True)
    text = json.dumps(results, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
