"""Sandboxed execution of untrusted test programs in python, js, java, go, cpp and rust."""

from gitocto.execution.pool import run_programs
from gitocto.execution.runners import LANGUAGES, ExecResult, run_program

__all__ = ["LANGUAGES", "ExecResult", "run_program", "run_programs"]
