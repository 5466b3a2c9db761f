"""Decontamination: drop records that contain text of the benchmarks code models are judged on."""

from gitocto.decontam.index import BenchmarkIndex, Hit, build_index

__all__ = ["BenchmarkIndex", "Hit", "build_index"]
