"""PNG plots of corpus statistics (matplotlib, no display needed)."""

from __future__ import annotations

from array import array
from collections import Counter
from pathlib import Path

from gitocto.stats.collect import CorpusStats


def _bar(counts: Counter[str], title: str, path: Path, top: int = 25) -> None:
    import matplotlib.pyplot as plt

    items = counts.most_common(top)
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.3 * len(items) + 1)))
    ax.barh([name for name, _ in reversed(items)], [n for _, n in reversed(items)])
    ax.set_title(title)
    ax.set_xlabel("records")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _histogram(values: array[int], title: str, xlabel: str, path: Path) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    data = np.frombuffer(values, dtype=np.int64)
    fig, ax = plt.subplots(figsize=(7, 4))
    # Sizes span orders of magnitude: log-spaced bins over value + 1 show both the head and the tail.
    bins = np.logspace(0, np.log10(max(2, int(data.max()) + 1)), 40)
    ax.hist(data + 1, bins=bins.tolist())
    ax.set_xscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("records")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_plots(stats: CorpusStats, drops: Counter[str] | None, out_dir: Path) -> list[Path]:
    """Write one PNG per statistic that has data into `out_dir`; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    bars = [(stats.languages, "languages", "languages.png"), (stats.licenses, "licences", "licenses.png")]
    if drops:
        bars.append((drops, "records removed per filter rule", "filter_drops.png"))
    for counts, title, name in bars:
        if counts:
            _bar(counts, title, out_dir / name)
            written.append(out_dir / name)
    hists = [
        (stats.message_chars, "message length", "characters (+1)", "message_lengths.png"),
        (stats.change_lines, "change size", "lines added + removed (+1)", "change_sizes.png"),
    ]
    for values, title, xlabel, name in hists:
        if values:
            _histogram(values, title, xlabel, out_dir / name)
            written.append(out_dir / name)
    return written
