"""WaveCoder: diverse raw functions (k-center coreset), a generator guided by the pools, a discriminator's checklist."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console

from gitocto.backends import Backend
from gitocto.errors import OctoError
from gitocto.synth.entry import Entry, Sample
from gitocto.synth.finish import Summary, finish
from gitocto.synth.functions import Function, extract_functions
from gitocto.synth.options import WAVECODER_RECIPES as RECIPES
from gitocto.synth.oss_instruct import SynthOptions, benchmark_index
from gitocto.synth.parse import CUT_OFF, code_block, drop_reason, parse_sections, parse_verdict
from gitocto.synth.pipeline import filter_by_execution, run_chunks
from gitocto.synth.prompts import (
    LANG_NAMES,
    PROMPT_VERSION,
    TASKS,
    TaskSpec,
    checklist,
    discriminator_prompt,
    generator_prompt,
)
from gitocto.synth.sources import load_sources
from gitocto.synth.state import RunState
from gitocto.synth.teacher import Teacher, TeacherSpec

METHOD = "wavecoder"
SECTIONS = ("Instruction", "Input", "Solution")


@dataclass(frozen=True)
class WaveCoderOptions:
    """WaveCoder's own settings on top of the shared ones."""

    common: SynthOptions
    task: str = "generation"
    discriminator: TeacherSpec | None = None  # None: the teacher also discriminates
    embedding_model: str | None = None


def select_functions(functions: list[Function], k: int, seed: int, embedding_model: str | None) -> list[Function]:
    """`k` functions spread over embedding space: k-center greedy over the whole pool from a seeded first pick."""
    from gitocto.synth.coreset import embed, k_center_greedy

    rng = random.Random(seed)
    if len(functions) <= k:
        return functions
    points = embed([f.code for f in functions], embedding_model)
    return [functions[i] for i in k_center_greedy(points, k, first=rng.randrange(len(functions)))]


def _target_lang(key: str, seed: int, source_lang: str) -> str:
    others = sorted(set(LANG_NAMES) - {source_lang})
    return random.Random(f"{seed}:{key}:target").choice(others)


def _task_for(task: TaskSpec, target: str | None) -> TaskSpec:
    if target is None:
        return task
    return TaskSpec(task.name, f"{task.definition} Translate into {LANG_NAMES[target]}.", task.checks)


def show_example(record: Sample, reasons: str = "") -> str:
    """An earlier example in the generator's layout, with the discriminator's reasons for a rejected one."""
    text = (
        f"[Instruction]\n{record['instruction_only']}\n[Input]\n{record['input'] or 'None'}\n"
        f"[Solution]\n{record['response']}"
    )
    return f"{text}\nRejected because: {reasons}" if reasons else text


def parse_generation(text: str, finish_reason: str | None = None) -> tuple[dict[str, str] | None, str | None]:
    """(instruction, input, solution, tests) of a generator reply, or None and why it is dropped."""
    parsed = parse_sections(text, SECTIONS, ("Tests",), finish_reason)
    if not parsed.ok:
        return None, parsed.error
    s = parsed.sections
    input_info = "" if s["Input"].strip().lower() in ("none", "n/a", "-") else s["Input"]
    tests = s.get("Tests", "")
    return {
        "instruction": s["Instruction"],
        "input": input_info,
        "solution": s["Solution"],
        "tests": code_block(tests) if tests else "",
    }, None


class _Pools:
    """The latest accepted and rejected examples, shown to the generator."""

    def __init__(self, state: RunState) -> None:
        self.good: str | None = None
        self.bad: str | None = None
        for entry in state.entries.values():
            self.take(entry)

    def take(self, entry: Entry) -> None:
        if entry.get("verdict") == "yes":
            self.good = show_example(entry["record"])
        elif entry.get("verdict") == "no":
            self.bad = show_example(entry["record"], "; ".join(entry.get("reasons", [])) or "overall no")


def wavecoder(
    opts: WaveCoderOptions, backend: Backend | None = None, judge: Backend | None = None, console: Console | None = None
) -> Summary:
    """Run (or resume) WaveCoder for one task and write the filtered output; return the summary."""
    common = opts.common
    if opts.task not in TASKS:
        raise OctoError(f"unknown task {opts.task!r}; choose one of {', '.join(TASKS)}")
    common.check()
    if common.recipe not in RECIPES:
        raise OctoError(f"unknown wavecoder recipe {common.recipe!r}; choose from {', '.join(RECIPES)}")
    if common.recipe == "wavecoder" and opts.task != "generation":
        raise OctoError(
            f"the published WaveCoder code has prompts for code generation only; use --recipe gitocto "
            f"for --task {opts.task}"
        )
    task = TASKS[opts.task]
    files = load_sources(common.source, common.langs, common.rev)
    fixes = extract_functions(files, fixes_only=True) if task.name == "repair" else []
    functions = fixes or extract_functions(files)
    if not functions:
        raise OctoError(f"{common.source}: no functions of 3 to 80 lines found to build examples from")
    chosen = select_functions(functions, common.n, common.seed, opts.embedding_model)
    index = benchmark_index(common)
    teacher = Teacher(common.teacher, backend)
    discriminator = Teacher(opts.discriminator or common.teacher, judge) if opts.discriminator or judge else teacher
    state = RunState(
        common.output,
        common.settings(
            METHOD, task=task.name, embedding_model=opts.embedding_model, discriminator=discriminator.label
        ),
    )
    pools = _Pools(state)
    with_tests = common.tests and task.name != "summarization"
    published = published_work(chosen, common, teacher, discriminator, state)

    def work(keys: list[str]) -> list[Entry]:
        items = [chosen[int(k)] for k in keys]
        targets = [
            _target_lang(k, common.seed, f.lang) if task.name == "translation" else None
            for k, f in zip(keys, items, strict=True)
        ]
        # The raw code is labelled with its own language; a translation's target only shapes the task and tests.
        prompts = [
            generator_prompt(
                _task_for(task, t), f.code, f.lang, f.fixed, with_tests, pools.good, pools.bad, answer_lang=t
            )
            for f, t in zip(items, targets, strict=True)
        ]
        replies = teacher.ask_replies(prompts)
        entries: list[Entry] = []
        judged: list[tuple[Entry, list[str]]] = []
        for key, item, target, reply in zip(keys, items, targets, replies, strict=True):
            parts, error = parse_generation(reply.text, reply.finish_reason)
            if parts is None:
                entries.append({"key": key, "status": "dropped", "reason": drop_reason(str(error))})
                continue
            instruction = parts["instruction"] + (f"\n\n{parts['input']}" if parts["input"] else "")
            record: Sample = {
                "instruction": instruction,
                "response": parts["solution"],
                "instruction_only": parts["instruction"],
                "input": parts["input"],
                "tests": parts["tests"] if with_tests else "",
                "task": task.name,
                "lang": target or item.lang,
                "seed": item.code,
                "seed_origin": item.origin,
                "seed_index": int(key),
                "method": METHOD,
                "teacher": teacher.label,
                "prompt_version": PROMPT_VERSION,
            }
            entry: Entry = {
                "key": key,
                "status": "kept",
                "record": record,
                "solution_code": code_block(parts["solution"]),
            }
            entries.append(entry)
            judged.append(
                (
                    entry,
                    [
                        discriminator_prompt(
                            _task_for(task, target), parts["instruction"], parts["input"], parts["solution"]
                        )
                    ],
                )
            )
        verdicts = discriminator.ask_replies([p[0] for _, p in judged]) if judged else []
        questions = checklist(task)
        for (entry, _), answer in zip(judged, verdicts, strict=True):
            if answer.finish_reason == "length":
                # A checklist cut short may lack the very `no` that would reject the example.
                entry.update({"status": "dropped", "reason": f"discriminator reply {CUT_OFF}"})
                continue
            verdict = parse_verdict(answer.text, questions)
            if verdict is None:
                entry.update({"status": "dropped", "reason": "malformed discriminator reply: no overall yes/no"})
            elif not verdict.accepted:
                entry.update(
                    {
                        "status": "dropped",
                        "reason": "discriminator: no",
                        "verdict": "no",
                        "reasons": list(verdict.reasons),
                    }
                )
            else:
                entry["verdict"] = "yes"
            pools.take(entry)
        filter_by_execution(entries, common.execute, common.workers)
        return entries

    try:
        run_chunks(
            [str(i) for i in range(len(chosen))],
            state,
            teacher,
            max(1, 2 * common.teacher.concurrency),
            published if common.recipe == "wavecoder" else work,
            f"wavecoder {task.name}",
            console,
        )
    finally:
        state.close()
    summary = finish(state, common.output, index, common.near_threshold)
    summary.requests = teacher.requests + (discriminator.requests if discriminator is not teacher else 0)
    p1, c1 = teacher.tokens()
    p2, c2 = discriminator.tokens() if discriminator is not teacher else (0, 0)
    summary.prompt_tokens, summary.completion_tokens = p1 + p2, c1 + c2
    return summary


def published_work(
    chosen: list[Function], common: SynthOptions, teacher: Teacher, discriminator: Teacher, state: RunState
) -> Callable[[list[str]], list[Entry]]:
    """The chunk worker of the published recipe: WaveCoder's generator, filters, discriminator and pools."""
    from gitocto.synth import wavecoder_published as wp

    pools = wp.Pools()
    for key in sorted(state.entries, key=lambda k: int(k) if k.isdigit() else -1):
        entry = state.entries[key]
        if entry.get("case"):
            pools.add(entry["case"], entry.get("verdict") == "yes")

    def work(keys: list[str]) -> list[Entry]:
        items = [chosen[int(k)] for k in keys]
        prompts = [
            pools.generator_prompt(f.code, random.Random(f"{common.seed}:{k}:good"))
            for k, f in zip(keys, items, strict=True)
        ]
        replies = teacher.ask_replies(prompts, wp_system())
        entries: list[Entry] = []
        judged: list[tuple[Entry, str]] = []
        for key, item, reply in zip(keys, items, replies, strict=True):
            generated, error = wp.parse_generation(reply.text)
            if reply.finish_reason == "length" and generated is None:
                error = f"reply {CUT_OFF}"
            if generated is None:
                entries.append({"key": key, "status": "dropped", "reason": f"generator filter: {error}"})
                continue
            information = "" if generated.information == wp.NO_INPUT else generated.information
            record: Sample = {
                "instruction": generated.instruction + (f"\n\n{information}" if information else ""),
                "response": generated.solution,
                "instruction_only": generated.instruction,
                "input": information,
                "task_name": generated.task_name,
                "tests": "",
                "task": "generation",
                "lang": item.lang,
                "seed": item.code,
                "seed_origin": item.origin,
                "seed_index": int(key),
                "method": METHOD,
                "teacher": teacher.label,
                "prompt_version": wp.PROMPT_VERSION,
            }
            entry: Entry = {
                "key": key,
                "status": "kept",
                "record": record,
                "solution_code": code_block(generated.solution),
            }
            entries.append(entry)
            judged.append((entry, wp.example_case(item.code, generated)))
        answers = (
            discriminator.ask_replies([pools.discriminator_prompt(c) for _, c in judged], wp_system()) if judged else []
        )
        for (entry, case), answer in zip(judged, answers, strict=True):
            feedback, accepted = wp.parse_answer(answer.text)
            if feedback is None:
                entry.update(
                    {"status": "dropped", "reason": "malformed discriminator reply: no `- step 1` ... `- reasons`"}
                )
                continue
            entry.update({"verdict": "yes" if accepted else "no", "case": f"{case}\n\nAnalysis:\n{feedback}\n"})
            if not accepted:
                entry.update({"status": "dropped", "reason": "discriminator: overall no"})
            pools.add(entry["case"], accepted)
        filter_by_execution(entries, common.execute, common.workers)
        return entries

    return work


def wp_system() -> str:
    """The system turn of every published WaveCoder request."""
    from gitocto.synth.published import WAVECODER_SYSTEM

    return WAVECODER_SYSTEM


def wavecoder_command(opts: WaveCoderOptions) -> int:
    """`git octo synth wavecoder`: run, report, exit 0."""
    from gitocto.synth.oss_instruct import print_summary

    summary = wavecoder(opts)
    print_summary(summary, opts.common.output)
    return 0
