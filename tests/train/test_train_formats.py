"""Prompt formats render exactly as documented, and only answers (plus EOS) carry labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitocto.errors import OctoError
from gitocto.train.formats import COMMIT_TOKENS, SkipRecord, record_kind, render
from gitocto.train.model import add_format_tokens, load_tokenizer
from gitocto.train.tokenization import IGNORE_INDEX, fit
from tests.train.train_helpers import commit_record

RECORD = {"subject": "Fix bugs in add", "old_contents": "return a - b\n", "new_contents": "return a + b\n"}
INSTRUCTION = {"instruction": "Write add.", "response": "def add(a, b): return a + b"}


def test_octocoder_format_is_the_octopack_layout() -> None:
    prompt, answer = render(RECORD, "octocoder", "commit")
    assert prompt + answer == "Question: Fix bugs in add\nreturn a - b\n\n\nAnswer: return a + b\n"
    assert prompt.endswith("Answer:")


def test_octocoder_format_of_instruction_records() -> None:
    prompt, answer = render(INSTRUCTION, "octocoder", "instruction")
    assert prompt + answer == "Question: Write add.\n\nAnswer: def add(a, b): return a + b"


def test_commit_format() -> None:
    prompt, answer = render(RECORD, "commit", "commit")
    assert prompt == "<commit_before>return a - b\n<commit_msg>Fix bugs in add<commit_after>"
    assert answer == "return a + b\n"


def test_instruction_format() -> None:
    prompt, answer = render(INSTRUCTION, "instruction", "instruction")
    assert prompt + answer == "@@ Instruction\nWrite add.\n\n@@ Response\ndef add(a, b): return a + b"


def test_chat_format_uses_the_models_template(tiny_model_dir: Path) -> None:
    tokenizer = load_tokenizer(str(tiny_model_dir))
    prompt, answer = render(INSTRUCTION, "chat", "instruction", tokenizer)
    assert prompt == "user: Write add.\nassistant: "
    assert answer == "def add(a, b): return a + b\n"


def test_chat_format_without_a_template_is_an_error(tiny_model_dir: Path) -> None:
    tokenizer = load_tokenizer(str(tiny_model_dir))
    tokenizer.chat_template = None
    with pytest.raises(OctoError, match="needs a tokenizer with a chat template"):
        render(INSTRUCTION, "chat", "instruction", tokenizer)


def test_added_file_has_empty_old_contents_and_deleted_file_is_skipped() -> None:
    prompt, _ = render({**RECORD, "old_contents": None}, "commit", "commit")
    assert prompt.startswith("<commit_before><commit_msg>")
    with pytest.raises(SkipRecord, match="new_contents is missing"):
        render({**RECORD, "new_contents": None}, "octocoder", "commit")
    with pytest.raises(SkipRecord, match="answer is empty"):
        render({**RECORD, "new_contents": "  \n"}, "octocoder", "commit")


def test_record_kind_names_missing_columns() -> None:
    assert record_kind(commit_record(0), "octocoder", "x") == "commit"
    assert record_kind(INSTRUCTION, "chat", "x") == "instruction"
    with pytest.raises(OctoError, match=r"x: missing columns: need subject, old_contents, new_contents .* found: a, b"):
        record_kind({"a", "b"}, "octocoder", "x")
    with pytest.raises(OctoError, match="commit format needs commit records"):
        record_kind(INSTRUCTION, "commit", "x")


def test_commit_tokens_are_added_once_as_single_tokens(tiny_model_dir: Path) -> None:
    tokenizer = load_tokenizer(str(tiny_model_dir))
    before = len(tokenizer)
    added = add_format_tokens(tokenizer, {"commit"})
    assert len(added) == 3 and len(tokenizer) == before + 3
    assert add_format_tokens(tokenizer, {"commit"}) == []
    ids = tokenizer("".join(COMMIT_TOKENS), add_special_tokens=False)["input_ids"]
    assert ids == added
    assert add_format_tokens(load_tokenizer(str(tiny_model_dir)), {"octocoder"}) == []


def test_labels_ignore_the_prompt_and_end_with_eos() -> None:
    sample = fit([5, 6, 7], [8, 9], eos_id=1, seq_len=16, overlong="drop")
    assert sample.ids == (5, 6, 7, 8, 9, 1)
    assert sample.labels() == [IGNORE_INDEX] * 3 + [8, 9, 1]
    assert sample.n_loss == 3
    assert fit([5], [8, 1], eos_id=1, seq_len=16, overlong="drop").ids == (5, 8, 1)  # EOS not doubled


def test_overlong_samples_are_dropped_or_truncated_by_rule() -> None:
    with pytest.raises(SkipRecord, match="longer than seq_len"):
        fit([1] * 10, [2] * 10, eos_id=0, seq_len=16, overlong="drop")
    cut = fit([1] * 10, [2] * 10, eos_id=0, seq_len=16, overlong="truncate")
    assert len(cut.ids) == 16 and cut.n_loss == 6
    with pytest.raises(SkipRecord, match="prompt fills seq_len"):
        fit([1] * 15, [2] * 10, eos_id=0, seq_len=16, overlong="truncate")
