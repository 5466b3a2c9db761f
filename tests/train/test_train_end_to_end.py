"""The documented path through the real binaries: a repository -> `git octo extract` -> tiny model ->
`git octo train` -> AutoModelForCausalLM.from_pretrained."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.train.train_helpers import commit_record

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def git_octo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitocto", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_extracted_repository_to_saved_model(make_repo: Callable[[str], Any], tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from gitocto.train.tiny import main as make_tiny

    repo = make_repo("project")
    for i in range(12):
        old = commit_record(i)
        repo.commit(f"Fix bugs in add, take {i}", {"add.py": old["new_contents"], f"mod{i % 3}.py": f"X = {i}\n"})
    extracted = git_octo("extract", str(repo.path), "-o", str(tmp_path / "commits.parquet"), cwd=tmp_path)
    assert extracted.returncode == 0, extracted.stderr
    data = tmp_path / "commits.parquet"
    assert make_tiny([str(tmp_path / "tiny"), "--data", str(data)]) == 0
    proc = git_octo(
        "train",
        "--config",
        str(ROOT / "train" / "tiny-cpu.yaml"),
        "--model",
        str(tmp_path / "tiny"),
        "--data",
        str(data),
        "--output",
        str(tmp_path / "out"),
        "--max-steps",
        "4",
        "--save-every",
        "2",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "saved the model to" in proc.stderr and "Traceback" not in proc.stderr
    assert "records ->" in proc.stderr
    out = tmp_path / "out"
    assert (out / "checkpoints" / "step-00000004" / "trainer_state.json").is_file()
    steps = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps if "loss" in s] == [4] and "eval_loss" in steps[-1]  # log_every 5, last step

    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    prompt = tokenizer("Question: Fix bugs in add\ndef add(a, b):\n\nAnswer:", return_tensors="pt")
    generated = model.generate(**prompt, max_new_tokens=5, do_sample=False)
    assert generated.shape[1] == prompt["input_ids"].shape[1] + 5 or generated[0, -1] == tokenizer.eos_token_id
