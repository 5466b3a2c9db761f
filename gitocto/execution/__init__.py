"""Sandboxed execution of untrusted test programs in python, js, java, go, cpp and rust."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitocto.execution.pool import run_programs
    from gitocto.execution.runners import LANGUAGES, ExecResult, run_program

__all__ = ["LANGUAGES", "ExecResult", "run_program", "run_programs"]

# Sandbox policies: "strict" refuses to run a program that bubblewrap cannot isolate, "auto" warns and falls back.
POLICIES = ("auto", "strict")


def __getattr__(name: str) -> Any:
    # Loaded on first use, so that `git octo --help` can read POLICIES without loading the runners.
    if name == "run_programs":
        from gitocto.execution import pool

        return pool.run_programs
    if name in ("LANGUAGES", "ExecResult", "run_program"):
        from gitocto.execution import runners

        return getattr(runners, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
