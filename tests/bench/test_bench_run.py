"""End to end: the tiny model generates through `hf` and through `openai` + `git octo serve`, samples are executed,
and a results file comes out; reruns resume, saved generations rescore, and bad input is a one-line error."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitocto.cli import main


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "octo", "bench", *args], capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_hf_backend_end_to_end_resumes_and_rescores(
    tiny_model_dir: Path, humanevalpack_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run" / "results.json"
    args = [
        "bench",
        "--backend",
        "hf",
        "--model",
        str(tiny_model_dir),
        "--task",
        "all",
        "--lang",
        "python,js",
        "--limit",
        "2",
        "--max-new-tokens",
        "8",
        "--data-dir",
        str(humanevalpack_dir),
        "-o",
        str(out),
        "--plot",
        str(tmp_path / "plot.png"),
    ]
    assert main(args) == 0
    payload = json.loads(out.read_text())
    assert set(payload["results"]) == {"fix", "explain", "synthesize"}
    for by_lang in payload["results"].values():
        assert set(by_lang) == {"python", "js"}
        for cell in by_lang.values():
            assert cell["problems"] == 2 and cell["samples"] == 2
            assert 0.0 <= cell["pass@1"] <= 1.0
            assert "pass@10" not in cell
    generations = out.with_name("results.generations.jsonl")
    executions = out.with_name("results.executions.jsonl")
    records = [json.loads(line) for line in generations.read_text().splitlines()]
    assert {r["task"] for r in records} == {"fix", "explain-describe", "explain", "synthesize"}
    assert len(records) == 4 * 2 * 2
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # A rerun finds everything saved: nothing is generated or executed again.
    sizes = (generations.stat().st_size, executions.stat().st_size)
    assert main(args) == 0
    assert (generations.stat().st_size, executions.stat().st_size) == sizes

    # An interrupted run (the last generation lost) continues with just that one.
    lines = generations.read_text().splitlines(keepends=True)
    generations.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    assert main(args) == 0
    assert len(generations.read_text().splitlines()) == len(records)
    assert json.loads(out.read_text())["results"] == payload["results"]

    # Saved generations score the same with --generations.
    rescored = tmp_path / "rescored.json"
    assert (
        main(
            [
                "bench",
                "--generations",
                str(generations),
                "--data-dir",
                str(humanevalpack_dir),
                "--lang",
                "python,js",
                "--limit",
                "2",
                "-o",
                str(rescored),
            ]
        )
        == 0
    )
    assert json.loads(rescored.read_text())["results"] == payload["results"]


@pytest.mark.slow
def test_openai_backend_against_git_octo_serve(tiny_model_dir: Path, humanevalpack_dir: Path, tmp_path: Path) -> None:
    from tests.support.octo_server import running_server

    out = tmp_path / "served.json"
    with running_server(tiny_model_dir) as url:
        proc = _bench(
            "--backend",
            "openai",
            "--endpoint",
            url,
            "--task",
            "synthesize,fixdocs",
            "--lang",
            "go",
            "--limit",
            "2",
            "--max-new-tokens",
            "8",
            "--n-samples",
            "2",
            "--temperature",
            "0.8",
            "--data-dir",
            str(humanevalpack_dir),
            "-o",
            str(out),
        )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())["results"]
    assert set(results) == {"synthesize", "fixdocs"}
    assert results["synthesize"]["go"]["samples"] == 4
    # Two problems sampled at temperature 0.8 are no match for the paper's rows: they are hidden, and why is said.
    assert "OctoCoder-15.5B (paper)" not in proc.stdout
    assert "paper rows hidden: this run covers only part of the benchmark" in proc.stdout


def test_bad_input_is_a_one_line_error(humanevalpack_dir: Path, tmp_path: Path) -> None:
    cases = [
        ([], "give --backend"),
        (["--check", "canonical", "--lang", "cobol"], "unknown language"),
        (["--check", "canonical", "--data-dir", str(tmp_path)], "no HumanEvalPack file"),
        (["--generations", str(tmp_path / "missing.jsonl")], "no generations file"),
        (["--backend", "hf", "--data-dir", str(humanevalpack_dir), "--limit", "1"], "needs --model"),
        (["--backend", "hf", "--model", "x", "--prompt-format", "continue", "--task", "fix"], "continue"),
    ]
    for args, message in cases:
        proc = _bench(*args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert proc.stderr.startswith("git octo: error: ") and message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_check_prints_passed_over_total(humanevalpack_dir: Path) -> None:
    proc = _bench("--check", "canonical", "--lang", "python,js", "--limit", "3", "--data-dir", str(humanevalpack_dir))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "python  canonical: 3/3 passed" in proc.stdout and "js      canonical: 3/3 passed" in proc.stdout
    proc = _bench("--check", "buggy", "--lang", "python", "--limit", "3", "--data-dir", str(humanevalpack_dir))
    assert proc.returncode == 0 and "python  buggy: 0/3 passed" in proc.stdout
