"""The execution filter joins a teacher's solution and tests as each language needs, and runs them in the sandbox."""

from __future__ import annotations

import pytest

from gitocto.synth.verify import execute, program

# Written the way teachers write them: each part a complete file of its own, with its own package clause,
# imports, `public` classes and `main`.
GO_SOLUTION = """package main

import (
    "fmt"
    "strings"
)

// Shout upper-cases s and adds an exclamation mark.
func Shout(s string) string {
    return strings.ToUpper(s) + "!"
}

func main() {
    fmt.Println(Shout("hi"))
}
"""
GO_TESTS = """package main

import "testing"

func TestShout(t *testing.T) {
    if got := Shout("hi"); got != "HI!" {
        t.Fatalf("Shout(hi) = %q", got)
    }
}
"""
JAVA_SOLUTION = """import java.util.*;

public class Vowels {
    public static int count(String s) {
        int n = 0;
        for (char c : s.toCharArray()) {
            if ("aeiou".indexOf(c) >= 0) { n++; }  // braces in strings do not count: "}"
        }
        return n;
    }

    public static void main(String[] args) {
        System.out.println(count("hello"));
    }
}
"""
JAVA_TESTS = """import java.util.*;

public class Main {
    public static void main(String[] args) {
        if (Vowels.count("hello") != 2) {
            throw new AssertionError("count(hello)");
        }
    }
}
"""
CPP_SOLUTION = """#include <iostream>

int twice(int x) { return 2 * x; }

int main() {
    std::cout << twice(2) << std::endl;
    return 0;
}
"""
CPP_TESTS = """#include <cassert>

int main() {
    assert(twice(3) == 6);
    return 0;
}
"""
JS_SOLUTION = """const assert = require('assert');

function add(a, b) {
  assert(typeof a === 'number');
  return a + b;
}

module.exports = { add };
"""
JS_TESTS = """const assert = require('assert');

assert.strictEqual(add(1, 2), 3);
"""
SAMPLES = {
    "go": (GO_SOLUTION, GO_TESTS),
    "java": (JAVA_SOLUTION, JAVA_TESTS),
    "cpp": (CPP_SOLUTION, CPP_TESTS),
    "javascript": (JS_SOLUTION, JS_TESTS),
}


def test_go_imports_merge_into_one_block_at_the_top() -> None:
    joined = program("go", GO_SOLUTION, GO_TESTS)
    assert joined.startswith('package main\n\nimport (\n    "fmt"\n    "strings"\n    "testing"\n)\n\n')
    assert joined.count("package ") == 1 and joined.count("import") == 1
    assert "func Shout" in joined and "func TestShout" in joined


def test_java_imports_first_only_main_public_and_one_main() -> None:
    joined = program("java", JAVA_SOLUTION, JAVA_TESTS)
    assert joined.startswith("import java.util.*;\n\nclass Vowels {")
    assert joined.count("import java.util.*;") == 1 and joined.count("public class") == 1
    assert joined.count("void main(") == 1 and "System.out.println" not in joined
    assert '"}"' in joined and "return n;" in joined  # the brace in the string did not end count() early


def test_cpp_keeps_only_the_tests_main_and_js_tests_get_their_own_scope() -> None:
    joined = program("cpp", CPP_SOLUTION, CPP_TESTS)
    assert joined.count("int main") == 1 and "assert(twice(3) == 6)" in joined and "std::cout" not in joined
    assert "std::cout" in program("cpp", CPP_SOLUTION, "// no main here")  # then the solution's main stays
    joined = program("js", JS_SOLUTION, JS_TESTS)
    assert joined.endswith("{\nconst assert = require('assert');\n\nassert.strictEqual(add(1, 2), 3);\n}\n")


@pytest.mark.slow
def test_samples_pass_in_the_sandbox_and_wrong_ones_fail() -> None:
    records = [{"lang": lang, "solution_code": solution, "tests": tests} for lang, (solution, tests) in SAMPLES.items()]
    # The same samples with a wrong answer: they compile and run, and their tests catch it.
    wrong = {
        "go": ('"!"', '"?"'),
        "java": ("n++", "n += 2"),
        "cpp": ("2 * x", "3 * x"),
        "javascript": ("a + b", "a - b"),
    }
    broken = [{**r, "solution_code": r["solution_code"].replace(*wrong[r["lang"]])} for r in records]
    outcome = execute(records + broken, workers=2)
    assert outcome == [(True, "passed")] * 4 + [(False, "failed")] * 4
