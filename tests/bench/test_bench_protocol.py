"""The paper's protocol one flag away, paper rows only beside comparable runs, and the settings a run records."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, cast

from rich.console import Console

from gitocto.bench.check import KNOWN_EXCEPTIONS, CheckOutcome, unexplained
from gitocto.bench.command import Options, apply_protocol, run
from gitocto.bench.generate import GenerationConfig
from gitocto.bench.records import Results, ResultsFile
from gitocto.bench.report import approximate_cells, paper_rows_hidden, print_results

# Partial results and runs: only the keys the paper-rows decision reads.
FULL = cast(Results, {"fix": {lang: {"pass@1": 0.5, "problems": 164, "samples": 3280} for lang in ("python", "go")}})
PAPER_RUN = cast(ResultsFile, {"limit": None, "n_samples": 20, "temperature": 0.2, "top_p": 0.95})


def test_protocol_paper_sets_the_papers_sampling() -> None:
    opts = apply_protocol(Options(protocol="paper", n_samples=1, temperature=0.0, max_new_tokens=64))
    assert (opts.n_samples, opts.temperature, opts.top_p, opts.max_length) == (20, 0.2, 0.95, 2048)
    assert apply_protocol(Options()) == Options()


def test_settings_record_max_length_only_when_set() -> None:
    plain = GenerationConfig("octocoder", 1, 0.0, 0.95, 512).settings()
    assert "max_length" not in plain  # generations saved before the option still resume
    assert GenerationConfig("octocoder", 20, 0.2, 0.95, 512, max_length=2048).settings()["max_length"] == 2048


def _printed(results: Results, run: ResultsFile) -> str:
    console = Console(record=True, width=200)
    print_results(results, "mine", console, run)
    return console.export_text()


def test_paper_rows_only_beside_a_comparable_run() -> None:
    assert paper_rows_hidden(FULL, PAPER_RUN) is None
    shown = _printed(FULL, PAPER_RUN)
    assert "OctoCoder-15.5B (paper)" in shown and "paper rows hidden" not in shown

    greedy: ResultsFile = {**PAPER_RUN, "n_samples": 1, "temperature": 0.0}
    assert "n=1, temperature 0.0" in (paper_rows_hidden(FULL, greedy) or "")
    limited: Results = {"fix": {"python": {**FULL["fix"]["python"], "problems": 3}}}
    assert "part of the benchmark" in (paper_rows_hidden(limited, {**PAPER_RUN, "limit": 3}) or "")
    unknown: ResultsFile = {**PAPER_RUN, "temperature": None}
    assert "does not record" in (paper_rows_hidden(FULL, unknown) or "")
    hidden = _printed(FULL, greedy)
    assert "(paper)" not in hidden and "paper rows hidden: this run sampled n=1" in hidden


def test_approximate_published_cells_are_marked() -> None:
    assert ("explain", "java") in approximate_cells("OctoCoder-15.5B")
    results = cast(Results, {"explain": {lang: {"pass@1": 0.1, "problems": 164} for lang in ("java", "go")}})
    shown = _printed(results, PAPER_RUN)
    assert "≈27.4" in shown and "21.1" in shown and "≈21.1" not in shown


def test_scoring_a_file_records_the_files_settings(humanevalpack_dir: Path, tmp_path: Path) -> None:
    from gitocto.bench.data import load_problems

    problem = load_problems("python", humanevalpack_dir, 1)[0]
    settings = {
        "model": "m",
        "backend": "hf",
        "prompt_format": "octocoder",
        "temperature": 0.2,
        "top_p": 0.95,
        "max_new_tokens": 300,
        "n_samples": 2,
        "seed": 7,
    }
    gens = tmp_path / "g.jsonl"
    gens.write_text(
        json.dumps(
            {
                "task": "synthesize",
                "lang": "python",
                "task_id": problem.task_id,
                "format": "octocoder",
                "settings": settings,
                "completions": ["\n" + problem.canonical_solution, "\n    return 1\n"],
            }
        )
        + "\n"
    )
    out = tmp_path / "r.json"
    assert (
        run(
            Options(task="synthesize", lang="python", limit=1, data_dir=humanevalpack_dir, generations=gens, output=out)
        )
        == 0
    )
    payload = json.loads(out.read_text())
    recorded = (payload["n_samples"], payload["temperature"], payload["max_new_tokens"], payload["seed"])
    assert recorded == (2, 0.2, 300, 7)
    assert payload["settings_from"] == "generations file"
    assert payload["results"]["synthesize"]["python"]["pass@1"] == 0.5


def test_check_fails_only_on_results_beyond_the_known_exceptions() -> None:
    outcome = CheckOutcome({"cpp": 1}, {"cpp": 30}, {"cpp": [("CPP/23", "passed", "")]}, {"cpp": 1.0}, 1.0)
    assert ("buggy", "CPP/23") in KNOWN_EXCEPTIONS and unexplained(outcome, "buggy") == []
    outcome.unexpected["cpp"].append(("CPP/24", "passed", ""))
    assert unexplained(outcome, "buggy") == ["CPP/24"]


def test_check_buggy_exits_0_with_cpp_23_shown_as_known(humanevalpack_dir: Path) -> None:
    proc = subprocess.run(
        [
            "git",
            "octo",
            "bench",
            "--check",
            "buggy",
            "--lang",
            "cpp",
            "--limit",
            "24",
            "--data-dir",
            str(humanevalpack_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "cpp     buggy: 1/24 passed" in proc.stdout and "CPP/23: passed known exception" in proc.stdout


def test_offline_without_data_dir_is_one_line_naming_data_dir(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        ["git", "octo", "bench", "--check", "canonical", "--lang", "python", "--limit", "1"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("git octo: error: ") and "--data-dir" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_javascript_162_passes_with_nothing_but_node(humanevalpack_dir: Path, tmp_path: Path, monkeypatch: Any) -> None:
    from gitocto.bench.check import solution_program
    from gitocto.bench.data import load_problems
    from gitocto.execution import run_program

    # No npm package anywhere: an empty cache and an empty js dir.
    monkeypatch.setenv("GITOCTO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GITOCTO_JS_DIR", str(tmp_path / "empty"))
    problem = load_problems("js", humanevalpack_dir)[162]
    assert problem.task_id == "JavaScript/162"
    assert run_program("js", solution_program(problem, "canonical"), timeout=30).passed
    broken = solution_program(problem, "canonical").replace("require('js-md5')", "require('js-md5-missing')")
    result = run_program("js", broken, timeout=30)
    assert not result.passed and result.detail.startswith("Error: Cannot find module 'js-md5-missing'")
