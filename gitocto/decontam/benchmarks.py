"""The benchmarks code models are judged on, as texts to decontaminate against: each from the hub by name, or from
a local file given as `--benchmark NAME=PATH`.

Which fields count follows Magicoder's decontamination (bigcode-dataset's list), widened where our rules keep
false positives away: HumanEval docstrings and solutions, MBPP problem texts and solutions, APPS questions,
DS-1000 prompts (up to the solution marker) and reference code, GSM8K questions and answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypedDict, TypeVar

from gitocto.bench.records import HumanEvalRow
from gitocto.decontam.index import BENCHMARK_FIELDS, BenchmarkIndex, BenchmarkText
from gitocto.errors import OctoError


class _MbppRow(TypedDict):
    text: str
    code: str


class MbppRow(_MbppRow, total=False):
    """An MBPP problem: its text and solution (a local file may lack the task id)."""

    task_id: int


class _AppsRow(TypedDict):
    question: str


class AppsRow(_AppsRow, total=False):
    """An APPS problem: its question."""

    problem_id: int


class _Ds1000Row(TypedDict):
    prompt: str
    reference_code: str


class Ds1000Row(_Ds1000Row, total=False):
    """A DS-1000 problem: its prompt and reference code, and metadata with the problem id."""

    metadata: dict[str, object]


class Gsm8kRow(TypedDict):
    """A GSM8K problem: its question and answer."""

    question: str
    answer: str


# A benchmark's row type: a local file's rows are checked for the required fields before they count as one.
Row = TypeVar("Row", HumanEvalRow, MbppRow, AppsRow, Ds1000Row, Gsm8kRow)


@dataclass(frozen=True)
class Benchmark(Generic[Row]):
    """A benchmark: its hub dataset, the fields a local file must have, and how rows become texts."""

    name: str
    hub: str
    config: str | None
    split: str
    fields: tuple[str, ...]
    texts: Callable[[int, Row], list[BenchmarkText]]


def _extract_docstring(prompt: str) -> str:
    """The docstring of a HumanEval prompt (the last triple-quoted string), or "" when there is none."""
    for quote in ('"""', "'''"):
        parts = prompt.split(quote)
        if len(parts) >= 3:
            return parts[-2].strip()
    return ""


def _humaneval(i: int, row: HumanEvalRow) -> list[BenchmarkText]:
    task, entry = str(row["task_id"]), str(row.get("entry_point") or "")
    number = task.rsplit("/", 1)[-1]
    prompt = str(row["prompt"])
    return [
        BenchmarkText(task, "prompt", prompt, entry, f"humaneval/{number}"),
        BenchmarkText(task, "docstring", _extract_docstring(prompt), entry, f"humaneval/{number}"),
        BenchmarkText(
            task,
            "canonical_solution",
            str(row["canonical_solution"]),
            entry,
            f"humaneval/{number}",
            prompt + str(row["canonical_solution"]),
        ),
    ]


def _mbpp(i: int, row: MbppRow) -> list[BenchmarkText]:
    task = f"mbpp/{row.get('task_id', i)}"
    return [
        BenchmarkText(task, "text", str(row["text"]), problem=task),
        BenchmarkText(task, "code", str(row["code"]), problem=task),
    ]


def _apps(i: int, row: AppsRow) -> list[BenchmarkText]:
    # Questions only, as Magicoder: the 115k test solutions are many short competitive-programming idioms.
    task = f"apps/{row.get('problem_id', i)}"
    return [BenchmarkText(task, "question", str(row["question"]), problem=task)]


def _ds1000_prompt(prompt: str) -> str:
    # Magicoder's extract_ds_1000_prompt: the problem up to the solution marker (the code context after it is
    # library boilerplate shared by many problems).
    for marker in ("SOLUTION START", "BEGIN SOLUTION"):
        if marker in prompt:
            return prompt.split(marker, 1)[0]
    return prompt


def _ds1000(i: int, row: Ds1000Row) -> list[BenchmarkText]:
    meta = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
    task = f"ds1000/{meta.get('problem_id', i) if meta else i}"
    return [
        BenchmarkText(task, "prompt", _ds1000_prompt(str(row["prompt"])), problem=task),
        BenchmarkText(task, "reference_code", str(row["reference_code"]), problem=task),
    ]


def _gsm8k(i: int, row: Gsm8kRow) -> list[BenchmarkText]:
    task = f"gsm8k/{i}"
    return [
        BenchmarkText(task, "question", str(row["question"]), problem=task),
        BenchmarkText(task, "answer", str(row["answer"]), problem=task),
    ]


BENCHMARKS: dict[str, Benchmark[Any]] = {
    b.name: b
    for b in (
        Benchmark(
            "humaneval",
            "openai/openai_humaneval",
            None,
            "test",
            ("task_id", "prompt", "canonical_solution", "entry_point"),
            _humaneval,
        ),
        Benchmark("mbpp", "google-research-datasets/mbpp", "full", "test", ("text", "code"), _mbpp),
        Benchmark("apps", "codeparrot/apps", None, "test", ("question",), _apps),
        Benchmark("ds1000", "xlangai/DS-1000", None, "test", ("prompt", "reference_code"), _ds1000),
        Benchmark("gsm8k", "openai/gsm8k", "main", "test", ("question", "answer"), _gsm8k),
    )
}
HUMANEVALPACK = "humanevalpack"
DEFAULT_BENCHMARKS = (HUMANEVALPACK, "mbpp", "apps", "ds1000", "gsm8k")
KNOWN = (HUMANEVALPACK, *BENCHMARKS)


def parse_benchmarks(specs: Iterable[str] | None) -> list[tuple[str, Path | None]]:
    """`NAME` or `NAME=PATH` specs (None or empty: every default benchmark from the hub) into (name, path)."""
    specs = list(specs or [])
    if not specs:
        return [(name, None) for name in DEFAULT_BENCHMARKS]
    out: list[tuple[str, Path | None]] = []
    for spec in specs:
        name, _, path = spec.partition("=")
        name = name.strip().lower().replace("-", "")
        if name not in KNOWN:
            raise OctoError(
                f"unknown benchmark {spec.partition('=')[0]!r}; choose from {', '.join(KNOWN)} (as NAME or NAME=PATH)"
            )
        out.append((name, Path(path) if path else None))
    return out


def hub_unreachable() -> str | None:
    """Why the hub cannot be reached now, or None when it can (or offline mode was asked for, where `datasets`
    reads its cache and says so itself); the probe is gitocto.hub's, shared by every command."""
    from gitocto import hub

    if hub.offline_requested() or hub.reachable():
        return None
    host, port = hub.probe_address()
    return f"{host}:{port} cannot be reached"


def _hint(bench: Benchmark[Any]) -> str:
    return (
        f"pass --benchmark {bench.name}=PATH (a .jsonl, .json or .parquet file with the fields "
        f"{', '.join(bench.fields)}), or name only the benchmarks you have with --benchmark"
    )


def _hub_rows(bench: Benchmark[Any]) -> list[dict[str, Any]]:
    why = hub_unreachable()
    if why is not None:
        raise OctoError(f"cannot load benchmark {bench.name} ({bench.hub}) from the hub: {why}; {_hint(bench)}")
    try:
        import datasets
    except ImportError:
        raise OctoError(
            f"loading {bench.hub} needs `datasets` (pip install 'gitocto[bench]'); {_hint(bench)}"
        ) from None
    try:
        ds = datasets.load_dataset(bench.hub, bench.config, split=bench.split)
    except Exception as exc:  # hub, cache and network errors come in many types
        raise OctoError(
            f"cannot load benchmark {bench.name} ({bench.hub}): {type(exc).__name__}; {_hint(bench)}"
        ) from None
    return [dict(row) for row in ds]


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a local benchmark file: any record file (a .json one may hold a JSON list of objects)."""
    from gitocto.records import format_of, read_records

    if not path.is_file():
        raise OctoError(f"{path}: no such benchmark file")
    if format_of(path) is None:
        raise OctoError(f"{path}: a benchmark file must end in .jsonl, .jsonl.gz, .json or .parquet")
    return read_records(path)


def benchmark_texts(name: str, path: Path | None) -> list[BenchmarkText]:
    """The texts of one benchmark (not HumanEvalPack) from `path`, or from the hub when it is None."""
    bench = BENCHMARKS[name]
    rows = read_rows(path) if path is not None else _hub_rows(bench)
    texts: list[BenchmarkText] = []
    for i, row in enumerate(rows):
        missing = [f for f in bench.fields if f not in row]
        if missing:
            raise OctoError(
                f"{path or bench.hub}: row {i + 1} lacks the field {missing[0]!r} "
                f"({bench.name} rows have {', '.join(bench.fields)})"
            )
        texts.extend(t for t in bench.texts(i, row) if t.text.strip())
    if not texts:
        raise OctoError(f"{path or bench.hub}: no {bench.name} rows")
    return texts


def humanevalpack_texts(data_dir: Path | None, langs: Sequence[str] | None = None) -> list[BenchmarkText]:
    """HumanEvalPack's prompts, docstrings and canonical solutions (all six languages by default) from
    `<data_dir>/<lang>.jsonl`, or from the hub."""
    from gitocto.bench.data import HUB_DATASET, LANGUAGES, load_problems

    if data_dir is None:
        why = hub_unreachable()
        if why is not None:
            raise OctoError(
                f"cannot load benchmark humanevalpack ({HUB_DATASET}) from the hub: {why}; pass "
                "--benchmark humanevalpack=DIR (or --data-dir DIR) with its <lang>.jsonl files"
            )
    texts: list[BenchmarkText] = []
    for lang in langs or LANGUAGES:
        for problem in load_problems(lang, data_dir):
            group = f"humaneval/{problem.task_id.rsplit('/', 1)[-1]}"
            for field in BENCHMARK_FIELDS:
                value = str(getattr(problem, field))
                declared = problem.declaration + value if field == "canonical_solution" else ""
                if value.strip():
                    texts.append(BenchmarkText(problem.task_id, field, value, problem.entry_point, group, declared))
    return texts


def load_index(specs: Iterable[str] | None = None, data_dir: Path | None = None) -> BenchmarkIndex:
    """The index over the named benchmarks (default: all five); `data_dir` is HumanEvalPack's when it has no path."""
    texts: list[BenchmarkText] = []
    names: list[str] = []
    for name, path in parse_benchmarks(specs):
        names.append(name)
        if name == HUMANEVALPACK:
            texts.extend(humanevalpack_texts(path or data_dir))
        else:
            texts.extend(benchmark_texts(name, path))
    return BenchmarkIndex(texts, names=names)
