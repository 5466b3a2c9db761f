"""A verdict a model cannot game: a sample passes only when its tests ran to the end. Hostile solutions in all six
languages (early exits with status 0, kills, assertions switched off) fail through the real toolchains, in
`git octo bench` programs and in synth's execution filter alike; honest ones still pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitocto.bench.data import LANGUAGES, Problem, load_problems
from gitocto.bench.programs import build_program
from gitocto.execution import run_program, run_programs
from gitocto.execution.endmark import mark, new_token, seen, without_mark
from gitocto.synth.verify import execute

# Statements that end the program with status 0 as soon as the solution runs, before any test can fail.
EARLY_EXIT = {
    "python": "    import sys; sys.exit(0)\n",
    "js": "  process.exit(0);\n",
    "java": "        System.exit(0);\n",
    "cpp": "    exit(0);\n",
    "rust": "    std::process::exit(0);\n",
}


def _problem(lang: str, data: Path, index: int = 0) -> Problem:
    return load_problems(lang, data, index + 1)[index]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_honest_program_passes_and_prints_nothing_of_the_mark(lang: str, humanevalpack_dir: Path) -> None:
    problem = _problem(lang, humanevalpack_dir)
    result = run_program(lang, build_program(problem, problem.prompt + problem.canonical_solution), timeout=30)
    assert result.passed, result.detail


@pytest.mark.parametrize("lang", sorted(EARLY_EXIT))
def test_an_early_exit_with_status_0_fails(lang: str, humanevalpack_dir: Path) -> None:
    problem = _problem(lang, humanevalpack_dir)
    code = problem.prompt + EARLY_EXIT[lang] + problem.buggy_solution
    result = run_program(lang, build_program(problem, code), timeout=30)
    assert not result.passed and result.status == "failed"
    assert "before its tests finished" in result.detail


GO_EXITS = {
    # os.Exit(0) while a test runs: go test's -test.paniconexit0, as the reference's `go test` has it.
    "in a test": ("func Twice(x int) int { os.Exit(0); return 0 }\n", "unexpected call to os.Exit(0)"),
    # ... and before any test runs, in an init function: only the missing mark tells.
    "in init": ("func init() { os.Exit(0) }\nfunc Twice(x int) int { return 0 }\n", "before its tests finished"),
}


@pytest.mark.parametrize("where", sorted(GO_EXITS))
def test_go_exits_fail(where: str) -> None:
    solution, why = GO_EXITS[where]
    program = (
        'package main\n\nimport (\n    "os"\n    "testing"\n)\n\n'
        + solution
        + 'func TestTwice(t *testing.T) {\n    if Twice(2) != 4 {\n        t.Fatal("Twice(2)")\n    }\n}\n'
    )
    result = run_program("go", program, timeout=30)
    assert not result.passed and why in result.detail, result.detail


SILENCERS = {
    # console.assert replaced, or `console` declared anew, so that failures print nothing
    "js": [
        "  return false;\n}\nconsole.assert = () => {};\nconst unusedGitocto = () => {\n",
        "  return false;\n}\nvar console = { assert() {} };\nconst unusedGitocto = () => {\n",
    ],
    # the C library's assertion handler replaced, NDEBUG defined, assert redefined
    "cpp": [
        '    return false;\n}\nextern "C" void __assert_fail(const char*, const char*, unsigned int, const char*)'
        " throw() {}\nbool unused_gitocto(vector<float> numbers, float threshold){\n",
        "    return false;\n}\n#define NDEBUG\n#define assert(x)\nbool unused_gitocto(vector<float> numbers, "
        "float threshold){\n",
    ],
    # a std macro shadowed by a macro_rules! that checks nothing
    "rust": [
        "    false\n}\nmacro_rules! assert_eq { ($($t:tt)*) => {} }\n"
        "fn unused_gitocto(numbers:Vec<f32>, threshold: f32) -> bool{\n"
    ],
    # the uncaught AssertionError turned into a clean exit
    "java": [
        "        return false;\n    }\n    static { Thread.setDefaultUncaughtExceptionHandler((t, e) -> "
        "Runtime.getRuntime().halt(0)); }\n    public boolean unusedGitocto(List<Double> numbers, "
        "double threshold) {\n"
    ],
}


@pytest.mark.parametrize("lang", sorted(SILENCERS))
def test_a_silenced_assertion_fails(lang: str, humanevalpack_dir: Path) -> None:
    problem = _problem(lang, humanevalpack_dir)
    jobs = [
        (lang, build_program(problem, problem.prompt + inject + problem.buggy_solution)) for inject in SILENCERS[lang]
    ]
    for result in run_programs(jobs, workers=2, timeout=30):
        assert not result.passed, result.detail


def test_a_killed_program_fails() -> None:
    result = run_program("python", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", timeout=10)
    assert not result.passed and "killed by signal 9" in result.detail


def test_the_mark_is_fresh_per_run_and_read_only_on_a_line_of_its_own() -> None:
    a, b = new_token(), new_token()
    assert a != b and len(a) > 32
    assert seen(f"out\n{a}\n", a) and not seen(f"out {a}\n", a) and not seen(f"{b}\n", a)
    assert without_mark(f"x\n{a}\ny\n", a) == "x\ny"
    for lang in LANGUAGES:
        assert a in mark(lang, "int main() {}\n" if lang == "cpp" else "", a)


# Synth samples: a solution and its tests written apart, as a teacher writes them.
SYNTH_HOSTILE = {
    "python": ("import sys\ndef twice(x):\n    sys.exit(0)\n", "assert twice(2) == 4\n"),
    "javascript": (
        "function twice(x) { process.exit(0); }\n",
        "const assert = require('assert');\nassert.strictEqual(twice(2), 4);\n",
    ),
    "java": (
        "class Twice { static int of(int x) { System.exit(0); return 0; } }\n",
        "public class Main {\n    public static void main(String[] args) {\n"
        "        if (Twice.of(2) != 4) throw new AssertionError();\n    }\n}\n",
    ),
    "go": (
        'package main\n\nimport "os"\n\nfunc init() { os.Exit(0) }\n\nfunc Twice(x int) int { return 0 }\n',
        'package main\n\nimport "testing"\n\nfunc TestTwice(t *testing.T) {\n'
        '    if Twice(2) != 4 {\n        t.Fatal("no")\n    }\n}\n',
    ),
    "cpp": (
        "#include <cstdlib>\nint twice(int x) { std::exit(0); }\n",
        "#include <cassert>\nint main() {\n    assert(twice(2) == 4);\n    return 0;\n}\n",
    ),
    "rust": (
        "pub fn twice(_x: i32) -> i32 { std::process::exit(0) }\n",
        "#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn t() { assert_eq!(twice(2), 4); }\n}\n",
    ),
}
SYNTH_HONEST = {
    "python": ("def twice(x):\n    return 2 * x\n", "assert twice(2) == 4\n"),
    "javascript": (
        "function twice(x) { return 2 * x; }\n",
        "const assert = require('assert');\nassert.strictEqual(twice(2), 4);\n",
    ),
    "java": ("class Twice { static int of(int x) { return 2 * x; } }\n", SYNTH_HOSTILE["java"][1]),
    "go": ("package main\n\nfunc Twice(x int) int { return 2 * x }\n", SYNTH_HOSTILE["go"][1]),
    "cpp": ("int twice(int x) { return 2 * x; }\n", SYNTH_HOSTILE["cpp"][1]),
    "rust": ("pub fn twice(x: i32) -> i32 { 2 * x }\n", SYNTH_HOSTILE["rust"][1]),
}


def test_synth_execution_filter_fails_early_exits_and_passes_honest_samples() -> None:
    records = [
        {"lang": lang, "solution_code": solution, "tests": tests}
        for samples in (SYNTH_HOSTILE, SYNTH_HONEST)
        for lang, (solution, tests) in samples.items()
    ]
    outcome = execute(records, workers=2, timeout=30)
    hostile, honest = outcome[: len(SYNTH_HOSTILE)], outcome[len(SYNTH_HOSTILE) :]
    assert [passed for passed, _ in hostile] == [False] * len(SYNTH_HOSTILE), hostile
    assert [passed for passed, _ in honest] == [True] * len(SYNTH_HONEST), honest


def test_synth_js_tests_cannot_be_silenced_through_the_assert_module() -> None:
    solution = "require('assert').strictEqual = () => {};\nfunction twice(x) { return 0; }\n"
    tests = "const assert = require('assert');\nassert.strictEqual(twice(2), 4);\n"
    [(passed, _)] = execute([{"lang": "javascript", "solution_code": solution, "tests": tests}], timeout=30)
    assert not passed
