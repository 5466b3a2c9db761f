"""`git octo fix`: a repair is applied only when the model finished it and it parses."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from gitocto.backends.base import Backend, Generation, Message, SamplingParams
from gitocto.fix.repair import repair, token_budget
from tests.support.json_server import JsonHandler, serving

# Staged with a syntax error in `add`; `sub` is the tail a cut-off reply would lose.
BROKEN = "def add(a, b:\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
FIXED = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
CUT_OFF = "def add(a, b):\n    return a + b\n"  # parses: only the finish reason tells it is not the whole file


class StubReply:
    """What the stub server answers every completion with, and how many completions it was asked for."""

    def __init__(self) -> None:
        self.text = ""
        self.finish_reason = "stop"
        self.url = ""
        self.asked = 0


@pytest.fixture
def stub_reply() -> Iterator[StubReply]:
    """An OpenAI-compatible server on 127.0.0.1 that answers with `.text` and `.finish_reason`."""
    reply = StubReply()

    class Handler(JsonHandler):
        def do_GET(self) -> None:
            self.send_json(
                {"object": "list", "data": [{"id": "stub", "object": "model", "created": 0, "owned_by": "test"}]}
            )

        def do_POST(self) -> None:
            self.read_json()
            reply.asked += 1
            choice = {"index": 0, "text": reply.text, "finish_reason": reply.finish_reason, "logprobs": None}
            self.send_json(
                {
                    "id": "cmpl-stub",
                    "object": "text_completion",
                    "created": 0,
                    "model": "stub",
                    "choices": [choice],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )

    with serving(Handler) as url:
        reply.url = url
        yield reply


def fix_apply(repo: Any, reply: StubReply) -> subprocess.CompletedProcess[str]:
    """Stage BROKEN as calc.py and run the real `git octo fix --apply` against the stub server."""
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": BROKEN})
    repo.git("add", "-A")
    args = ["fix", "--apply", "--backend", "openai", "--endpoint", reply.url, "--model", "stub", "--timeout", "30"]
    return subprocess.run(
        ["git", "octo", *args], cwd=repo.path, env=dict(os.environ), capture_output=True, text=True, check=False
    )


def test_a_finished_repair_that_parses_is_applied(repo: Any, stub_reply: StubReply) -> None:
    stub_reply.text = FIXED
    proc = fix_apply(repo, stub_reply)
    assert proc.returncode == 1, proc.stderr  # the staged file still has the error until it is added again
    assert "-def add(a, b:\n+def add(a, b):\n" in proc.stdout
    assert (repo.path / "calc.py").read_text() == FIXED


def test_a_reply_cut_off_at_the_token_budget_is_not_shown_or_applied(repo: Any, stub_reply: StubReply) -> None:
    stub_reply.text, stub_reply.finish_reason = CUT_OFF, "length"
    proc = fix_apply(repo, stub_reply)
    assert stub_reply.asked == 1
    assert proc.returncode == 1
    assert proc.stdout.startswith("calc.py:1:")  # the syntax error, and no diff that deletes `sub`
    assert "--- a/calc.py" not in proc.stdout
    assert proc.stderr.splitlines()[-1] == (
        f"git octo: the model's repair of calc.py was cut off at {token_budget(BROKEN)} tokens; not shown or applied"
    )
    assert (repo.path / "calc.py").read_text() == BROKEN


def test_a_repair_that_does_not_parse_is_not_shown_or_applied(repo: Any, stub_reply: StubReply) -> None:
    stub_reply.text = "def add(a, b):\n    return a +\n\n\ndef sub(a, b):\n    return a - b\n"
    proc = fix_apply(repo, stub_reply)
    assert proc.returncode == 1
    assert "--- a/calc.py" not in proc.stdout
    assert proc.stderr.splitlines()[-1] == (
        "git octo: the model's repair of calc.py does not parse (calc.py:2:5: syntax error); not shown or applied"
    )
    assert (repo.path / "calc.py").read_text() == BROKEN


class ScriptedBackend(Backend):
    """A backend that answers every prompt with one scripted generation and keeps the parameters it got."""

    name = "scripted"

    def __init__(self, text: str, finish_reason: str) -> None:
        self.generation = Generation(text, finish_reason, 1, 1)
        self.params: list[SamplingParams] = []

    def complete_generations(self, prompts: Sequence[str], params: SamplingParams) -> list[list[Generation]]:
        self.params.append(params)
        return [[self.generation] for _ in prompts]

    def chat_generations(
        self, conversations: Sequence[list[Message]], params: SamplingParams
    ) -> list[list[Generation]]:
        raise AssertionError("repairs are asked for as completions")

    def complete(self, prompts: Sequence[str], params: SamplingParams) -> list[list[str]]:
        raise AssertionError("complete() drops the finish reason")

    def chat(self, conversations: Sequence[list[Message]], params: SamplingParams) -> list[list[str]]:
        raise AssertionError("repairs are asked for as completions")


@pytest.mark.parametrize(
    ("text", "reason", "cut_off"),
    [
        (CUT_OFF, "length", True),
        (f"```python\n{CUT_OFF}", "length", True),  # a fence the model never closed
        (f"```python\n{FIXED}```\nThe bug was a missing parenthesis, and", "length", False),  # only the chatter ran out
        (FIXED, "stop", False),
    ],
    ids=["cut off", "unclosed fence", "closed fence", "finished"],
)
def test_repair_flags_a_reply_that_ran_out_of_tokens(text: str, reason: str, cut_off: bool) -> None:
    backend = ScriptedBackend(text, reason)
    result = repair(backend, "calc.py", BROKEN)
    assert result.cut_off is cut_off
    assert result.budget == backend.params[0].max_new_tokens == token_budget(BROKEN)
    if not cut_off:
        assert result.code == FIXED
