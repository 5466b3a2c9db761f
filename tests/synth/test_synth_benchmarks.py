"""Decontamination against HumanEval(Pack), MBPP, APPS, DS-1000 and GSM8K from local files in their published
formats, the probe set with its recall, and the one-line error when a benchmark cannot be had."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitocto.decontam.benchmarks import load_index
from gitocto.decontam.index import BenchmarkIndex
from gitocto.errors import OctoError
from tests.support.leaks import probes

MBPP = [
    {
        "task_id": 11,
        "text": "Write a python function to remove first and last occurrence of a given character from the string.",
        "code": "def remove_Occ(s,ch): \r\n    for i in range(len(s)): \r\n        if (s[i] == ch): \r\n"
        "            s = s[0 : i] + s[i + 1:] \r\n            break\r\n    return s ",
        "test_list": ['assert remove_Occ("hello","l") == "heo"'],
    },
    {
        "task_id": 12,
        "text": "Write a function to sort a given matrix in ascending order according to the sum of its rows.",
        "code": "def sort_matrix(M):\r\n    result = sorted(M, key=sum)\r\n    return result",
        "test_list": [],
    },
]
APPS = [
    {
        "problem_id": 0,
        "question": "Polycarp has $n$ different binary words. A word called binary if it "
        "contains only characters '0' and '1'. For example, these words are binary: "
        '"0001", "11", "0" and "0011100".\n\n-----Input-----\n\nThe first line '
        "contains one integer $t$.",
        "solutions": json.dumps(["for _ in range(int(input())):\n    n = int(input())\n"]),
        "difficulty": "interview",
    }
]
GSM8K = [
    {
        "question": "Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes "
        "muffins for her friends every day with four. She sells the remainder at the farmers' market "
        "daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' "
        "market?",
        "answer": "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every "
        "day at the farmer’s market.\n#### 18",
    }
]
DS1000 = [
    {
        "prompt": "Problem:\nI have the following DataFrame:\n    Col1  Col2  Col3  Type\n0      1     2     3     "
        "1\n1      4     5     6     1\nI would like to shuffle the order of the DataFrame's rows "
        "according to a list.\nA:\n<code>\nimport pandas as pd\ndf = pd.DataFrame({'Col1': [1, 4]})\n"
        "</code>\nresult = ... # put solution in this variable\nBEGIN SOLUTION\n<code>\n",
        "reference_code": "def g(df, List):\n    return df.iloc[List]\n\nresult = g(df.copy(), List)\n",
        "metadata": {"problem_id": 0, "library": "Pandas"},
    }
]


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def bench_files(tmp_path: Path, humanevalpack_dir: Path) -> dict[str, Path]:
    """Small benchmark files in each benchmark's published layout, HumanEval taken from HumanEvalPack's Python."""
    humaneval = [
        {k: r[k] for k in ("task_id", "prompt", "canonical_solution", "test", "entry_point")}
        for r in map(json.loads, (humanevalpack_dir / "python.jsonl").read_text().splitlines())
    ]
    (tmp_path / "ds1000.json").write_text(json.dumps(DS1000), encoding="utf-8")
    return {
        "humaneval": write(tmp_path / "humaneval.jsonl", humaneval),
        "mbpp": write(tmp_path / "mbpp.jsonl", MBPP),
        "apps": write(tmp_path / "apps.jsonl", APPS),
        "gsm8k": write(tmp_path / "gsm8k.jsonl", GSM8K),
        "ds1000": tmp_path / "ds1000.json",
    }


@pytest.fixture
def five(bench_files: dict[str, Path], humanevalpack_dir: Path) -> BenchmarkIndex:
    specs = [f"{name}={path}" for name, path in bench_files.items() if name != "humaneval"]
    return load_index([f"humanevalpack={humanevalpack_dir}", *specs])


def test_each_benchmark_leak_is_found_from_its_local_file(five: BenchmarkIndex) -> None:
    leaks = {
        "mbpp/11": "Task: write a python function to remove first and last occurrence of a given character from the "
        "string, please.",
        "mbpp/12": "```python\ndef sort_matrix(M):\n  result = sorted(M, key=sum)\n  return result\n```",
        "apps/0": "POLYCARP HAS $N$ DIFFERENT BINARY WORDS. A word called binary if it contains only characters "
        "'0' and '1'.",
        "gsm8k/0": "Q: Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes "
        "muffins for her friends every day with four.",
        "ds1000/0": "I would like to shuffle the order of the DataFrame's rows according to a list.",
    }
    for task, text in leaks.items():
        hit = five.find(text)
        assert hit is not None and hit.task_id == task, (task, hit)
    assert sorted(five.names) == ["apps", "ds1000", "gsm8k", "humanevalpack", "mbpp"]
    assert five.find("Write a function to sort a list of numbers and return the median value.") is None


def test_a_bad_benchmark_spec_or_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OctoError, match="unknown benchmark 'mmlu'"):
        load_index(["mmlu=x.jsonl"])
    bad = write(tmp_path / "mbpp.jsonl", [{"task_id": 1, "prompt": "p"}])
    with pytest.raises(OctoError, match=r"row 1 lacks the field 'text' \(mbpp rows have text, code\)"):
        load_index([f"mbpp={bad}"])
    with pytest.raises(OctoError, match="no such benchmark file"):
        load_index([f"gsm8k={tmp_path / 'missing.jsonl'}"])


def test_a_hub_benchmark_offline_fails_at_once_naming_the_flag(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", [{"instruction": "x", "response": "y"}])
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    env["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing listens: the hub is unreachable, as offline
    proc = subprocess.run(
        ["git", "octo", "decontaminate", str(src), "-o", str(tmp_path / "o.jsonl"), "--benchmark", "mbpp"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert "cannot load benchmark mbpp" in proc.stderr and "--benchmark mbpp=PATH" in proc.stderr
    assert "text, code" in proc.stderr and not (tmp_path / "o.jsonl").exists()


def test_probe_set_recall(five: BenchmarkIndex, humanevalpack_dir: Path) -> None:
    found: dict[str, list[bool]] = {}
    for category, text in probes(humanevalpack_dir):
        found.setdefault(category, []).append(five.find(text) is not None)
    total = sum(map(len, found.values()))
    recall = sum(sum(v) for v in found.values()) / total
    print({k: f"{sum(v)}/{len(v)}" for k, v in found.items()}, f"recall {recall:.3f}")
    assert recall >= 0.95
    for category in ("reflowed", "re-indented", "lower-cased", "short"):
        assert all(found[category]), category
    # A middle 60% whose every 10-gram is shared with another problem (doctest boilerplate) or short is missed.
    assert sum(found["partial"]) / len(found["partial"]) >= 0.9
    # Renamed short solutions: only the distinctive ones count; `return x + y` under another name is not a leak.
    renamed = found["short, renamed"]
    assert 0 < sum(renamed) < len(renamed)


def test_common_one_liners_stay(five: BenchmarkIndex) -> None:
    for text in (
        "def size(string):\n    return len(string)\n",
        "def plus(x, y):\n    return x + y\n",
        "```python\nreturn ''.join(strings)\n```",
        "def area(a, h):\n    return a * h / 2.0\n",
    ):
        assert five.find(text) is None, text
    assert five.find("def uniq(xs):\n    return sorted(list(set(xs)))\n") is None  # other names: not the unit
    hit = five.find("def uniq(l):\n    return sorted(list(set(l)))\n")
    assert hit is not None and hit.rule == "unit" and hit.task_id == "Python/34"
