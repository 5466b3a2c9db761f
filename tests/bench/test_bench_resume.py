"""`git octo bench` through the openai backend against a loopback stub server: chat replies are scored, and a
resumed run refuses generations made with other settings instead of reusing them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from gitocto.bench.command import Options, run, side_files
from gitocto.errors import OctoError
from tests.support.json_server import JsonHandler, serving

# What a chat model typically answers: the function restated (without its docstring), then example calls. Each
# example would fail the test program if kept: the Python assert is wrong, and JavaScript fails on any output.
REPLIES = {
    "Python": """Here is the function:

```python
from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    for i, a in enumerate(numbers):
        for j, b in enumerate(numbers):
            if i != j and abs(a - b) < threshold:
                return True
    return False


print(has_close_elements([1.0, 2.0], 0.5))
assert has_close_elements([1.0, 2.0], 0.5)
```
""",
    "JavaScript": """```javascript
const hasCloseElements = (numbers, threshold) => {
  for (let i = 0; i < numbers.length; i++) {
    for (let j = i + 1; j < numbers.length; j++) {
      if (Math.abs(numbers[i] - numbers[j]) < threshold) {
        return true;
      }
    }
  }
  return false;
};

console.log(hasCloseElements([1.0, 2.0], 0.5));
```
""",
}


@dataclass
class StubModel:
    """The stub's served model name and the chat requests it answered."""

    url: str = ""
    model: str = "model-a"
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def stub_model() -> Iterator[StubModel]:
    """An OpenAI-compatible chat server that answers HumanEval/0 the way chat models do."""
    stub = StubModel()

    class Handler(JsonHandler):
        def do_GET(self) -> None:
            self.send_json({"object": "list", "data": [{"id": stub.model, "object": "model"}]})

        def do_POST(self) -> None:
            body = self.read_json()
            with stub.lock:
                stub.requests.append(body)
            content = body["messages"][-1]["content"]
            text = next(reply for lang, reply in REPLIES.items() if f"Write a {lang} function" in content)
            self.send_json(
                {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion",
                    "created": 0,
                    "model": stub.model,
                    "choices": [
                        {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                        for i in range(body.get("n", 1))
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )

    with serving(Handler) as url:
        stub.url = url
        yield stub


def _options(stub: StubModel, data_dir: Path, out: Path, **changes: Any) -> Options:
    opts = Options(
        task="synthesize",
        lang="python,js",
        backend="openai",
        endpoint=stub.url,
        prompt_format="chat",
        limit=1,
        data_dir=data_dir,
        output=out,
        workers=2,
    )
    return replace(opts, **changes)


def test_chat_replies_in_python_and_js_pass(stub_model: StubModel, humanevalpack_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "chat.json"
    assert run(_options(stub_model, humanevalpack_dir, out)) == 0
    # Chat requests carry no language stop sequences: Python's "\ndef" would cut the reply right after its fence.
    assert [r["stop"] for r in stub_model.requests] == [["<|endoftext|>"]] * 2
    results = json.loads(out.read_text())["results"]["synthesize"]
    assert {lang: cell["pass@1"] for lang, cell in results.items()} == {"python": 1.0, "js": 1.0}


def test_rerun_with_other_settings_is_refused(stub_model: StubModel, humanevalpack_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    opts = _options(stub_model, humanevalpack_dir, out)
    assert run(opts) == 0
    generations, _ = side_files(out)
    saved = [json.loads(line) for line in generations.read_text().splitlines()]
    assert all(r["settings"]["model"] == "model-a" and r["settings"]["temperature"] == 0.0 for r in saved)
    asked = len(stub_model.requests)

    # The same command again resumes: nothing is asked twice.
    assert run(opts) == 0
    assert len(stub_model.requests) == asked

    cases: list[tuple[dict[str, Any], str]] = [
        ({"temperature": 0.2}, "temperature 0.0 there, 0.2 now"),
        ({"n_samples": 2}, "n_samples 1 there, 2 now"),
        ({"seed": 1}, "seed 0 there, 1 now"),
        ({"max_new_tokens": 64}, "max_new_tokens 512 there, 64 now"),
    ]
    for changes, setting in cases:
        with pytest.raises(OctoError, match=rf"{generations} was generated with other settings \({setting}\)"):
            run(replace(opts, **changes))
    # The endpoint now serves another model (no --model given): its generations are not the first model's.
    stub_model.model = "model-b"
    with pytest.raises(OctoError, match="other settings \\(model 'model-a' there, 'model-b' now\\)") as info:
        run(opts)
    assert "\n" not in str(info.value)
    assert len(stub_model.requests) == asked and generations.read_text().splitlines() == [
        json.dumps(r, ensure_ascii=False) for r in saved
    ]

    # Scoring the saved file on its own still works, whatever model is served now.
    rescored = tmp_path / "rescored.json"
    assert (
        run(
            Options(
                task="synthesize",
                lang="python,js",
                limit=1,
                data_dir=humanevalpack_dir,
                generations=generations,
                output=rescored,
                workers=2,
            )
        )
        == 0
    )
    assert json.loads(rescored.read_text())["results"] == json.loads(out.read_text())["results"]


def test_generations_without_settings_are_scored_but_not_resumed(
    stub_model: StubModel, humanevalpack_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "old.json"
    generations, _ = side_files(out)
    record = {
        "task": "synthesize",
        "lang": "python",
        "task_id": "Python/0",
        "format": "chat",
        "completions": [REPLIES["Python"]],
    }
    generations.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(OctoError, match="do not record their settings"):
        run(_options(stub_model, humanevalpack_dir, out))
    assert stub_model.requests == []
    scored = tmp_path / "scored.json"
    assert (
        run(
            Options(
                task="synthesize",
                lang="python",
                limit=1,
                data_dir=humanevalpack_dir,
                generations=generations,
                output=scored,
                workers=2,
            )
        )
        == 0
    )
    assert json.loads(scored.read_text())["results"]["synthesize"]["python"]["pass@1"] == 1.0
