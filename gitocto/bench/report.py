"""Results: the JSON file, a readable table beside the paper's reference rows, and an optional bar chart."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from gitocto import console as out
from gitocto.bench.data import LANGUAGES
from gitocto.bench.records import Results, ResultsFile
from gitocto.errors import OctoError
from gitocto.records import write_text

REFERENCE_MODELS = ("OctoCoder-15.5B", "GPT-4")


def published() -> dict[str, Any]:
    """The paper's pass@1 (%) per model, task and language (python, js, java, go, cpp, rust)."""
    text = resources.files("gitocto.bench").joinpath("published.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def reference_rows(task: str) -> list[tuple[str, dict[str, float]]]:
    """(model, {lang: pass@1 %}) for the reference models that report `task`."""
    data = published()
    rows = []
    for model in REFERENCE_MODELS:
        values = data["models"].get(model, {}).get(task)
        if values:
            rows.append((model, dict(zip(data["languages"], values, strict=True))))
    return rows


def approximate_cells(model: str) -> set[tuple[str, str]]:
    """(task, lang) cells of `model` that published.json marks approximate (back-solved from averages)."""
    marked = published()["models"].get(model, {}).get("approximate", [])
    return {tuple(cell.split(".", 1)) for cell in marked}  # type: ignore[misc]


PAPER_SAMPLING = {"temperature": 0.2, "top_p": 0.95, "n_samples": 20}
PROBLEMS_PER_LANGUAGE = 164


def paper_rows_hidden(results: Results, run: ResultsFile | None) -> str | None:
    """Why the paper's rows would mislead beside this run, or None when it is comparable: the full benchmark
    (164 problems in each language) sampled as the paper did (temperature 0.2, top-p 0.95, at least 20 samples)."""
    partial = sorted(
        {
            lang
            for by_lang in results.values()
            for lang, cell in by_lang.items()
            if cell.get("problems") != PROBLEMS_PER_LANGUAGE
        }
    )
    limit, n, temperature, top_p = (
        (run.get("limit"), run.get("n_samples"), run.get("temperature"), run.get("top_p"))
        if run
        else (None, None, None, None)
    )
    if limit is not None or partial:
        return (
            f"this run covers only part of the benchmark ({', '.join(partial) or 'all languages'}: fewer than "
            f"{PROBLEMS_PER_LANGUAGE} problems)"
        )
    if n is None or temperature is None or top_p is None:
        return "the generations file does not record how it was sampled"
    if (
        n < PAPER_SAMPLING["n_samples"]
        or temperature != PAPER_SAMPLING["temperature"]
        or top_p != PAPER_SAMPLING["top_p"]
    ):
        return (
            f"this run sampled n={n}, temperature {temperature}, top-p {top_p}; "
            "the paper n=20, temperature 0.2, top-p 0.95 (--protocol paper)"
        )
    return None


def write_results(path: Path, payload: ResultsFile) -> None:
    """Write the results JSON (atomically, so a crash never leaves half a file)."""
    write_text(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _paper_cell(model: str, task: str, lang: str, values: dict[str, float]) -> str:
    if lang not in values:
        return "–"
    mark = "≈" if (task, lang) in approximate_cells(model) else ""
    return f"{mark}{values[lang]:.1f}"


def results_table(results: Results, label: str, paper: bool = True) -> Table:
    """pass@1 (%) by task × language, this run first, then (`paper`) the paper's reference rows; ≈ marks a
    published cell that is approximate."""
    langs = [lang for lang in LANGUAGES if any(lang in by_lang for by_lang in results.values())]
    table = Table(title="HumanEvalPack pass@1 (%)")
    table.add_column("task")
    table.add_column("model")
    for lang in langs:
        table.add_column(lang, justify="right")
    for task, by_lang in results.items():
        table.add_row(task, label, *(_pct(by_lang[lang].get("pass@1") if lang in by_lang else None) for lang in langs))
        for model, values in reference_rows(task) if paper else []:
            table.add_row(
                "", f"{model} (paper)", *(_paper_cell(model, task, lang, values) for lang in langs), style="dim"
            )
    return table


def print_results(
    results: Results,
    label: str,
    console: Console | None = None,
    run: ResultsFile | None = None,
) -> None:
    """Print the table (the paper's rows only beside a comparable `run`, else a note why they are hidden) and the
    other k where there are enough samples, on stdout (the shared console unless one is given)."""
    console = console or out.console(err=False)
    hidden = paper_rows_hidden(results, run)
    console.print(results_table(results, label, paper=hidden is None))
    if hidden is not None:
        console.print(f"paper rows hidden: {hidden}", markup=False, highlight=False, soft_wrap=True)
    elif any(approximate_cells(model) for model in REFERENCE_MODELS):
        console.print("≈ published figure back-solved from the paper's averages (approximate)")
    if run and run.get("max_length_approximate"):
        console.print(
            "length limit approximate: the backend does not expose its tokenizer, so answers were "
            "limited to max_length new tokens",
            markup=False,
            highlight=False,
        )
    for task, by_lang in results.items():
        for lang, cell in by_lang.items():
            more = ", ".join(
                f"{k} {100 * v:.1f}"
                for k, v in cell.items()
                if k.startswith("pass@") and k != "pass@1" and isinstance(v, float)
            )
            if more:
                console.print(f"{task} {lang}: {more}")


def plot_results(results: Results, label: str, path: Path, paper: bool = True) -> None:
    """A PNG bar chart: one panel per task, pass@1 per language for this run and (`paper`) the reference models."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise OctoError("--plot needs matplotlib (pip install 'gitocto[bench]')") from None
    tasks = list(results)
    fig, axes = plt.subplots(1, len(tasks), figsize=(6 * len(tasks), 4), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        series = [(label, {lang: 100 * c.get("pass@1", 0.0) for lang, c in results[task].items()})]
        series += reference_rows(task) if paper else []
        langs = [lang for lang in LANGUAGES if lang in results[task]]
        width = 0.8 / len(series)
        for i, (name, values) in enumerate(series):
            xs = [j + i * width for j in range(len(langs))]
            ax.bar(xs, [values.get(lang, 0.0) for lang in langs], width, label=name)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(langs))], langs)
        ax.set_title(task)
        ax.set_ylabel("pass@1 (%)")
        ax.set_ylim(0, 100)
    axes[0][0].legend(fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
