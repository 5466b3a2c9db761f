"""Decontamination: drop records that contain HumanEvalPack prompts, docstrings or canonical solutions."""

from gitocto.decontam.index import BenchmarkIndex, Hit, build_index

__all__ = ["BenchmarkIndex", "Hit", "build_index"]
