"""The published recipes: Magicoder's OSS-Instruct and microsoft/WaveCoder, request by request, and the
--prompt-format option for a teacher without a chat template."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitocto.synth import published
from gitocto.synth.seeds import magicoder_seed, sample_seed
from gitocto.synth.sources import SourceFile
from gitocto.synth.wavecoder_published import NO_INPUT, parse_answer, parse_generation, sentences
from tests.support.synth_stub import StubTeacher


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def synth(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "octo", "synth", *args], capture_output=True, text=True, check=False)


def test_magicoder_recipe_sends_the_published_request_and_stores_the_prefix(
    source_repo: Path, tmp_path: Path, stub: StubTeacher
) -> None:
    out = tmp_path / "magicoder.jsonl"
    proc = synth(
        "oss-instruct",
        "--recipe",
        "magicoder",
        "--source",
        str(source_repo),
        "-n",
        "12",
        "-o",
        str(out),
        "--endpoint",
        stub.url,
        "--no-decontaminate",
        "--langs",
        "python,go",
    )
    assert proc.returncode == 0, proc.stderr
    assert len(stub.bodies) == 12
    for body in stub.bodies:
        messages: list[dict[str, str]] = body["messages"]  # type: ignore[assignment]
        system, user = messages
        assert system == {"role": "system", "content": published.MAGICODER_SYSTEM}
        assert user["role"] == "user" and user["content"].startswith("Please gain inspiration")
        assert body["max_tokens"] == 2500 and body["temperature"] == 0
    kept = rows(out)
    assert kept, proc.stderr
    for record in kept:
        assert record["instruction"] == f"Write a solution to the following coding problem:\n{record['problem']}"
        assert record["tests"] == "" and record["prompt_version"] == "magicoder-oss-instruct"
        sent = published.MAGICODER_PROMPT.format(code=record["seed"])
        assert sent in [b["messages"][1]["content"] for b in stub.bodies]  # type: ignore[index]
    # The stub's malformed replies (no [Solution]) are dropped with their reason.
    assert "malformed reply: no [Solution] section" in proc.stderr


def test_magicoder_window_runs_to_the_end_of_the_file_and_is_cut_there() -> None:
    text = "".join(f"line {i}\n" for i in range(40))
    files = [SourceFile("f.py", "python", text)]
    draws = [magicoder_seed(files, i, 0) for i in range(3000)]
    last = sum("line 39\n" in d.text for d in draws) / len(draws)
    ours = sum("line 39" in sample_seed(files, i, 0).text for i in range(3000)) / 3000
    # A start uniform over all 40 lines, 1-15 lines, cut at the end: P(last line) = (1+2+...+15)/15/40 = 0.2.
    assert 0.17 < last < 0.23
    assert ours < 0.06  # our recipe keeps whole windows inside the file: the end is seeded far less
    starts = {int(d.origin.rsplit(":", 1)[1]) for d in draws}
    assert starts == set(range(1, 41))
    assert all(d.text.endswith("\n") for d in draws)  # lines keep their endings, as Magicoder joins them
    tail = [d for d in draws if d.origin.endswith(":40")]
    assert tail and all(d.text == "line 39\n" for d in tail)


def test_published_wavecoder_filters_count_sentences_and_noinput() -> None:
    good = "task_name: T\ninstruction: Write a Python function f. It adds one.\ninformation: None\nsolution:\nx"
    parsed, error = parse_generation(good + "\nAnalysis: looks fine")
    assert error is None and parsed is not None and parsed.information == NO_INPUT
    three = good.replace("It adds one.", "It adds one. It is short.")
    assert parse_generation(three) == (None, "instruction not one or two sentences")
    info = good.replace("information: None", "information: A. B. C.")
    assert parse_generation(info) == (None, "information over two sentences")
    both = good.replace("information: None", "information: <noinput>").replace("solution:\nx", "solution: <noinput>")
    assert parse_generation(both) == (None, "more than one <noinput>")
    assert sentences("One. Two! Three? ") == 3 and sentences("v1.2 is out") == 1


def test_published_verdict_is_the_overall_answer() -> None:
    analysis = (
        "- step 1: check the Instruction:\n1. Instruction: <answer: no, language missing>\n"
        "- Overall answer: {}\n- reasons: r\n"
    )
    assert parse_answer(analysis.format("yes"))[1] is True  # a part's "no" does not veto, as published
    assert parse_answer(analysis.format("no"))[1] is False
    assert parse_answer("Overall answer: yes") == (None, False)


def test_published_wavecoder_recipe_through_the_cli(source_repo: Path, tmp_path: Path, stub: StubTeacher) -> None:
    out = tmp_path / "wave.jsonl"
    proc = synth(
        "wavecoder",
        "--recipe",
        "wavecoder",
        "--source",
        str(source_repo),
        "-n",
        "50",
        "-o",
        str(out),
        "--endpoint",
        stub.url,
        "--no-decontaminate",
        "--langs",
        "python,go",
    )
    assert proc.returncode == 0, proc.stderr
    generator = [b for b in stub.bodies if "Translate a given task summary" in b["messages"][1]["content"]]  # type: ignore[index]
    assert generator
    for body in stub.bodies:
        assert body["messages"][0] == {"role": "system", "content": published.WAVECODER_SYSTEM}  # type: ignore[index]
        assert body["max_tokens"] == 512 and body["temperature"] == 1
    first = generator[0]["messages"][1]["content"]  # type: ignore[index]
    # main.py's load_prompt joins the file's lines with "\n": every line break comes doubled.
    assert "3. The instruction should be one or two sentences.\n\n4. The code in solution should import" in first
    assert "Good case 0:\n" + published.WAVECODER_GOOD_CASE in first
    kept = rows(out)
    assert kept and all(r["prompt_version"] == "wavecoder-published" and r["input"] == "" for r in kept)
    assert (
        "generator filter: instruction not one or two sentences" in proc.stderr
        or "discriminator: overall no" in proc.stderr
    )


def test_published_wavecoder_has_generation_prompts_only(source_repo: Path, tmp_path: Path) -> None:
    proc = synth(
        "wavecoder",
        "--recipe",
        "wavecoder",
        "--task",
        "repair",
        "--source",
        str(source_repo),
        "-o",
        str(tmp_path / "o.jsonl"),
        "--endpoint",
        "http://127.0.0.1:9/v1",
        "--no-decontaminate",
    )
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert "code generation only; use --recipe gitocto" in proc.stderr


@pytest.fixture
def no_template_model(tiny_model_dir: Path, tmp_path: Path) -> Path:
    """The tiny model with its chat template taken out: a plain completion model."""
    import shutil

    model = tmp_path / "plain"
    shutil.copytree(tiny_model_dir, model)
    (model / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((model / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (model / "tokenizer_config.json").write_text(json.dumps(config))
    return model


def test_completion_format_serves_a_model_without_a_chat_template(
    no_template_model: Path, source_repo: Path, tmp_path: Path
) -> None:
    common = [
        "oss-instruct",
        "--source",
        str(source_repo),
        "-n",
        "2",
        "--teacher",
        "hf",
        "--model",
        str(no_template_model),
        "--max-new-tokens",
        "3",
        "--no-decontaminate",
        "--no-execute",
    ]
    chat = synth(*common, "-o", str(tmp_path / "chat.jsonl"))
    assert chat.returncode == 1
    # (transformers prints its own loading bar first; ours is the one error line)
    error = [line for line in chat.stderr.splitlines() if line.startswith("git octo: error:")]
    assert len(error) == 1 and "has no chat template: pass --prompt-format completion" in error[0]
    assert chat.stderr.strip().endswith(error[0])
    out = tmp_path / "plain.jsonl"
    plain = synth(*common, "-o", str(out), "--prompt-format", "completion")
    assert plain.returncode == 0, plain.stderr
    # Three tokens of a random model: every reply is cut off, counted, and the run ends cleanly.
    assert "seeds done: 2; samples written: 0" in plain.stderr
    assert "reply cut off by the length limit" in plain.stderr


class RecordingBackend:
    """Stands in for a completion backend: records the prompts and answers nothing useful."""

    name = "recording"
    model_name = "plain"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def complete_generations(self, prompts: list[str], params: object) -> list[list[object]]:
        from gitocto.backends import Generation

        self.prompts.extend(prompts)
        return [[Generation("no sections", "stop", 1, 1)] for _ in prompts]


def test_completion_format_lays_out_the_system_line_and_the_question(source_repo: Path, tmp_path: Path) -> None:
    from gitocto.synth.oss_instruct import SynthOptions, oss_instruct
    from gitocto.synth.teacher import TeacherSpec

    backend = RecordingBackend()
    opts = SynthOptions(
        source=source_repo,
        output=tmp_path / "o.jsonl",
        n=3,
        recipe="magicoder",
        teacher=TeacherSpec(kind="hf", model="plain", prompt_format="completion"),
        decontaminate=False,
        execute=False,
    )
    summary = oss_instruct(opts, backend=backend)  # type: ignore[arg-type]
    assert summary.seeds == 3 and summary.kept == 0
    for prompt in backend.prompts:
        head, question = prompt.split("\n\nQuestion: ", 1)
        assert head == published.MAGICODER_SYSTEM
        assert question.startswith("Please gain inspiration") and question.endswith("\n\nAnswer:\n")
