"""The whole pipeline over real HTTP against a canned teacher: samples kept, drops counted, resume, record fields."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest

from gitocto.synth.entry import Sample
from gitocto.synth.finish import Summary
from gitocto.synth.oss_instruct import SynthOptions, oss_instruct
from gitocto.synth.prompts import LANG_NAMES, PROMPT_VERSION, TEST_LAYOUT
from gitocto.synth.state import state_path
from gitocto.synth.teacher import TeacherSpec
from gitocto.synth.wavecoder import WaveCoderOptions, wavecoder
from gitocto.train.data import read_records
from gitocto.train.formats import record_kind, render
from tests.support.shared_data import humanevalpack_dir
from tests.support.synth_stub import StubTeacher


def options(source: Path, out: Path, url: str, n: int, **extra: Any) -> SynthOptions:
    teacher = TeacherSpec(kind="openai", endpoint=url, concurrency=4, max_retries=0, timeout=30)
    return SynthOptions(
        source=source,
        output=out,
        teacher=teacher,
        n=n,
        seed=3,
        langs=("python", "go"),
        data_dir=humanevalpack_dir(),
        workers=2,
        benchmarks=("humanevalpack",),
        **extra,
    )


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def check_loads_in_train(path: Path) -> None:
    loaded = read_records(path)
    assert record_kind(loaded.columns, "instruction", str(path)) == "instruction"
    for row in loaded.rows:
        prompt, answer = render(row, "instruction", "instruction")
        assert row["instruction"] in prompt and answer.strip()


def test_oss_instruct_keeps_passing_samples_and_resumes(source_repo: Path, tmp_path: Path, stub: StubTeacher) -> None:
    out = tmp_path / "oss.jsonl"
    first = oss_instruct(options(source_repo, out, stub.url, 12))
    assert len(stub.prompts) == 12 and all("Code snippet for inspiration" in p for p in stub.prompts)
    records = rows(out)
    state = [json.loads(line) for line in state_path(out).read_text().splitlines()[1:]]
    malformed = sum(e.get("reason", "").startswith("malformed reply") for e in state)
    failed = sum(e.get("reason", "").startswith("execution filter") for e in state)
    assert malformed and failed and records  # the canned teacher gives all three kinds
    assert first.dropped["malformed reply: no [Solution] section"] == malformed
    assert first.tested == 12 - malformed and first.passed == first.tested - failed
    assert first.kept == len(records) == first.passed - sum(v for k, v in first.dropped.items() if "dup" in k)
    assert first.requests == 12 and first.prompt_tokens > 0 and first.completion_tokens > 0
    for record in records:
        assert record["method"] == "oss-instruct" and record["prompt_version"] == PROMPT_VERSION
        assert record["teacher"] == "openai:stub-teacher" and record["lang"] in ("python", "go")
        assert record["seed"] and record["tests"].startswith("assert ")
        assert record["seed"] in "".join(p for p in stub.prompts)
    check_loads_in_train(out)

    # The same run again asks nothing and writes the same output; a larger -n asks only for the new seeds.
    again = oss_instruct(options(source_repo, out, stub.url, 12))
    assert len(stub.prompts) == 12 and rows(out) == records and again.requests == 0
    more = oss_instruct(options(source_repo, out, stub.url, 16))
    assert len(stub.prompts) == 16 and more.seeds == 16
    grown = rows(out)
    assert grown[: len(records)] == records
    assert len({r["seed_index"] for r in grown}) == len(grown)


def test_changed_settings_are_refused_not_mixed(source_repo: Path, tmp_path: Path, stub: StubTeacher) -> None:
    from gitocto.errors import OctoError

    out = tmp_path / "oss.jsonl"
    oss_instruct(options(source_repo, out, stub.url, 2, execute=False))
    with pytest.raises(OctoError, match=r"other settings \(seed\)"):
        oss_instruct(SynthOptions(**{**options(source_repo, out, stub.url, 2, execute=False).__dict__, "seed": 4}))
    # Samples kept untested must not be mixed with executed ones (nor the other way round).
    with pytest.raises(OctoError, match=r"other settings \(execute\)"):
        oss_instruct(options(source_repo, out, stub.url, 2, execute=True))
    assert len(stub.prompts) == 2


def test_decontamination_drops_a_leaking_sample(
    source_repo: Path, tmp_path: Path, stub: StubTeacher, humanevalpack_dir: Path
) -> None:
    # Plant a HumanEval solution as an earlier run's kept sample: the final pass of the next run removes it.
    from gitocto.synth.state import RunState

    out = tmp_path / "oss.jsonl"
    opts = options(source_repo, out, stub.url, 4, execute=False)
    oss_instruct(opts)
    leak = json.loads((humanevalpack_dir / "python.jsonl").read_text().splitlines()[20])["canonical_solution"]
    state = RunState(out, opts.settings("oss-instruct"))
    planted = {
        "instruction": "Find the closest elements.",
        "response": f"```python\n{leak}```",
        "seed": "x",
        "lang": "python",
        "method": "oss-instruct",
        "teacher": "t",
        "prompt_version": PROMPT_VERSION,
    }
    state.add([{"key": "planted", "status": "kept", "record": cast("Sample", planted)}])  # fields a run adds left out
    state.close()
    summary = oss_instruct(opts)
    assert summary.dropped["benchmark leak (ngram)"] == 1
    assert all("closest elements" not in r["instruction"] for r in rows(out))


@pytest.mark.slow
def test_wavecoder_generator_discriminator_and_pools(source_repo: Path, tmp_path: Path, stub: StubTeacher) -> None:
    out = tmp_path / "wave.jsonl"
    opts = WaveCoderOptions(options(source_repo, out, stub.url, 4), task="generation")
    summary = wavecoder(opts)
    generator = [p for p in stub.prompts if "You are a teacher" in p]
    judge = [p for p in stub.prompts if "You check training examples" in p]
    assert len(generator) == 4 and len(judge) == 4  # 5 functions in the repo: the coreset picked 4
    assert sum(v for k, v in summary.dropped.items() if k == "discriminator: no") >= 1
    records = rows(out)
    assert records and all(r["task"] == "generation" and r["method"] == "wavecoder" for r in records)
    assert len({r["seed"] for r in records}) == len(records)
    check_loads_in_train(out)
    # A second chunk's generator prompts carry an accepted and a rejected example from the pools.
    opts2 = WaveCoderOptions(options(source_repo, tmp_path / "wave2.jsonl", stub.url, 5), task="generation")
    stub.prompts.clear()
    wavecoder(
        WaveCoderOptions(
            SynthOptions(
                **{
                    **opts2.common.__dict__,
                    "teacher": TeacherSpec(kind="openai", endpoint=stub.url, concurrency=1, max_retries=0),
                }
            ),
            task="generation",
        )
    )
    later = [p for p in stub.prompts if "You are a teacher" in p][-1]
    assert "An example that was accepted" in later and "Rejected because: " in later


def test_cli_runs_oss_instruct_and_reports(
    source_repo: Path, tmp_path: Path, stub: StubTeacher, humanevalpack_dir: Path
) -> None:
    out = tmp_path / "cli.jsonl"
    cmd = [
        "git",
        "octo",
        "synth",
        "oss-instruct",
        "--source",
        str(source_repo),
        "-n",
        "5",
        "-o",
        str(out),
        "--endpoint",
        stub.url,
        "--data-dir",
        str(humanevalpack_dir),
        "--benchmark",
        "humanevalpack",
        "--langs",
        "python",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "seeds done: 5" in proc.stderr and "execution filter:" in proc.stderr and "prompt +" in proc.stderr
    assert all(r["lang"] == "python" for r in rows(out))
    bad = subprocess.run([*cmd[:-2], "--langs", "cobol"], capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("git octo: error: unknown language")


def test_summary_lines_show_pass_rate() -> None:
    summary = Summary(seeds=4, kept=2, tested=4, passed=3)
    assert "execution filter: 3/4 passed (75.0%)" in summary.lines()


def test_wavecoder_repair_from_real_fix_commits(tmp_path: Path, stub: StubTeacher) -> None:
    old = "def inc(x):\n    y = x\n    return y - 1\n"
    new = "def inc(x):\n    y = x\n    return y + 1\n"
    records = tmp_path / "commits.jsonl"
    records.write_text(
        json.dumps(
            {
                "commit": "c" * 40,
                "old_file": "m.py",
                "new_file": "m.py",
                "old_contents": old,
                "new_contents": new,
                "subject": "Fix off-by-one",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "repair.jsonl"
    wavecoder(WaveCoderOptions(options(records, out, stub.url, 3, execute=False), task="repair"))
    (prompt,) = [p for p in stub.prompts if "You are a teacher" in p]
    assert "Code repair" in prompt and f"```\n{old.rstrip()}\n```" in prompt
    assert f"after a real bug-fix commit:\n```\n{new.rstrip()}\n```" in prompt


def test_wavecoder_translation_targets_another_language(source_repo: Path, tmp_path: Path, stub: StubTeacher) -> None:
    out = tmp_path / "translate.jsonl"
    opts = options(source_repo, out, stub.url, 5, execute=False)
    wavecoder(WaveCoderOptions(SynthOptions(**{**opts.__dict__, "langs": ("go",)}), task="translation"))
    prompts = [p for p in stub.prompts if "You are a teacher" in p]
    assert len(prompts) == 2 and all("Translate into " in p and "Translate into Go." not in p for p in prompts)
    assert all(r["lang"] != "go" and r["seed_origin"].startswith("cmd/main.go") for r in rows(out))
    names = {name: lang for lang, name in LANG_NAMES.items()}
    for prompt in prompts:
        # The raw code is labelled with its own language; the tests are asked for in the target's layout.
        target = names[prompt.split("Translate into ", 1)[1].split(".", 1)[0]]
        assert "Raw code to build the example from (Go):\n```\nfunc " in prompt
        assert TEST_LAYOUT[target] in prompt and TEST_LAYOUT["go"] not in prompt


def test_teacher_failing_midway_keeps_finished_work_and_resume_completes(source_repo: Path, tmp_path: Path) -> None:
    from tests.support.synth_stub import stub_teacher

    out = tmp_path / "oss.jsonl"
    with stub_teacher(fail_after=8) as failing:
        # Chunks of 2 x concurrency (8): the first chunk is answered, the second fails after a retry.
        proc = subprocess.run(
            [
                "git",
                "octo",
                "synth",
                "oss-instruct",
                "--source",
                str(source_repo),
                "-n",
                "20",
                "-o",
                str(out),
                "--endpoint",
                failing.url,
                "--max-retries",
                "0",
                "--concurrency",
                "4",
                "--no-execute",
                "--no-decontaminate",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("git octo: error:") and "503" in proc.stderr
    done = {json.loads(line)["key"] for line in state_path(out).read_text().splitlines()[1:]}
    assert done == {str(i) for i in range(8)}
    with stub_teacher() as healthy:
        opts = options(source_repo, out, healthy.url, 20, execute=False, decontaminate=False)
        summary = oss_instruct(SynthOptions(**{**opts.__dict__, "seed": 0, "langs": ("python",)}))
        assert len(healthy.prompts) == 12 and summary.seeds == 20


def test_replies_cut_off_by_the_length_limit_are_dropped_and_counted(source_repo: Path, tmp_path: Path) -> None:
    from tests.support.synth_stub import stub_teacher

    # The stub's replies are well-formed; only the finish reason "length" says they were cut off.
    with stub_teacher(cut_off=lambda prompt: True) as cut:
        summary = oss_instruct(options(source_repo, tmp_path / "oss.jsonl", cut.url, 4, execute=False))
    assert summary.kept == 0 and summary.dropped == {"reply cut off by the length limit": 4}
    assert rows(tmp_path / "oss.jsonl") == []


def test_wavecoder_drops_cut_off_generator_and_discriminator_replies(source_repo: Path, tmp_path: Path) -> None:
    from tests.support.synth_stub import stub_teacher

    with stub_teacher(cut_off=lambda prompt: "You are a teacher" in prompt) as cut:
        gen = wavecoder(WaveCoderOptions(options(source_repo, tmp_path / "g.jsonl", cut.url, 3, execute=False)))
    assert gen.kept == 0 and gen.dropped == {"reply cut off by the length limit": 3}
    with stub_teacher(cut_off=lambda prompt: "You check training examples" in prompt) as cut:
        judge = wavecoder(WaveCoderOptions(options(source_repo, tmp_path / "d.jsonl", cut.url, 3, execute=False)))
    assert judge.kept == 0 and judge.dropped == {"discriminator reply cut off by the length limit": 3}


def test_benchmark_text_in_tests_or_wavecoder_input_is_a_leak(
    source_repo: Path, tmp_path: Path, stub: StubTeacher, humanevalpack_dir: Path
) -> None:
    from gitocto.synth.state import RunState

    out = tmp_path / "oss.jsonl"
    opts = options(source_repo, out, stub.url, 2, execute=False)
    oss_instruct(opts)
    row = json.loads((humanevalpack_dir / "python.jsonl").read_text().splitlines()[20])
    clean = {
        "instruction": "Write it.",
        "response": "```python\nx = 1\n```",
        "seed": "x",
        "lang": "python",
        "method": "oss-instruct",
        "teacher": "t",
        "prompt_version": PROMPT_VERSION,
    }
    planted = [
        {**clean, "instruction": "Write t.", "tests": row["test"] + row["prompt"]},
        {**clean, "instruction": "Write i.", "input": row["declaration"] + row["canonical_solution"]},
        {**clean, "instruction": "Write o.", "instruction_only": row["prompt"]},
    ]
    state = RunState(out, opts.settings("oss-instruct"))
    state.add([{"key": f"planted-{i}", "status": "kept", "record": cast("Sample", r)} for i, r in enumerate(planted)])
    state.close()
    summary = oss_instruct(opts)
    assert sum(v for k, v in summary.dropped.items() if k.startswith("benchmark leak")) == 3
    assert not {"Write t.", "Write i.", "Write o."} & {r["instruction"] for r in rows(out)}
