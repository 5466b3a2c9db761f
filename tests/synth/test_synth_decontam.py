"""Decontamination against HumanEvalPack: planted solutions, prompts and docstrings go; clean records stay."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitocto.decontam.command import decontaminate
from gitocto.decontam.index import NGRAM, BenchmarkIndex, BenchmarkText, normalise


@pytest.fixture
def index(benchmark_index: BenchmarkIndex) -> BenchmarkIndex:
    return benchmark_index


def problem(data_dir: Path, lang: str, n: int) -> dict[str, Any]:
    lines = (data_dir / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()
    return dict(json.loads(lines[n]))


CLEAN = {
    "instruction": "Write a function that parses an INI file into a dict of sections.",
    "response": "```python\nimport configparser\n\ndef load(path):\n    cp = configparser.ConfigParser()\n"
    "    cp.read(path)\n    return {s: dict(cp[s]) for s in cp.sections()}\n```",
}


def test_planted_humaneval_solution_is_removed(index: BenchmarkIndex, humanevalpack_dir: Path) -> None:
    row = problem(humanevalpack_dir, "python", 12)
    planted = {"instruction": "Find the longest string.", "response": f"```python\n{row['canonical_solution']}```"}
    kept, dropped = decontaminate([CLEAN, planted], index)
    assert kept == [CLEAN]
    assert [(d.position, d.field, d.hit.task_id) for d in dropped] == [(1, "response", "Python/12")]


FENCES = {"python": "python", "cpp": "cpp", "java": "java", "js": "javascript", "go": "go", "rust": "rust"}


def test_every_planted_canonical_solution_of_all_six_languages_is_dropped(
    index: BenchmarkIndex, humanevalpack_dir: Path
) -> None:
    # Short solutions too (`return x + y`, Python/38's `return encode_cyclic(encode_cyclic(s))`): with their
    # declaration beside them, they are the benchmark's function.
    planted = []
    for lang, fence in FENCES.items():
        for line in (humanevalpack_dir / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            planted.append(
                {
                    "instruction": f"Write {row['entry_point']} in {lang}.",
                    "response": f"Here it is:\n```{fence}\n{row['declaration']}{row['canonical_solution']}```",
                    "task_id": row["task_id"],
                }
            )
    assert len(planted) == 984
    kept, dropped = decontaminate(planted, index, ["instruction", "response"])
    assert [r["task_id"] for r in kept] == []
    assert {d.field for d in dropped} == {"response"}


def test_a_short_text_counts_only_beside_its_entry_point(index: BenchmarkIndex, humanevalpack_dir: Path) -> None:
    rust = problem(humanevalpack_dir, "rust", 23)  # docstring "Return length of given string", entry point strlen
    assert index.find(f"/* {rust['docstring']} */ fn strlen(s: &str) -> i32 {{ todo!() }}") is not None
    assert index.find(rust["docstring"]) is None  # alone it is an ordinary sentence
    # Python/53's body is a common one-liner: it counts under the benchmark's own declaration, not under any `add`
    # (an untyped `def add(x, y): return x + y` is in real code; docs/synth.md, "Short solutions").
    assert index.find("def add(x: int, y: int):\n    return x + y\n") is not None
    assert index.find("def add(x, y):\n    return x + y\n") is None
    # A distinctive short body still counts beside its entry point, whatever the signature.
    assert index.find("def unique(xs):\n    return sorted(list(set(l)))\n") is not None
    assert index.find("def plus(x, y):\n    return x + y\n") is None
    far = "def add(a, b):\n    pass\n" + "# filler line of text\n" * 10 + "def g(x, y):\n    return x + y\n"
    assert index.find(far) is None  # the same words in an unrelated function further on
    assert index.find("def address(x, y):\n    return x + y\n") is None  # the name as a whole word only


def test_reformatted_prompt_and_other_languages_are_caught(index: BenchmarkIndex, humanevalpack_dir: Path) -> None:
    py = problem(humanevalpack_dir, "python", 3)
    squeezed = "\n\n".join(line.strip() for line in py["prompt"].splitlines())  # whitespace changed, text kept
    java = problem(humanevalpack_dir, "java", 30)
    rust_doc = problem(humanevalpack_dir, "rust", 40)["docstring"]
    records = [{"text": squeezed}, {"text": "class X {\n" + java["canonical_solution"]}, {"text": rust_doc}]
    kept, dropped = decontaminate(records, index)
    assert kept == []
    assert {d.hit.task_id.split("/")[0] for d in dropped} >= {"Python", "Java"}


def test_substring_rule_catches_a_text_shorter_than_an_ngram() -> None:
    text = normalise("   return    sorted(set(values))  +   sorted(set(values))  # done\n")
    idx = BenchmarkIndex([BenchmarkText("Python/0", "canonical_solution", text)])
    assert len(text.split()) < NGRAM
    hit = idx.find("def f(values):\n    return sorted(set(values)) + sorted(set(values))  # done\n")
    assert hit is not None and hit.rule == "substring"
    assert idx.find("def f(values):\n    return sorted(values)\n") is None


def test_boilerplate_shared_by_many_problems_is_not_a_leak(index: BenchmarkIndex) -> None:
    java = "import java.util.*;\nimport java.lang.*;\n\nclass Solution {\n    public int answer() { return 42; }\n}\n"
    assert index.find(java) is None


def test_only_named_fields_are_checked(index: BenchmarkIndex, humanevalpack_dir: Path) -> None:
    row = problem(humanevalpack_dir, "js", 5)
    record = {"instruction": "clean", "response": "clean", "notes": row["prompt"] + row["canonical_solution"]}
    assert decontaminate([record], index, ["instruction", "response"])[0] == [record]
    assert decontaminate([record], index)[0] == []


def test_cli_writes_clean_records_and_a_report(tmp_path: Path, humanevalpack_dir: Path) -> None:
    row = problem(humanevalpack_dir, "cpp", 7)
    records = [CLEAN, {"instruction": "x", "response": row["declaration"] + row["canonical_solution"]}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out, report = tmp_path / "out.jsonl", tmp_path / "drops.json"
    proc = subprocess.run(
        [
            "git",
            "octo",
            "decontaminate",
            str(src),
            "-o",
            str(out),
            "--data-dir",
            str(humanevalpack_dir),
            "--benchmark",
            "humanevalpack",
            "--fields",
            "instruction,response",
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line) for line in out.read_text().splitlines()] == [CLEAN]
    assert "2 records, 1 dropped, 1 kept" in proc.stderr
    drops = json.loads(report.read_text())["dropped"]
    assert drops[0]["position"] == 1 and drops[0]["task_id"].startswith("CPP/")


def test_cli_bad_input_is_one_line_error(tmp_path: Path, humanevalpack_dir: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    for args in ([str(tmp_path / "missing.jsonl")], [str(bad)]):
        proc = subprocess.run(
            [
                "git",
                "octo",
                "decontaminate",
                *args,
                "-o",
                str(tmp_path / "o.jsonl"),
                "--data-dir",
                str(humanevalpack_dir),
                "--benchmark",
                "humanevalpack",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 1
        assert proc.stderr.startswith("git octo: error:") and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o.jsonl").exists()
