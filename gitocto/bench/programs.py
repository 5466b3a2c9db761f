"""Turn a solution (the function's code) into the complete test program of its language, as the paper's harness does."""

from __future__ import annotations

import re

from gitocto.bench.data import Problem
from gitocto.execution.endmark import block_end
from gitocto.execution.toolchains import CPP_PRELUDE

# The standard imports each language's programs get (the paper's harness, after CodeGeeX's HumanEval-X).
PYTHON_IMPORTS = (
    "import math",
    "import re",
    "import sys",
    "import copy",
    "import datetime",
    "import itertools",
    "import collections",
    "import heapq",
    "import statistics",
    "import functools",
    "import hashlib",
    "import numpy",
    "import numpy as np",
    "import string",
    "from typing import *",
    "from collections import *",
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
        return ("\n".join(CPP_HEADERS) + "\n" + drop_main("cpp", code)).strip() + "\n" + test
    if lang == "java":
        return public_main_only(code.replace("public class Main {\n    }", "")).strip() + "\n" + test
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
    code_lines = [
        line
        for line in [*lines, *test.split("\n")]
        if not line.strip().startswith("//") and not _IMPORT_LINE.fullmatch(line)
    ]
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


def join_program(lang: str, solution: str, tests: str) -> str:
    """One program of a solution and tests written apart (a synth sample's), laid out as the sandbox runs `lang`:
    Go's imports merged into one block, Java's imports first and only `Main` public, the solution's own main
    dropped where the tests bring one (C++, Java), and JavaScript's tests in a scope of their own."""
    if lang == "go":
        return _join_go(solution, tests)
    if lang == "java":
        return _join_java(solution, tests)
    if lang == "cpp" and find_main("cpp", tests) is not None:
        solution = drop_main("cpp", solution)
    elif lang == "js":
        # Both sides may declare `const assert = require('assert')`: in a block the tests' declarations shadow
        # the solution's instead of redeclaring them, and they still see everything the solution defines.
        tests = "{\n" + tests.strip() + "\n}"
    return f"{solution.rstrip()}\n\n{tests.strip()}\n"


_GO_PACKAGE = re.compile(r"^[ \t]*package[ \t]+\w+[ \t]*;?[ \t]*$", re.MULTILINE)
_GO_IMPORT_BLOCK = re.compile(r"^[ \t]*import[ \t]*\((.*?)\)[ \t]*;?[ \t]*$", re.MULTILINE | re.DOTALL)
_GO_IMPORT_SPEC = re.compile(r'^[ \t]*import[ \t]+((?:[\w.]+[ \t]+)?"[^"\n]+")[ \t]*;?[ \t]*$', re.MULTILINE)


def _go_imports(code: str) -> tuple[list[str], str]:
    """The import specs of Go source (`"fmt"`, `str "strings"`) and the source without its package and imports."""
    specs: list[str] = []

    def block(match: re.Match[str]) -> str:
        for spec in re.split(r"[;\n]", match.group(1)):
            spec = spec.split("//")[0].strip()
            if spec:
                specs.append(spec)
        return ""

    def single(match: re.Match[str]) -> str:
        specs.append(match.group(1))
        return ""

    code = _GO_PACKAGE.sub("", code)
    code = _GO_IMPORT_BLOCK.sub(block, code)
    return specs, _GO_IMPORT_SPEC.sub(single, code)


def _join_go(solution: str, tests: str) -> str:
    # Go wants one package clause and every import before the first declaration: `import "testing"` after the
    # solution's functions does not compile.
    solution_imports, solution_body = _go_imports(solution)
    test_imports, test_body = _go_imports(tests)
    specs = list(dict.fromkeys(solution_imports + test_imports))
    imports = "import (\n" + "".join(f"    {spec}\n" for spec in specs) + ")\n\n" if specs else ""
    return f"package main\n\n{imports}{solution_body.strip()}\n\n{test_body.strip()}\n"


_JAVA_PACKAGE = re.compile(r"^[ \t]*package[ \t]+[\w.]+[ \t]*;[ \t]*$", re.MULTILINE)
_JAVA_IMPORT = re.compile(r"^[ \t]*import[ \t]+(?:static[ \t]+)?[\w.]+(?:\.\*)?[ \t]*;[ \t]*$", re.MULTILINE)
_JAVA_PUBLIC_TYPE = re.compile(
    r"^public[ \t]+((?:(?:abstract|final|sealed|non-sealed|strictfp|static)[ \t]+)*"
    r"(?:class|interface|enum|record|@interface)[ \t]+(\w+))",
    re.MULTILINE,
)


def public_main_only(code: str) -> str:
    """Java source with `public` taken off every top-level type but `Main`: all of it is compiled as Main.java."""
    return _JAVA_PUBLIC_TYPE.sub(lambda m: m.group(0) if m.group(2) == "Main" else m.group(1), code)


def _join_java(solution: str, tests: str) -> str:
    imports: list[str] = []

    def take(match: re.Match[str]) -> str:
        imports.append(match.group(0).strip())
        return ""

    parts = []
    for code in (solution, tests):
        parts.append(_JAVA_IMPORT.sub(take, _JAVA_PACKAGE.sub("", code)).strip())
    if find_main("java", parts[1]) is not None:
        parts[0] = drop_main("java", parts[0])
    head = "\n".join(dict.fromkeys(imports))
    program = "\n\n".join(part for part in (head, *parts) if part)
    return public_main_only(program) + "\n"


_MAIN = {
    "cpp": re.compile(r"^[ \t]*(?:(?:static|inline|signed)[ \t]+)*(?:int|void|auto)[ \t]+main[ \t]*\(", re.MULTILINE),
    "java": re.compile(
        r"^[ \t]*(?:(?:public|static|final|private|protected)[ \t]+)*void[ \t]+main[ \t]*\(", re.MULTILINE
    ),
}


def find_main(lang: str, code: str) -> re.Match[str] | None:
    """The start of a `main` function defined in C++ or Java source, if there is one."""
    return _MAIN[lang].search(code)


def drop_main(lang: str, code: str) -> str:
    """C++ or Java source without the `main` function it defines (to the end when its braces never balance)."""
    match = find_main(lang, code)
    if match is None:
        return code
    brace = code.find("{", match.end())
    if brace == -1:
        return code[: match.start()]
    return code[: match.start()] + code[block_end(code, brace) :]
