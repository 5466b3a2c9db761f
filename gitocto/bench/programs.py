"""Turn a solution (the function's code) into the complete test program of its language, as the paper's harness does."""

from __future__ import annotations

import re

from gitocto.bench.data import Problem
from gitocto.execution.toolchains import CPP_PRELUDE

# The standard imports each language's programs get (the paper's harness, after CodeGeeX's HumanEval-X).
PYTHON_IMPORTS = (
    "import math", "import re", "import sys", "import copy", "import datetime", "import itertools",
    "import collections", "import heapq", "import statistics", "import functools", "import hashlib",
    "import numpy", "import numpy as np", "import string", "from typing import *", "from collections import *",
)
CPP_HEADERS = CPP_PRELUDE
GO_PACKAGES = ("math", "strings", "fmt", "strconv", "time", "bytes", "regexp", "sort", "math/rand", "crypto/md5")
RUST_MAIN = "fn main(){}\n"


def build_program(problem: Problem, code: str) -> str:
    """The program that passes exactly when `code` (declaration + body) solves `problem`."""
    lang = problem.lang
    test = "\n" + problem.test
    if lang == "python":
        return ("\n".join(PYTHON_IMPORTS) + "\n" + code).strip() + "\n" + test
    if lang == "cpp":
        # A main() the model wrote would clash with the test's.
        return ("\n".join(CPP_HEADERS) + "\n" + code.split("int main")[0]).strip() + "\n" + test
    if lang == "java":
        return code.replace("public class Main {\n    }", "").strip() + "\n" + test
    if lang == "go":
        return _go_program(problem, code) + "\n" + test
    if lang == "rust":
        return _rust_program(problem, code) + "\n" + test
    return code + "\n" + test


def _go_program(problem: Problem, code: str) -> str:
    setup = problem.test_setup + "\n"
    # Imports the solution already has are dropped from the test's own import block (Go rejects duplicates).
    for line in setup.split("\n"):
        name = line.replace("import", "").replace("(", "").replace(")", "").strip()
        if name.startswith('"') and name in code:
            setup = setup.replace(name, "")
    whole = setup + code + "\n" + problem.test
    # Unused imports do not compile in Go, so a standard package is added only where a non-comment line uses it.
    used: list[str] = []
    for pkg in GO_PACKAGES:
        if f'"{pkg}"' in whole:
            continue
        short = pkg.split("/")[-1]
        if any(f"{short}." in line and not line.strip().startswith("//") for line in whole.split("\n")):
            used.append(f'"{short}"' if "/" not in pkg else f'"{pkg}"')
    imports = "import (\n" + "\n".join(f"    {p}" for p in sorted(set(used))) + "\n)\n" if used else ""
    if "package main" in code and "package main" in setup:
        code = code.replace("package main", "")
    return _drop_unused_imports(setup + imports + code, problem.test)


_IMPORT_LINE = re.compile(r'\s*(?:import\s+)?"([\w./]+)"\s*')


def _drop_unused_imports(program: str, test: str) -> str:
    # Go refuses to compile an unused import, and some prompts import what their canonical solution never uses
    # (Go/27 imports strings): the paper's harness fails those; a standard package nothing uses is dropped instead.
    lines = program.split("\n")
    code_lines = [line for line in [*lines, *test.split("\n")]
                  if not line.strip().startswith("//") and not _IMPORT_LINE.fullmatch(line)]
    kept = []
    for line in lines:
        match = _IMPORT_LINE.fullmatch(line)
        if match and match.group(1) in GO_PACKAGES:
            short = match.group(1).split("/")[-1]
            if not any(f"{short}." in other for other in code_lines):
                continue
        kept.append(line)
    return "\n".join(kept)


def _rust_program(problem: Problem, code: str) -> str:
    head = "" if "fn main()" in code else RUST_MAIN
    # The declaration's `use` lines and signature are restored where a chat answer left them out.
    for line in problem.declaration.split("\n"):
        stripped = line.strip()
        if stripped in code:
            continue
        if stripped.startswith("fn") and stripped.split("(")[0] in code:
            continue
        head += stripped + "\n"
    # A second `fn main()` (the model restating the whole file) is cut off.
    code = "fn main()".join(code.split("fn main()")[:2])
    return head + code
