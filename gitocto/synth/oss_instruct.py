"""OSS-Instruct (Magicoder): a teacher turns random code snippets into self-contained problems with solutions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console

from gitocto import console as out
from gitocto.backends import Backend
from gitocto.decontam.index import BenchmarkIndex
from gitocto.errors import OctoError
from gitocto.synth.entry import Entry, Sample
from gitocto.synth.finish import NEAR_THRESHOLD, Summary, finish
from gitocto.synth.options import OSS_INSTRUCT_RECIPES
from gitocto.synth.parse import code_block, drop_reason, parse_problem_solution, parse_sections
from gitocto.synth.pipeline import filter_by_execution, run_chunks
from gitocto.synth.prompts import PROMPT_VERSION, oss_instruct_prompt
from gitocto.synth.published import MAGICODER_INSTRUCTION, MAGICODER_PROMPT, MAGICODER_SYSTEM
from gitocto.synth.seeds import Seed, magicoder_seed, sample_seed
from gitocto.synth.sources import SourceFile, load_sources
from gitocto.synth.state import RunState
from gitocto.synth.teacher import Teacher, TeacherSpec

METHOD = "oss-instruct"
SECTIONS = ("Problem Description", "Solution")
# "gitocto": our prompt (language, fenced block, [Tests] for the execution filter), one user turn, 1024 tokens.
# "magicoder": OSS-Instruct exactly as ise-uiuc/magicoder runs it (see docs/synth.md for the differences).
RECIPES = OSS_INSTRUCT_RECIPES
ALL_RECIPES = (*RECIPES, "wavecoder")
MAGICODER_VERSION = "magicoder-oss-instruct"
MAGICODER_MAX_NEW_TOKENS = 2500  # generate_data.py Args.max_new_tokens
MAGICODER_TEMPERATURE = 0.0


@dataclass(frozen=True)
class SynthOptions:
    """What every synth method shares: input, output, teacher, seed, filters."""

    source: Path
    output: Path
    teacher: TeacherSpec = field(default_factory=TeacherSpec)
    n: int = 100
    seed: int = 0
    langs: tuple[str, ...] = ("python",)
    rev: str = "HEAD"
    tests: bool = True
    execute: bool = True
    decontaminate: bool = True
    data_dir: Path | None = None
    near_threshold: float = NEAR_THRESHOLD
    workers: int | None = None
    recipe: str = "gitocto"
    benchmarks: tuple[str, ...] | None = None  # `--benchmark NAME[=PATH]` specs; None: every known benchmark

    def check(self) -> None:
        """Fail early, before any teacher request, on settings that could only fail at the end."""
        from gitocto.records import format_of

        if self.n < 1:
            raise OctoError(f"-n must be at least 1, not {self.n}")
        if format_of(self.output) is None:
            raise OctoError(f"{self.output}: output must end in .jsonl, .jsonl.gz or .parquet")
        if self.recipe not in ALL_RECIPES:
            raise OctoError(f"unknown recipe {self.recipe!r}; choose from {', '.join(ALL_RECIPES)}")
        if not 0 < self.near_threshold <= 1:
            raise OctoError(f"--near-threshold must be in (0, 1], not {self.near_threshold}")

    def settings(self, method: str, **extra: object) -> dict[str, object]:
        """The settings a resumed run must share with the first one (the state file's header)."""
        teacher = {
            k: v for k, v in asdict(self.teacher).items() if k in ("kind", "model", "temperature", "max_new_tokens")
        }
        return {
            "method": method,
            "source": str(self.source),
            "rev": self.rev,
            "seed": self.seed,
            "langs": list(self.langs),
            "tests": self.tests,
            "execute": self.execute,
            "prompt_version": PROMPT_VERSION,
            "recipe": self.recipe,
            "prompt_format": self.teacher.prompt_format,
            "teacher": teacher,
            **extra,
        }


def benchmark_index(opts: SynthOptions) -> BenchmarkIndex | None:
    """The decontamination index, built before any teacher request so a missing benchmark fails the run at once."""
    if not opts.decontaminate:
        return None
    from gitocto.decontam.benchmarks import load_index

    return load_index(opts.benchmarks, opts.data_dir)


def parse_response(text: str, finish_reason: str | None = None) -> tuple[dict[str, str] | None, str | None]:
    """(problem, solution, tests) of an OSS-Instruct reply, or None and why it is dropped."""
    parsed = parse_sections(text, SECTIONS, ("Tests",), finish_reason)
    if not parsed.ok:
        return None, parsed.error
    tests = parsed.sections.get("Tests", "")
    return {
        "problem": parsed.sections["Problem Description"],
        "solution": parsed.sections["Solution"],
        "tests": code_block(tests) if tests else "",
    }, None


def make_entry(
    seed: Seed, reply: str, teacher_label: str, finish_reason: str | None = None, recipe: str = "gitocto"
) -> Entry:
    """The state entry for one seed and the teacher's reply (and why the reply ended): a kept record, or a drop
    with its reason."""
    if recipe == "magicoder":
        return magicoder_entry(seed, reply, teacher_label, finish_reason)
    parts, error = parse_response(reply, finish_reason)
    key = str(seed.index)
    if parts is None:
        return {"key": key, "status": "dropped", "reason": drop_reason(str(error))}
    record: Sample = {
        "instruction": parts["problem"],
        "response": parts["solution"],
        "tests": parts["tests"],
        "lang": seed.lang,
        "seed": seed.text,
        "seed_origin": seed.origin,
        "seed_index": seed.index,
        "method": METHOD,
        "teacher": teacher_label,
        "prompt_version": PROMPT_VERSION,
    }
    return {"key": key, "status": "kept", "record": record, "solution_code": code_block(parts["solution"])}


def magicoder_entry(seed: Seed, reply: str, teacher_label: str, finish_reason: str | None) -> Entry:
    """Magicoder's record: the problem under its stored instruction prefix, the whole [Solution] as the response."""
    parsed = parse_problem_solution(reply, finish_reason)
    key = str(seed.index)
    if not parsed.ok:
        return {"key": key, "status": "dropped", "reason": drop_reason(str(parsed.error))}
    problem, solution = parsed.sections["Problem Description"], parsed.sections["Solution"]
    record: Sample = {
        "instruction": MAGICODER_INSTRUCTION.format(problem=problem),
        "response": solution,
        "problem": problem,
        "tests": "",
        "lang": seed.lang,
        "seed": seed.text,
        "seed_origin": seed.origin,
        "seed_index": seed.index,
        "method": METHOD,
        "teacher": teacher_label,
        "prompt_version": MAGICODER_VERSION,
    }
    return {"key": key, "status": "kept", "record": record, "solution_code": code_block(solution)}


def seed_and_prompt(files: list[SourceFile], index: int, opts: SynthOptions) -> tuple[Seed, str]:
    """Seed number `index` and the teacher's user turn for it, by the run's recipe."""
    if opts.recipe == "magicoder":
        seed = magicoder_seed(files, index, opts.seed)
        return seed, MAGICODER_PROMPT.format(code=seed.text)
    seed = sample_seed(files, index, opts.seed)
    return seed, oss_instruct_prompt(seed.text, seed.lang, opts.tests)


def oss_instruct(opts: SynthOptions, backend: Backend | None = None, console: Console | None = None) -> Summary:
    """Run (or resume) OSS-Instruct over seeds 0..n-1 and write the filtered output; return the summary."""
    opts.check()
    if opts.recipe not in RECIPES:
        raise OctoError(f"unknown oss-instruct recipe {opts.recipe!r}; choose from {', '.join(RECIPES)}")
    files = load_sources(opts.source, opts.langs, opts.rev)
    index = benchmark_index(opts)
    teacher = Teacher(opts.teacher, backend)
    state = RunState(opts.output, opts.settings(METHOD))
    # Magicoder sends its system line as a system turn; our recipe has it inside the user turn.
    system = MAGICODER_SYSTEM if opts.recipe == "magicoder" else None

    def work(keys: list[str]) -> list[Entry]:
        seeds, prompts = zip(*(seed_and_prompt(files, int(k), opts) for k in keys), strict=True)
        replies = teacher.ask_replies(list(prompts), system)
        entries = [
            make_entry(s, r.text, teacher.label, r.finish_reason, opts.recipe)
            for s, r in zip(seeds, replies, strict=True)
        ]
        filter_by_execution(entries, opts.execute, opts.workers)
        return entries

    try:
        run_chunks(
            [str(i) for i in range(opts.n)],
            state,
            teacher,
            max(1, 2 * opts.teacher.concurrency),
            work,
            "oss-instruct",
            console,
        )
    finally:
        state.close()
    summary = finish(state, opts.output, index, opts.near_threshold)
    summary.requests = teacher.requests
    summary.prompt_tokens, summary.completion_tokens = teacher.tokens()
    return summary


def print_summary(summary: Summary, output: Path) -> None:
    """The run report on stderr."""
    for line in summary.lines():
        out.line(line, err=True)
    out.line(f"wrote {output}", err=True)


def oss_instruct_command(opts: SynthOptions) -> int:
    """`git octo synth oss-instruct`: run, report, exit 0."""
    summary = oss_instruct(opts)
    print_summary(summary, opts.output)
    return 0
