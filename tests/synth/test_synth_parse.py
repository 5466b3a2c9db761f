"""Teacher-reply parsers on fixed outputs: well-formed, decorated, malformed, out of order, empty and cut off."""

from __future__ import annotations

from gitocto.synth.oss_instruct import parse_response
from gitocto.synth.parse import code_block, parse_verdict
from gitocto.synth.prompts import TASKS, checklist
from gitocto.synth.wavecoder import parse_generation

WELL_FORMED = """[Problem Description]
Write a function `mean(xs)` returning the arithmetic mean of a non-empty list of numbers.

[Solution]
```python
def mean(xs):
    return sum(xs) / len(xs)
```

[Tests]
```python
assert mean([1, 2, 3]) == 2
```
"""


def test_well_formed_reply_gives_problem_solution_and_tests() -> None:
    parts, error = parse_response(WELL_FORMED)
    assert error is None and parts is not None
    assert parts["problem"].startswith("Write a function `mean(xs)`")
    assert "def mean(xs):" in parts["solution"] and "[Tests]" not in parts["solution"]
    assert parts["tests"] == "assert mean([1, 2, 3]) == 2"
    assert code_block(parts["solution"]) == "def mean(xs):\n    return sum(xs) / len(xs)"


def test_decorated_headers_and_no_tests_are_accepted() -> None:
    reply = "### **[Problem Description]**\nSum two ints.\n\n**[Solution]**:\n```go\nfunc f() {}\n```\n"
    parts, error = parse_response(reply)
    assert error is None and parts is not None
    assert parts["problem"] == "Sum two ints." and parts["tests"] == ""


def test_missing_section_is_dropped_with_its_name() -> None:
    assert parse_response("[Problem Description]\nDo a thing.\n") == (None, "no [Solution] section")
    assert parse_response("Here is code:\n```py\nx = 1\n```") == (None, "no [Problem Description] section")


def test_sections_out_of_order_are_dropped() -> None:
    reply = "[Solution]\n```python\nx = 1\n```\n[Problem Description]\nSet x.\n"
    assert parse_response(reply) == (None, "sections out of order")


def test_empty_section_is_dropped() -> None:
    reply = "[Problem Description]\n   \n[Solution]\n```python\nx = 1\n```\n"
    assert parse_response(reply) == (None, "empty [Problem Description] section")


def test_reply_cut_off_by_the_length_limit_is_dropped() -> None:
    truncated = WELL_FORMED[: WELL_FORMED.index("return sum")]
    assert parse_response(truncated) == (None, "cut off by the length limit")
    # A server that says so is believed even when the text looks complete.
    assert parse_response(WELL_FORMED, finish_reason="length") == (None, "cut off by the length limit")


def test_make_entry_drops_a_reply_the_server_cut_off_with_its_own_reason() -> None:
    from gitocto.synth.oss_instruct import make_entry
    from gitocto.synth.seeds import Seed

    seed = Seed(index=3, lang="python", text="x = 1", origin="a.py:1")
    assert make_entry(seed, WELL_FORMED, "t", "stop")["status"] == "kept"
    cut = make_entry(seed, WELL_FORMED, "t", "length")
    assert cut == {"key": "3", "status": "dropped", "reason": "reply cut off by the length limit"}


def test_generator_reply_cut_off_by_the_length_limit_is_dropped() -> None:
    reply = "[Instruction]\nWrite f.\n[Input]\nNone\n[Solution]\n```python\ndef f():\n    pass\n```\n"
    assert parse_generation(reply)[1] is None
    assert parse_generation(reply, finish_reason="length") == (None, "cut off by the length limit")


def test_generator_reply_with_none_input() -> None:
    reply = (
        "[Instruction]\nWrite a Rust function that reverses a string.\n[Input]\nNone\n"
        "[Solution]\n```rust\nfn rev(s: &str) -> String { s.chars().rev().collect() }\n```\n"
    )
    parts, error = parse_generation(reply)
    assert error is None and parts is not None
    assert parts["input"] == "" and parts["tests"] == ""
    assert parts["instruction"] == "Write a Rust function that reverses a string."


def test_generator_reply_missing_input_is_dropped() -> None:
    assert parse_generation("[Instruction]\nDo it.\n[Solution]\nx\n") == (None, "no [Input] section")


def test_verdict_yes_no_and_missing() -> None:
    questions = checklist(TASKS["generation"])
    yes = "\n".join(f"{i}. yes" for i in range(1, len(questions) + 1)) + "\nOverall: yes"
    verdict = parse_verdict(yes, questions)
    assert verdict is not None and verdict.accepted and verdict.reasons == ()
    no = "1. yes\n2. no - the solution ignores the input\n3. yes\n**Overall:** no"
    verdict = parse_verdict(no, questions)
    assert verdict is not None and not verdict.accepted
    assert verdict.reasons == (f"{questions[1]} no: the solution ignores the input",)
    assert parse_verdict("1. yes\n2. yes", questions) is None


def test_a_no_overrides_an_overall_yes() -> None:
    questions = checklist(TASKS["summarization"])
    verdict = parse_verdict("1. yes\n2. no: summary is wrong\nOverall: yes", questions)
    assert verdict is not None and not verdict.accepted


def test_summarization_checklist_asks_about_input_code_not_code_only() -> None:
    questions = checklist(TASKS["summarization"])
    assert "Is the input information code?" in questions
    assert not any("code only" in q for q in questions)
    assert any("code only" in q for q in checklist(TASKS["repair"]))
