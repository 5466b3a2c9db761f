"""The end-of-tests mark: a random token a program prints only once its last test has run.

A verdict read off the exit status alone passes a program that ends early with status 0 (`sys.exit(0)`,
`os._exit(0)`, `process.exit(0)`, `System.exit(0)`, `exit(0)`, `os.Exit(0)`, `std::process::exit(0)`) before any test
could fail. So each program gets code around its tests that prints a fresh random token after the last of them, and a
program passes only when it exits with status 0 *and* printed that token. The same code keeps the tests' assertions
from being switched off by the solution before them (a redefined `assert` macro, `#define NDEBUG`, a replaced
`console.assert`). The token travels as program text and comes back on stdout, so it works in any sandbox.
"""

from __future__ import annotations

import re
import secrets

# Java runs this class, which calls Main.main and prints the token after it returns.
JAVA_ENTRY = "GitoctoEndOfTests"


def new_token() -> str:
    """A fresh token for one run: 128 random bits the program cannot know before it is written."""
    return "gitocto-end-of-tests-" + secrets.token_hex(16)


def seen(stdout: str, token: str) -> bool:
    """Whether the program printed the token on a line of its own."""
    return token in (line.strip() for line in stdout.splitlines())


def without_mark(stdout: str, token: str) -> str:
    """The program's own output, the token line taken out."""
    return "\n".join(line for line in stdout.splitlines() if line.strip() != token).strip()


def mark(lang: str, program: str, token: str) -> str:
    """`program` (solution, then tests, as the sandbox runs `lang`) with the code that prints `token` after the
    tests and keeps their assertions live."""
    return _MARKERS[lang](program, token)


def _python(program: str, token: str) -> str:
    # Top-level code runs in order: this line runs only after the last test did; sys.exit, os._exit or an
    # exception before it leaves the token out.
    return (
        f"{program.rstrip()}\n\n\nimport sys as _gitocto_sys\n"
        f"_gitocto_sys.stdout.write('\\n{token}\\n')\n_gitocto_sys.stdout.flush()\n"
    )


_JS_PROLOGUE = """const __gitoctoEndOfTests = (() => {
  // console.assert only prints: failures are also counted here, where the program cannot reset them, and the
  // function cannot be replaced (nor `console` redeclared, see below) to silence the tests.
  let failures = 0;
  const original = globalThis.console;
  const realAssert = original.assert;
  Object.defineProperty(original, "assert", {
    value: function assert(ok, ...rest) { if (!ok) failures += 1; return realAssert.call(original, ok, ...rest); },
    writable: false, configurable: false, enumerable: true,
  });
  for (const name of ["assert", "assert/strict"]) {
    try { const m = require(name); Object.freeze(m); if (m.strict) Object.freeze(m.strict); } catch (e) { /* none */ }
  }
  const write = process.stdout.write.bind(process.stdout);
  return () => { if (failures === 0) write("\\n%s\\n"); };
})();
const console = globalThis.console;
"""


def _js(program: str, token: str) -> str:
    return _JS_PROLOGUE.replace("%s", token) + program.rstrip() + "\n;__gitoctoEndOfTests();\n"


def _java(program: str, token: str) -> str:
    # A class of our own runs Main.main; System.out is taken before the tests run, so replacing it does not help.
    return (
        f"{program.rstrip()}\n\nclass {JAVA_ENTRY} {{\n"
        "    public static void main(String[] args) throws Throwable {\n"
        "        java.io.PrintStream out = System.out;\n"
        "        Main.main(args);\n"
        f'        out.println("\\n{token}");\n'
        "        out.flush();\n"
        "    }\n}\n"
    )


_GO_PACKAGE = re.compile(r"^[ \t]*package[ \t]+main\b.*$", re.MULTILINE)


def _go(program: str, token: str) -> str:
    # TestMain runs the tests; the same package imported again under names of our own does not clash with the
    # program's imports.
    imports = '\nimport (\n    gitoctoOS "os"\n    gitoctoTesting "testing"\n)\n'
    match = _GO_PACKAGE.search(program)
    at = match.end() if match else 0
    head = program[:at] if match else "package main\n"
    test_main = (
        "\nfunc TestMain(m *gitoctoTesting.M) {\n    code := m.Run()\n    if code == 0 {\n"
        f'        gitoctoOS.Stdout.WriteString("\\n{token}\\n")\n    }}\n    gitoctoOS.Exit(code)\n}}\n'
    )
    return head + imports + program[at:].rstrip() + "\n" + test_main


_CPP_MAIN = re.compile(r"^[ \t]*(?:(?:static|inline|signed)[ \t]+)*int[ \t]+(main)[ \t]*\(([^)]*)\)", re.MULTILINE)
_CPP_TESTS = "gitocto_tests_main"
# An assert that stops the program whatever the solution did to NDEBUG, the assert macro or the C library's
# assertion handler: defined right before the tests' main, after every header they include.
_CPP_ASSERT = """
#include <cstdio>
#undef NDEBUG
#undef assert
#define assert(e) ((e) ? (void)0 : (std::fputs("Assertion `" #e "' failed\\n", stderr), std::fflush(stderr), \
__builtin_trap()))
"""


def _cpp(program: str, token: str) -> str:
    # The tests' main becomes a function of our own, with `return 0` at its end (the implicit return of main);
    # the real main prints the token once it returned 0.
    matches = list(_CPP_MAIN.finditer(program))
    if not matches:
        return program  # no tests to run: it cannot link, and fails as it would have
    match = matches[-1]
    brace = program.find("{", match.end())
    if brace == -1:
        return program
    end = block_end(program, brace)
    body_end = end - 1 if program[end - 1 : end] == "}" else end
    params = match.group(2).strip()
    call = f"{_CPP_TESTS}(argc, argv)" if params and params != "void" else f"{_CPP_TESTS}()"
    return (
        program[: match.start()]
        + _CPP_ASSERT
        + program[match.start() : match.start(1)]
        + _CPP_TESTS
        + program[match.end(1) : body_end]
        + "\nreturn 0;\n"
        + program[body_end:]
        + "\n\nint main(int argc, char** argv) {\n    (void)argc; (void)argv;\n"
        f"    int code = {call};\n"
        f'    if (code == 0) {{ std::fputs("\\n{token}\\n", stdout); std::fflush(stdout); }}\n'
        "    return code;\n}\n"
    )


# The std macros tests use, defined again after the solution: a macro_rules! of the solution's with the same name
# (an assert_eq! that checks nothing, a vec! that builds something else) no longer reaches the tests.
_RUST_MACROS = (
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "matches",
    "vec",
    "format",
    "panic",
    "unreachable",
    "println",
    "print",
)
_RUST_TESTS = re.compile(r"^[ \t]*#\[cfg\(test\)\]|^[ \t]*#\[test\]", re.MULTILINE)
# libtest runs the tests one at a time in name order (--test-threads=1): this one comes last.
_RUST_LAST = "zzzzzzzz_gitocto_end_of_tests"


def _rust(program: str, token: str) -> str:
    shadows = "".join(
        f"#[allow(unused_macros)]\nmacro_rules! {name} {{ ($($t:tt)*) => {{ ::std::{name}!($($t)*) }}; }}\n"
        for name in _RUST_MACROS
    )
    match = _RUST_TESTS.search(program)
    at = match.start() if match else len(program)
    last = (
        f"\n#[cfg(test)]\nmod {_RUST_LAST} {{\n    #[test]\n    fn end() {{\n"
        f'        let _ = ::std::io::Write::write_all(&mut ::std::io::stdout(), b"\\n{token}\\n");\n'
        "    }\n}\n"
    )
    return program[:at] + "\n" + shadows + program[at:].rstrip() + "\n" + last


_MARKERS = {"python": _python, "js": _js, "java": _java, "go": _go, "cpp": _cpp, "rust": _rust}


def block_end(code: str, open_index: int) -> int:
    """The index just after the `}` closing the `{` at `open_index` (C-family source); strings, characters and
    comments are skipped, so a brace inside them does not count. The end of `code` when it never closes."""
    depth = 0
    i = open_index
    while i < len(code):
        ch = code[i]
        if code.startswith("//", i):
            i = code.find("\n", i)
            if i == -1:
                return len(code)
        elif code.startswith("/*", i):
            i = code.find("*/", i + 2)
            if i == -1:
                return len(code)
            i += 1
        elif ch in "\"'":
            i += 1
            while i < len(code) and code[i] != ch and code[i] != "\n":
                i += 2 if code[i] == "\\" else 1
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(code)
