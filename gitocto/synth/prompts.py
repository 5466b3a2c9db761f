"""Teacher prompts: OSS-Instruct's problem-and-solution prompt, WaveCoder's generator and discriminator prompts.

PROMPT_VERSION goes into every record; change it whenever a prompt's wording or expected layout changes.
"""

from __future__ import annotations

from dataclasses import dataclass

PROMPT_VERSION = "gitocto-synth-3"

LANG_NAMES = {"python": "Python", "javascript": "JavaScript", "java": "Java", "go": "Go", "cpp": "C++", "rust": "Rust"}

TESTS_RULE = (
    "Then, under [Tests], write tests for the solution in the same language: code that, appended after the "
    "solution, makes a complete program that fails when a test fails."
)
# How the sandbox runs each language (gitocto.execution): the tests must complete the program in that layout.
TEST_LAYOUT = {
    "python": "Use plain `assert` statements at top level.",
    "javascript": "Use `const assert = require('assert');` and assert calls at top level; print nothing.",
    "java": "The whole program is compiled as Main.java: put the tests in `public class Main` with a `main` method "
    "that throws an AssertionError on failure.",
    "go": 'The program is compiled with `go test` as package main: write `import "testing"` and '
    "`func TestX(t *testing.T)` functions (the solution must also be package main).",
    "cpp": "Write an `int main()` that calls `assert` from <cassert>.",
    "rust": "Write `#[cfg(test)] mod tests { use super::*; #[test] fn ... }`.",
}

OSS_INSTRUCT = """You are exceptionally skilled at crafting high-quality programming problems and offering precise \
solutions.

Please gain inspiration from the following random code snippet to create a high-quality programming problem. \
Present your output in two distinct sections: [Problem Description] and [Solution].

Code snippet for inspiration:
```
{snippet}
```

Guidelines for each section:
1. [Problem Description]: This should be **completely self-contained**, providing all the contextual information \
one needs to understand and solve the problem. Assume common programming knowledge, but ensure that any specific \
context, variables, or code snippets pertinent to this problem are explicitly included. The problem is to be solved \
in {language}.
2. [Solution]: Offer a comprehensive, **correct** solution that accurately addresses the [Problem Description] you \
provided, with the code in one fenced ```{fence}``` block.
{tests}"""


def oss_instruct_prompt(snippet: str, lang: str, with_tests: bool) -> str:
    """The OSS-Instruct teacher prompt for one seed snippet (Magicoder's wording, plus an optional [Tests] part)."""
    layout = TEST_LAYOUT.get(lang, "")
    tests = f"3. [Tests]: {TESTS_RULE} {layout} Use one fenced ```{lang}``` block.\n" if with_tests else ""
    return OSS_INSTRUCT.format(snippet=snippet, language=LANG_NAMES.get(lang, lang), fence=lang, tests=tests)


@dataclass(frozen=True)
class TaskSpec:
    """A WaveCoder task: its definition and the discriminator's checklist beyond the common questions."""

    name: str
    definition: str
    checks: tuple[str, ...]


COMMON_CHECKS = (
    "Does the instruction name the programming language?",
    "Does the solution fit the instruction and its input?",
    "Is the solution code only (prose only in code comments)?",
    "Is the logic plain and not buried (no needless indirection or dead code)?",
    "Are all needed imports present?",
)

TASKS = {
    "generation": TaskSpec(
        "generation",
        "Code generation: from a natural-language description of a function, write the code that implements it.",
        (),
    ),
    "summarization": TaskSpec(
        "summarization",
        "Code summarization: given a piece of code, write a short natural-language summary of what it does. "
        "The input information is the code; the solution is the summary.",
        ("Is the input information code?", "Does the instruction ask to summarise that code?"),
    ),
    "repair": TaskSpec(
        "repair",
        "Code repair: given code with a bug, find the bug and write the corrected code. The input information is "
        "the buggy code; the solution is the fixed code.",
        ("Does the input code contain a real bug that the solution fixes?",),
    ),
    "translation": TaskSpec(
        "translation",
        "Code translation: rewrite the given code in another programming language with the same behaviour. "
        "The input information is the code to translate; the solution is the translated code.",
        ("Does the solution keep the behaviour of the input code?",),
    ),
}

GENERATOR = """You are a teacher who writes training examples for a code model.

Task definition: {definition}

Raw code to build the example from ({language}):
```
{code}
```
{reference}
Write one new example for this task in exactly these sections, each header on its own line:
[Instruction]
(the instruction for the task; it names the programming language)
[Input]
(the input information the instruction needs, or "None")
[Solution]
(the answer; code goes in one fenced block)
{tests}
Requirements (as WaveCoder's generator states them): the instruction is one or two sentences; the solution is
relevant to both the instruction and the input; its code imports every library it uses; its logic is plain, not
buried inside complex or poorly documented functions.
{examples}"""

DISCRIMINATOR = """You check training examples for a code model. Task definition: {definition}

Example to check:
[Instruction]
{instruction}
[Input]
{input}
[Solution]
{solution}

Answer each question on its own line as `N. yes` or `N. no`, followed by a short reason:
{questions}
Finally answer on the last line `Overall: yes` if every answer is yes, else `Overall: no`."""


def generator_prompt(
    task: TaskSpec,
    code: str,
    lang: str,
    reference: str | None,
    with_tests: bool,
    good: str | None,
    bad: str | None,
    answer_lang: str | None = None,
) -> str:
    """The generator prompt: the task, the raw code (labelled with its own `lang`), and one accepted and one
    rejected example when there are any; the tests are laid out for `answer_lang` (a translation's target)."""
    examples = ""
    if good:
        examples += f"\nAn example that was accepted:\n{good}\n"
    if bad:
        examples += f"\nAn example that was rejected, and why (do not repeat its mistakes):\n{bad}\n"
    ref = f"\nThe same code after a real bug-fix commit:\n```\n{reference}\n```\n" if reference else ""
    layout = TEST_LAYOUT.get(answer_lang or lang, "")
    tests = f"[Tests]\n({TESTS_RULE} {layout} Omit this section when the solution is not code.)\n" if with_tests else ""
    return GENERATOR.format(
        definition=task.definition,
        language=LANG_NAMES.get(lang, lang),
        code=code,
        reference=ref,
        tests=tests,
        examples=examples,
    )


def checklist(task: TaskSpec) -> tuple[str, ...]:
    """The discriminator's questions for `task` (summaries are prose, so "code only" does not apply to them)."""
    common = tuple(q for q in COMMON_CHECKS if task.name != "summarization" or "code only" not in q)
    return common + task.checks


def discriminator_prompt(task: TaskSpec, instruction: str, input_info: str, solution: str) -> str:
    """The discriminator prompt: the example and the numbered checklist with an overall verdict."""
    questions = "\n".join(f"{i}. {q}" for i, q in enumerate(checklist(task), 1))
    return DISCRIMINATOR.format(
        definition=task.definition,
        instruction=instruction,
        input=input_info or "None",
        solution=solution,
        questions=questions,
    )
