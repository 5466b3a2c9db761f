"""`git octo doctor`: which capabilities are ready on this machine, and the command that fixes each missing piece.

bench and synth call `missing_for_bench` to name a missing toolchain before running any program.
"""

from gitocto.doctor.checks import Check, bench_language, missing_for_bench, sandbox

__all__ = ["Check", "bench_language", "missing_for_bench", "sandbox"]
