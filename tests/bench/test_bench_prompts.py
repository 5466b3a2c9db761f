"""Prompts follow the paper's formats for each task."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitocto.bench.data import Problem, load_problems, parse_langs
from gitocto.bench.prompts import DESCRIBE, build_prompt, chat_messages, parse_tasks
from gitocto.errors import OctoError


def test_fix_octocoder_prompt(problems: dict[str, list[Problem]]) -> None:
    p = problems["python"][0]
    prompt = build_prompt(p, "fix", "octocoder")
    expected = (
        f"Question: Fix bugs in has_close_elements.\n{p.declaration}{p.buggy_solution}\n{p.test}"
        f"\n\nAnswer:\n{p.declaration}"
    ).strip()
    assert prompt.text == expected
    assert prompt.base == p.declaration


def test_fixdocs_uses_the_docstring_prompt_and_no_tests(problems: dict[str, list[Problem]]) -> None:
    p = problems["js"][3]
    prompt = build_prompt(p, "fixdocs", "octocoder")
    assert p.test not in prompt.text
    assert prompt.text.endswith(p.prompt.strip())


def test_synthesize_formats(problems: dict[str, list[Problem]]) -> None:
    p = problems["go"][5]
    octocoder = f"Question: {p.instruction.strip()}\n\nAnswer:\n{p.prompt}".strip()
    assert build_prompt(p, "synthesize", "octocoder").text == octocoder
    assert build_prompt(p, "synthesize", "instruct").text == f"{p.instruction.strip()}\n\n{p.prompt}".strip()
    assert build_prompt(p, "synthesize", "continue").text == p.prompt.strip()


def test_explain_describe_then_synthesize(problems: dict[str, list[Problem]]) -> None:
    p = problems["rust"][0]
    describe = build_prompt(p, DESCRIBE, "octocoder")
    assert f"using at most {len(p.docstring)} characters." in describe.text
    assert p.canonical_solution.strip() in describe.text
    assert describe.text.endswith("Answer:")
    synth = build_prompt(p, "explain", "octocoder", "Checks closeness.")
    instruction = "Write functional code in Rust according to the description."
    assert synth.text.startswith(f"Question: {instruction}\nChecks closeness.")
    assert synth.base == "fn main(){}\n" + p.declaration


def test_continue_is_only_for_synthesize(problems: dict[str, list[Problem]]) -> None:
    with pytest.raises(OctoError, match="continue"):
        build_prompt(problems["python"][0], "fix", "continue")


def test_chat_messages_ask_for_the_answer_start(problems: dict[str, list[Problem]]) -> None:
    p = problems["cpp"][1]
    [message] = chat_messages(build_prompt(p, "fix", "chat"), "cpp")
    assert message["role"] == "user"
    assert message["content"].startswith("Fix bugs in separate_paren_groups.")
    assert p.declaration.strip() in message["content"]


def test_task_and_language_lists() -> None:
    assert parse_tasks("all") == ["fix", "explain", "synthesize"]
    assert parse_tasks("fixdocs,synthesize") == ["fixdocs", "synthesize"]
    assert parse_langs("all") == ["python", "js", "java", "go", "cpp", "rust"]
    with pytest.raises(OctoError, match="unknown task"):
        parse_tasks("translate")
    with pytest.raises(OctoError, match="unknown language"):
        parse_langs("python,cobol")


def test_data_loading_errors(tmp_path: Path, humanevalpack_dir: Path) -> None:
    assert len(load_problems("java", humanevalpack_dir, limit=3)) == 3
    with pytest.raises(OctoError, match="no HumanEvalPack file"):
        load_problems("python", tmp_path)
    (tmp_path / "python.jsonl").write_text('{"task_id": "x"}\n')
    with pytest.raises(OctoError, match="lacks the field"):
        load_problems("python", tmp_path)
