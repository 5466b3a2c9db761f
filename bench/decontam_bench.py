"""Decontamination: false positives on real file versions, and probe-set recall, ours against Magicoder's rule.

    python -m bench.decontam_bench --repos /work/.mirror/pallets+click/repo,/work/.mirror/pytest-dev+pytest/repo

Real code: the first N distinct .py blobs (file versions) in each repository's history, newest commit first
(`git log --raw` gives every version a commit touched). Benchmark: HumanEvalPack (6 languages) from
--data-dir. Magicoder's rule: HumanEval docstrings and canonical solutions (less its four allowed one-liners),
case-insensitive substring of the raw text. Probe set: tests/support/leaks.py, as the decontamination tests use it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from pathlib import Path

from gitocto.decontam.benchmarks import load_index

ROOT = Path(__file__).resolve().parent.parent

MAGICODER_OK = ("return x + y", "return len(string)", "return n**2", "return .join(strings)")


def file_versions(git_dir: str, limit: int) -> list[str]:
    """The texts of up to `limit` distinct .py blob versions from the history of `git_dir`."""
    log = subprocess.run(
        ["git", "--git-dir", git_dir, "log", "--raw", "--no-abbrev", "--format=", "--all"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout  # a snapshot may lack old objects
    blobs: list[str] = []
    seen: set[str] = set()
    for line in log.splitlines():
        parts = line.split()
        if len(parts) < 6 or not parts[-1].endswith(".py"):
            continue
        blob = parts[3]
        if blob != "0" * 40 and blob not in seen:
            seen.add(blob)
            blobs.append(blob)
        if len(blobs) >= limit:
            break
    wanted = ("\n".join(blobs) + "\n").encode()
    batch = subprocess.run(
        ["git", "--git-dir", git_dir, "cat-file", "--batch"], input=wanted, capture_output=True, check=True
    ).stdout
    texts, pos = [], 0
    while pos < len(batch):
        header_end = batch.index(b"\n", pos)
        header = batch[pos:header_end].split()
        if header[-1] == b"missing":
            pos = header_end + 1
            continue
        size = int(header[2])
        texts.append(batch[header_end + 1 : header_end + 1 + size].decode("utf-8", "replace"))
        pos = header_end + 1 + size + 1
    return texts


def magicoder_strings(data_dir: Path) -> list[str]:
    """Magicoder's HumanEval strings: the docstring of each prompt and each canonical solution (stripped)."""
    from gitocto.decontam.benchmarks import _extract_docstring

    rows = [json.loads(line) for line in (data_dir / "python.jsonl").read_text().splitlines()]
    out = [_extract_docstring(r["prompt"]) for r in rows]
    out += [r["canonical_solution"].strip() for r in rows if r["canonical_solution"].strip() not in MAGICODER_OK]
    return [s.lower() for s in out if s]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", required=True, help="comma list of bare git dirs")
    parser.add_argument("--per-repo", type=int, default=2000)
    parser.add_argument("--total", type=int, default=3000)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data" / "humanevalpack")
    args = parser.parse_args()
    from tests.support.leaks import probes

    index = load_index([f"humanevalpack={args.data_dir}"])
    magic = magicoder_strings(args.data_dir)
    texts = [t for repo in args.repos.split(",") for t in file_versions(repo, args.per_repo)][: args.total]
    start = time.perf_counter()
    ours_fp = [(i, hit) for i, t in enumerate(texts) if (hit := index.find(t)) is not None]
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    magic_fp = [i for i, t in enumerate(texts) if any(s in t.lower() for s in magic)]
    magic_s = time.perf_counter() - start
    probe = probes(args.data_dir)
    cats: dict[str, list[tuple[bool, bool]]] = {}
    for cat, text in probe:
        cats.setdefault(cat, []).append((index.find(text) is not None, any(s in text.lower() for s in magic)))
    mb = sum(len(t) for t in texts) / 1e6
    print(
        f"\n{time.strftime('%Y-%m-%d')} · {platform.node()} · {os.cpu_count()} cores · "
        f"{len(texts)} file versions ({mb:.1f} MB) from {args.repos}"
    )
    print("| rule | false positives | MB/s |\n|---|---:|---:|")
    print(f"| ours (HumanEvalPack, 6 languages) | {len(ours_fp)} / {len(texts)} | {mb / ours_s:.2f} |")
    print(f"| Magicoder (HumanEval, substring) | {len(magic_fp)} / {len(texts)} | {mb / magic_s:.2f} |")
    for i, hit in ours_fp[:5]:
        print(f"  ours flagged {i}: {hit}")
    print("| probe | ours | Magicoder |\n|---|---:|---:|")
    for cat, vals in cats.items():
        print(f"| {cat} | {sum(v[0] for v in vals)}/{len(vals)} | {sum(v[1] for v in vals)}/{len(vals)} |")
    n = sum(map(len, cats.values()))
    print(
        f"| all | {sum(v[0] for vs in cats.values() for v in vs) / n:.3f} | "
        f"{sum(v[1] for vs in cats.values() for v in vs) / n:.3f} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
