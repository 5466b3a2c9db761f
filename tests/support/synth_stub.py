"""A test double for the teacher: a local OpenAI-compatible server that answers with canned, well-formed replies.

The replies depend only on the prompt, so runs are reproducible. Of the OSS-Instruct seeds, those whose snippet
hashes to 0 mod 5 get a reply without a [Solution] (malformed), 1 mod 5 a solution that fails its own tests;
the rest pass. The WaveCoder discriminator says no to every third example.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator

from tests.support.json_server import JsonHandler, serving


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def oss_reply(prompt: str) -> str:
    """The canned OSS-Instruct reply for a prompt."""
    snippet = prompt.split("```", 2)[1] if "```" in prompt else prompt
    h = _digest(snippet)
    if h % 5 == 0:
        return f"[Problem Description]\nProblem {h}: add numbers.\n"
    want = h + 1 if h % 5 != 1 else h + 2
    return (
        f"[Problem Description]\nWrite `f{h}(x)` that returns x + 1 (problem {h}).\n\n"
        f"[Solution]\n```python\ndef f{h}(x):\n    return x + 1\n```\n\n"
        f"[Tests]\n```python\nassert f{h}({h}) == {want}\n```\n"
    )


def generator_reply(prompt: str) -> str:
    """The canned WaveCoder generator reply."""
    code = prompt.split("```", 2)[1]
    h = _digest(code)
    return (
        f"[Instruction]\nWrite a Python function `g{h}(x)` that doubles x (example {h}).\n[Input]\nNone\n"
        f"[Solution]\n```python\ndef g{h}(x):\n    return 2 * x\n```\n"
        f"[Tests]\n```python\nassert g{h}(3) == 6\n```\n"
    )


def discriminator_reply(prompt: str) -> str:
    """The canned checklist: every third example (by digest) is rejected."""
    h = _digest(prompt.split("[Solution]", 1)[1])
    questions = re.findall(r"^(\d+)\. ", prompt.split("Answer each question", 1)[1], re.MULTILINE)
    ok = h % 3 != 0
    lines = [f"{q}. yes" for q in questions]
    if not ok:
        lines[0] = "1. no - the language is not named"
    return "\n".join([*lines, f"Overall: {'yes' if ok else 'no'}"])


def published_generator_reply(prompt: str) -> str:
    """The canned reply to WaveCoder's published generator: its four keys; every fourth breaks the sentence rule."""
    code = prompt.rsplit("Input: \n", 1)[1]
    h = _digest(code)
    instruction = (
        f"Write a Python function g{h} that doubles x." if h % 4 else "Write a function. It doubles x. It is in Python."
    )
    return (
        f"task_name: Double {h}\ninstruction: {instruction}\ninformation: None\n"
        f"solution:\n\ndef g{h}(x):\n    return 2 * x\n"
    )


def published_discriminator_reply(prompt: str) -> str:
    """The canned published analysis: every third example (by digest) gets an overall no."""
    h = _digest(prompt.rsplit("Output:\n", 1)[1])
    overall = "no" if h % 3 == 0 else "yes"
    return (
        "- step 1: check the Instruction:\n1. Instruction: <answer: yes, Python is named.>\n"
        "- step 2: check the Solution:\n1. Solution: <answer: yes, fits.>\n"
        f"- Overall answer: {overall}\n- reasons: canned.\n"
    )


def reply_for(prompt: str) -> str:
    """Route a prompt to the canned reply of the role it asks for."""
    if prompt.startswith("Please gain inspiration"):
        # Magicoder's published prompt asks for no tests: the reply has none.
        return oss_reply(prompt).split("[Tests]", 1)[0]
    if "Code snippet for inspiration" in prompt:
        return oss_reply(prompt)
    if "Translate a given task summary into a functional code" in prompt:
        return published_generator_reply(prompt)
    if "Please analyze and judge whether the data meets" in prompt:
        return published_discriminator_reply(prompt)
    if "You check training examples" in prompt:
        return discriminator_reply(prompt)
    return generator_reply(prompt)


class StubTeacher:
    """The running stub: its base URL and the chat requests it has answered."""

    def __init__(self) -> None:
        self.prompts: list[str] = []
        self.bodies: list[dict[str, object]] = []  # every chat request as sent (messages, max_tokens, ...)
        self.lock = threading.Lock()
        self.url = ""


@contextlib.contextmanager
def stub_teacher(
    latency: float = 0.0, fail_after: int | None = None, cut_off: Callable[[str], bool] | None = None
) -> Iterator[StubTeacher]:
    """Serve /v1/models and /v1/chat/completions on a free port until the block ends; each chat waits `latency` s.

    With `fail_after`, every chat after that many answers gets a 503, as from a teacher that went down. A prompt
    for which `cut_off` is true gets its usual (well-formed) reply with finish_reason "length", as when the
    server's token limit ended it at a section boundary: only the finish reason tells.
    """
    stub = StubTeacher()

    class Handler(JsonHandler):
        def do_GET(self) -> None:
            self.send_json({"object": "list", "data": [{"id": "stub-teacher", "object": "model"}]})

        def do_POST(self) -> None:
            body = self.read_json()
            prompt = body["messages"][-1]["content"]
            with stub.lock:
                if fail_after is not None and len(stub.prompts) >= fail_after:
                    self.send_error(503, "teacher down")
                    return
                stub.prompts.append(prompt)
                stub.bodies.append(body)
            text = reply_for(prompt)
            finish = "length" if cut_off is not None and cut_off(prompt) else "stop"
            if latency:
                time.sleep(latency)  # a remote teacher's generation time, so concurrency can show
            self.send_json(
                {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "stub-teacher",
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
                    ],
                    "usage": {
                        "prompt_tokens": len(prompt.split()),
                        "completion_tokens": len(text.split()),
                        "total_tokens": len(prompt.split()) + len(text.split()),
                    },
                }
            )

    with serving(Handler) as url:
        stub.url = url
        yield stub
