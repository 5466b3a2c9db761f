"""Per-program cost of the bubblewrap sandbox against the rlimit/Landlock-only launcher, measured in one run.

Usage: python -m bench.bench_sandbox [--n 20] [--langs python,js,cpp]
Runs the same trivial passing program N times per language and mode, alternating the modes, one at a time; prints the
mean wall seconds per program in each mode and the difference (what isolation adds to each program).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from gitocto.execution import isolation, run_program, sandbox
from gitocto.execution.sandbox import Limits, run_sandboxed, scrubbed_env

PROGRAMS = {
    "python": "assert sorted([3, 1, 2]) == [1, 2, 3]\n",
    "js": "console.assert([3, 1, 2].sort().join() === '1,2,3')\n",
    "cpp": "#include <cassert>\nint main() { assert(1 + 1 == 2); return 0; }\n",
    "go": 'package main\nimport "testing"\nfunc TestX(t *testing.T) { if 1+1 != 2 { t.Fatal("x") } }\n',
    "java": "public class Main { public static void main(String[] a) { assert 1 + 1 == 2; } }\n",
    "rust": "#[test]\nfn t() { assert_eq!(1 + 1, 2); }\n",
}


def _true(tmp: Path) -> None:
    limits = Limits(cpu=5, uid=0x70000000 + os.getpid() % 4096)
    done = run_sandboxed(["true"], tmp, limits, 5, scrubbed_env(str(tmp)))
    assert done.returncode == 0, done.stderr


def main() -> int:
    """Time both modes and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--langs", default="python,js,cpp")
    args = parser.parse_args()
    tools = isolation.probe()
    if isinstance(tools, str):
        print(f"no bubblewrap sandbox here: {tools}", file=sys.stderr)
        return 1
    modes = {"bwrap": lambda: tools, "jail": lambda: "measuring the fallback"}
    times: dict[tuple[str, str], list[float]] = {}
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"gitocto-bench-sandbox-{os.getpid()}"
    tmp.mkdir()
    try:
        jobs = [("true", None), *((lang, PROGRAMS[lang]) for lang in args.langs.split(","))]
        for _ in range(args.n):
            for lang, program in jobs:
                for mode, probe in modes.items():
                    isolation.probe = probe  # type: ignore[assignment]
                    sandbox._warned.set()  # no warning line for the fallback mode in the output
                    start = time.perf_counter()
                    if program is None:
                        _true(tmp)
                    else:
                        result = run_program(lang, program)
                        assert result.passed, (mode, lang, result)
                    times.setdefault((lang, mode), []).append(time.perf_counter() - start)
    finally:
        tmp.rmdir()
    print(f"{args.n} runs each, alternating; load average {os.getloadavg()[0]:.1f}")
    print("| program | bwrap s | rlimit+Landlock s | bwrap adds |")
    print("|---|---:|---:|---:|")
    for lang, _ in jobs:
        on, off = statistics.mean(times[(lang, "bwrap")]), statistics.mean(times[(lang, "jail")])
        print(f"| {lang} | {on:.3f} | {off:.3f} | {1000 * (on - off):+.0f} ms ({on / off:.2f}×) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
