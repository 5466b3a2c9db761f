"""Prompt formats: how one record becomes a (prompt, answer) pair; only the answer carries loss.

Two kinds of record are understood:
- commit records from `git octo extract`: `subject`, `old_contents`, `new_contents` (and more, unused here);
- instruction records from `git octo synth`: `instruction`, `response`.

`prompt + answer` is exactly the documented text of each format.  Where a format puts a space between the
`Answer:` cue and the answer, the space belongs to the answer, because byte-level BPE tokenizers attach a
leading space to the following word; a prompt ending in `Answer:` is then what inference sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from gitocto.errors import OctoError

COMMIT_TOKENS = ("<commit_before>", "<commit_msg>", "<commit_after>")
COMMIT_COLUMNS = ("subject", "old_contents", "new_contents")
INSTRUCTION_COLUMNS = ("instruction", "response")


class ChatTokenizer(Protocol):
    """The part of a tokenizer the `chat` format uses."""

    def apply_chat_template(self, conversation: Any, **kwargs: Any) -> Any: ...


class SkipRecord(Exception):
    """This record cannot become a sample; the message is the counted reason."""


def record_kind(columns: Iterable[str], fmt: str, where: str) -> str:
    """Say whether a file holds commit or instruction records, or fail naming the missing columns."""
    have = set(columns)
    if all(c in have for c in COMMIT_COLUMNS):
        return "commit"
    if all(c in have for c in INSTRUCTION_COLUMNS):
        if fmt == "commit":
            raise OctoError(
                f"{where}: the commit format needs commit records ({', '.join(COMMIT_COLUMNS)}); "
                "for instruction/response data use --format octocoder, instruction or chat"
            )
        return "instruction"
    found = ", ".join(sorted(have)) or "none"
    raise OctoError(
        f"{where}: missing columns: need {', '.join(COMMIT_COLUMNS)} (git octo extract) or "
        f"{', '.join(INSTRUCTION_COLUMNS)} (git octo synth); found: {found}"
    )


def _text(record: Mapping[str, Any], key: str, *, required: bool) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise SkipRecord(f"{key} is missing")
        return ""
    if not isinstance(value, str):
        raise SkipRecord(f"{key} is not text")
    return value


def _question_answer(record: Mapping[str, Any], kind: str) -> tuple[str, str]:
    """The (request, answer) a record holds, for the formats that do not lay out old and new code themselves."""
    if kind == "commit":
        subject = _text(record, "subject", required=True)
        old = _text(record, "old_contents", required=False)  # empty for an added file
        return f"{subject}\n{old}", _text(record, "new_contents", required=True)
    return _text(record, "instruction", required=True), _text(record, "response", required=True)


def render(record: Mapping[str, Any], fmt: str, kind: str, tokenizer: ChatTokenizer | None = None) -> tuple[str, str]:
    """Render one record as (prompt, answer) in format `fmt`; raise SkipRecord for a record with no usable answer."""
    if fmt == "commit":
        old = _text(record, "old_contents", required=False)
        subject = _text(record, "subject", required=True)
        new = _text(record, "new_contents", required=True)
        prompt, answer = f"<commit_before>{old}<commit_msg>{subject}<commit_after>", new
    elif fmt == "octocoder":
        question, answer = _question_answer(record, kind)
        prompt, answer = f"Question: {question}\n\nAnswer:", f" {answer}"
    elif fmt == "instruction":
        question, answer = _question_answer(record, kind)
        prompt = f"@@ Instruction\n{question}\n\n@@ Response\n"
    elif fmt == "chat":
        if tokenizer is None:
            raise OctoError("the chat format needs the model's tokenizer")
        question, answer = _question_answer(record, kind)
        prompt, answer = chat_split(tokenizer, question, answer)
    else:
        raise OctoError(f"unknown format {fmt!r}")
    if not answer.strip():
        raise SkipRecord("answer is empty")
    return prompt, answer


def chat_split(tokenizer: ChatTokenizer, question: str, answer: str) -> tuple[str, str]:
    """Render a user/assistant exchange with the model's chat template and cut it where the reply starts."""
    if not getattr(tokenizer, "chat_template", None):
        raise OctoError(
            "the chat format needs a tokenizer with a chat template, and this one has none; "
            "use --format octocoder or instruction"
        )
    user = [{"role": "user", "content": question}]
    try:
        prompt = tokenizer.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template([*user, {"role": "assistant", "content": answer}], tokenize=False)
    except Exception as exc:  # transformers raises ValueError when there is no template, jinja errors otherwise
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise OctoError(f"the model's chat template failed ({first}); use --format octocoder") from None
    if not isinstance(prompt, str) or not isinstance(full, str) or not full.startswith(prompt):
        raise OctoError(
            "this model's chat template does not render the prompt as a prefix of the conversation; "
            "use --format octocoder or instruction"
        )
    return prompt, full[len(prompt) :]
