"""The recipe end to end on the tiny model: learning, resuming, saving, LoRA, eval and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from gitocto.cli import main
from gitocto.errors import OctoError
from gitocto.train.config import TrainConfig
from gitocto.train.model import apply_lora, load_model
from gitocto.train.recipe import train
from tests.train.train_helpers import commit_record, metrics, write_jsonl

pytestmark = pytest.mark.slow


def weights(path: Path) -> dict[str, torch.Tensor]:
    from transformers import AutoModelForCausalLM

    return dict(AutoModelForCausalLM.from_pretrained(path).state_dict())


def test_loss_drops_on_a_repeated_batch(make_config: Callable[..., TrainConfig], tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "four.jsonl", [commit_record(i) for i in range(4)])
    config = make_config(data=[str(data)], max_steps=12, packing=False, lr=1e-2)  # one batch, seen 12 times
    assert train(config) == 0
    losses = [m["loss"] for m in metrics(Path(config.output))]
    assert len(losses) == 12
    assert losses[-1] < 0.7 * losses[0]
    logged = metrics(Path(config.output))[0]
    assert logged["tokens_per_s"] > 0 and logged["lr"] == pytest.approx(1e-2) and logged["mfu"] is None


def test_resume_continues_exactly(make_config: Callable[..., TrainConfig], commits_file: Path, tmp_path: Path) -> None:
    straight = make_config(
        data=[str(commits_file)],
        max_steps=4,
        save_every=2,
        batch_size=2,
        output=str(tmp_path / "a"),
        lr_scheduler="cosine",
        warmup_steps=1,
    )
    assert train(straight) == 0
    ckpt = tmp_path / "a" / "checkpoints" / "step-00000002"
    assert json.loads((ckpt / "trainer_state.json").read_text())["step"] == 2

    resumed = make_config(
        data=[str(commits_file)],
        max_steps=4,
        save_every=2,
        batch_size=2,
        output=str(tmp_path / "b"),
        lr_scheduler="cosine",
        warmup_steps=1,
        resume=str(ckpt),
    )
    assert train(resumed) == 0
    a, b = metrics(tmp_path / "a"), metrics(tmp_path / "b")
    assert [m["step"] for m in b] == [3, 4]
    assert [v for m in b for v in (m["loss"], m["lr"])] == pytest.approx(
        [v for m in a[2:] for v in (m["loss"], m["lr"])], rel=1e-6
    )
    wa, wb = weights(tmp_path / "a"), weights(tmp_path / "b")
    assert all(torch.allclose(wa[k], wb[k], atol=1e-6) for k in wa)

    # --resume alone takes the newest checkpoint of the output directory; changed data is refused.
    assert (
        train(
            make_config(
                data=[str(commits_file)],
                max_steps=4,
                batch_size=2,
                output=str(tmp_path / "a"),
                lr_scheduler="cosine",
                warmup_steps=1,
                resume="latest",
            )
        )
        == 0
    )
    other = write_jsonl(tmp_path / "other.jsonl", [commit_record(i) for i in range(30, 50)])
    with pytest.raises(OctoError, match="training data or its settings"):
        train(make_config(data=[str(other)], max_steps=4, batch_size=2, output=str(tmp_path / "c"), resume=str(ckpt)))


def test_an_epochs_last_short_step_trains_the_rest(
    make_config: Callable[..., TrainConfig], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5 micro-batches of one sample, 4 per step: an epoch is a full step and a step of 1, and every sample trains.
    from gitocto.train.recipe import Run

    data = write_jsonl(tmp_path / "five.jsonl", [commit_record(i) for i in range(5)])
    seen: list[tuple[int, ...]] = []
    real_batch = Run.batch

    def recording(self: Run, micro_batch: Any, pad_id: int) -> Any:
        seen.extend(s.ids for row in micro_batch for s in row)
        return real_batch(self, micro_batch, pad_id)

    monkeypatch.setattr(Run, "batch", recording)
    common = {
        "data": [str(data)],
        "max_steps": None,
        "epochs": 2,
        "packing": False,
        "batch_size": 1,
        "grad_accum": 4,
        "save_every": 1,
        "lr_scheduler": "cosine",
    }
    config = make_config(**common, output=str(tmp_path / "a"))
    assert train(config) == 0
    assert [m["step"] for m in metrics(tmp_path / "a")] == [1, 2, 3, 4]
    assert [m["epoch"] for m in metrics(tmp_path / "a")] == [0, 0, 1, 1]
    assert len(seen) == 10 and len(set(seen[:5])) == 5 and set(seen[5:]) == set(seen[:5])
    assert json.loads((tmp_path / "a" / "gitocto-train.json").read_text())["steps"] == 4

    # Resuming after the short step starts the next epoch exactly where the straight run did.
    ckpt = tmp_path / "a" / "checkpoints" / "step-00000002"
    assert json.loads((ckpt / "trainer_state.json").read_text())["micro_batch"] == 5
    assert train(make_config(**common, output=str(tmp_path / "b"), resume=str(ckpt))) == 0
    a, b = metrics(tmp_path / "a"), metrics(tmp_path / "b")
    assert [v for m in b for v in (m["loss"], m["lr"])] == pytest.approx(
        [v for m in a[2:] for v in (m["loss"], m["lr"])], rel=1e-6
    )


def test_resuming_a_finished_run_does_nothing_twice(
    make_config: Callable[..., TrainConfig], commits_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "done"
    common = {
        "data": [str(commits_file)],
        "max_steps": 2,
        "save_every": 2,
        "batch_size": 2,
        "eval_fraction": 0.2,
        "output": str(out),
    }
    assert train(make_config(**common)) == 0
    lines = (out / "metrics.jsonl").read_text()
    assert [m["step"] for m in metrics(out)] == [1, 2] and "eval_loss" in metrics(out)[-1]
    saved = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file() and p.name != "metrics.jsonl"}
    capsys.readouterr()
    assert train(make_config(**common, resume="latest")) == 0
    assert (out / "metrics.jsonl").read_text() == lines
    assert {p: (out / p).stat().st_mtime_ns for p in saved} == saved
    assert "the model of step 2 is already saved" in capsys.readouterr().err


def test_saved_model_loads_and_generates(make_config: Callable[..., TrainConfig], commits_file: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = make_config(data=[str(commits_file)], max_steps=3, format="commit", eval_fraction=0.2)
    assert train(config) == 0
    out = Path(config.output)
    assert "eval_loss" in metrics(out)[-1]
    summary = json.loads((out / "gitocto-train.json").read_text())
    assert summary["steps"] == 3 and summary["eval_samples"] == 5
    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    token_id, embeddings = tokenizer.convert_tokens_to_ids("<commit_msg>"), model.get_input_embeddings()
    assert isinstance(token_id, int) and isinstance(embeddings, torch.nn.Embedding)
    assert token_id < embeddings.num_embeddings
    prompt = tokenizer("<commit_before>x = 1\n<commit_msg>Fix x<commit_after>", return_tensors="pt")
    first = model.generate(**prompt, max_new_tokens=6, do_sample=False)
    again = model.generate(**prompt, max_new_tokens=6, do_sample=False)
    assert first.shape[1] > prompt["input_ids"].shape[1] and torch.equal(first, again)


def test_lora_trains_only_adapter_weights(
    make_config: Callable[..., TrainConfig], commits_file: Path, tiny_model_dir: Path
) -> None:
    peft_model = apply_lora(
        load_model(str(tiny_model_dir), attn_implementation="sdpa", vocab_size=0), 8, 16, 0.0, "all-linear", []
    )
    trainable = [n for n, p in peft_model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)

    config = make_config(data=[str(commits_file)], max_steps=3, lora=True, lora_r=4, lr=1e-2)
    assert train(config) == 0
    base, tuned = weights(tiny_model_dir), weights(Path(config.output))
    assert set(base) == set(tuned)  # merged back into a plain model
    assert torch.equal(base["model.embed_tokens.weight"], tuned["model.embed_tokens.weight"])
    assert torch.equal(base["model.norm.weight"], tuned["model.norm.weight"])
    q_proj = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(base[q_proj], tuned[q_proj])


def test_mixed_sources_and_counted_skips(
    make_config: Callable[..., TrainConfig], commits_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    synth = write_jsonl(
        tmp_path / "synth.jsonl",
        [{"instruction": f"Write add number {i}.", "response": "def add(a, b):\n    return a + b\n"} for i in range(6)]
        + [{"instruction": "Nothing", "response": None}, {"instruction": "Huge", "response": "x = 1\n" * 300}],
    )
    config = make_config(data=[str(commits_file), f"{synth}:3"], max_steps=2)
    assert train(config) == 0
    err = capsys.readouterr().err
    assert "skipped 2 records: 1 response is missing, 1 longer than seq_len (128 tokens)" in err
    summary = json.loads((Path(config.output) / "gitocto-train.json").read_text())
    assert summary["train_samples"] == [24, 6]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["train", *args])
    return code, capsys.readouterr().err


def test_bad_input_is_a_one_line_error(
    tiny_model_dir: Path, commits_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--output", str(tmp_path / "out"), "--max-steps", "1", "--seq-len", "128"]
    wrong = write_jsonl(tmp_path / "wrong.jsonl", [{"text": "hello", "id": 1}])
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    cases = [
        (["--model", str(tmp_path / "missing-model"), "--data", str(commits_file)], "model path does not exist"),
        (["--model", str(tiny_model_dir), "--data", str(wrong)], "missing columns: need subject"),
        (["--model", str(tiny_model_dir), "--data", str(empty)], "no training samples left from 0 records"),
        (
            ["--model", str(tiny_model_dir), "--data", str(commits_file), "--seq-len", "16"],
            "no training samples left from 24 records (24 longer than seq_len (16 tokens))",
        ),
        (["--model", str(tiny_model_dir), "--data", str(tmp_path / "nope.jsonl")], "data file not found"),
        (["--model", str(tiny_model_dir), "--data", str(commits_file), "--report-to", "nosuch"], "unknown tracker"),
        (
            ["--model", str(tiny_model_dir), "--data", str(commits_file), "--output", str(tmp_path / "used")],
            "already holds a training run; pass --resume",
        ),
    ]
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "metrics.jsonl").write_text("{}\n")
    for args, message in cases:
        code, err = run_cli([*base, *args], capsys)
        assert code == 1, err
        last = err.strip().splitlines()[-1]
        assert last.startswith("git octo: error: ") and message in last, err
        assert "Traceback" not in err


def test_the_real_binary_reports_bad_config(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text("model: m\nlearning_rate: 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "gitocto", "train", "--config", str(recipe)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"git octo: error: {recipe}: unknown key 'learning_rate'"


def test_humanevalpack_subset_after_training(
    make_config: Callable[..., TrainConfig], commits_file: Path, humanevalpack_dir: Path
) -> None:
    bench = f"--task synthesize --lang python --limit 1 --max-new-tokens 8 --data-dir {humanevalpack_dir}"
    config = make_config(data=[str(commits_file)], max_steps=1, bench=bench)
    assert train(config) == 0
    results = json.loads((Path(config.output) / "humanevalpack-results.json").read_text())
    # Written by `git octo bench` for the saved model; a random tiny model is not expected to pass anything.
    assert results["model"] == config.output and results["limit"] == 1 and results["backend"] == "hf"
