"""Forks: one record per changed file of a commit that several repositories of one run hold, naming them all.

CommitPack groups a commit's rows by commit and joins the names of every repository holding it into `repos`
("owner/a,owner/b"). Here the repositories are those given to one run. In a run over several repositories
(`git octo extract A B`), a commit is extracted once, from the first repository (in the order given) whose selected
history holds it, with `repos` naming every one that holds it; the others skip it. With `--repos-file` every
repository is its own shard, extracted independently (so each stays resumable on its own); `merge_shards` then
removes the copies of shared commits from all shards but the first holder's and rewrites `repos` there.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from gitocto.extract.options import ExtractOptions
from gitocto.extract.output import STATE_DIR
from gitocto.extract.pipeline import Batch, process
from gitocto.extract.walk import RepoContext
from gitocto.records import atomic_write, write_json

SEPARATOR = ","


def join_names(names: Sequence[str]) -> str:
    """Repository names as CommitPack's `repos` column: each once, in order, comma-separated."""
    return SEPARATOR.join(dict.fromkeys(names))


class Forks:
    """Which repositories of a run hold each commit, and which one extracts it (the first given that holds it)."""

    def __init__(self, targets: Sequence[tuple[RepoContext, Sequence[str]]]) -> None:
        self._first: dict[str, int] = {}
        self._shared: dict[str, str] = {}
        if len(targets) < 2:
            return
        names: dict[str, list[str]] = {}
        for i, (ctx, commits) in enumerate(targets):
            for sha in commits:
                self._first.setdefault(sha, i)
                held = names.setdefault(sha, [])
                if ctx.repos not in held:
                    held.append(ctx.repos)
        self._shared = {sha: join_names(held) for sha, held in names.items() if len(held) > 1}

    def owned(self, index: int, commits: Sequence[str]) -> list[str]:
        """The commits of the `index`-th repository that no earlier repository of the run holds."""
        if not self._first:
            return list(commits)
        return [sha for sha in commits if self._first.get(sha, index) == index]

    def repos_of(self, sha: str, default: str) -> str:
        """The `repos` value of commit `sha`: every holder when shared, else `default`."""
        return self._shared.get(sha, default)

    def process(
        self, ctx: RepoContext, commits: Sequence[str], options: ExtractOptions, seen: set[str]
    ) -> Iterator[Batch]:
        """`pipeline.process` over `commits`, in runs of commits with the same holders, each with its `repos`."""
        start = 0
        while start < len(commits):
            repos = self.repos_of(commits[start], ctx.repos)
            end = start + 1
            while end < len(commits) and self.repos_of(commits[end], ctx.repos) == repos:
                end += 1
            run_ctx = ctx if repos == ctx.repos else dataclasses.replace(ctx, repos=repos)
            yield from process(run_ctx, commits[start:end], options, seen)
            start = end


# ---- --repos-file: one shard per repository, merged afterwards ----------------------------------------------------


def _holdings_path(shard: Path) -> Path:
    return shard.parent / STATE_DIR / f"{shard.stem}.holds.json"


def _read_holdings(shard: Path, fresh: bool) -> dict[str, Any]:
    """{"repos": name, "commits": [...]}: what `shard` held as extracted, before any merge rewrote it.

    Written beside the shard the first time it is seen (atomically, before any rewrite), and again when the shard
    was just extracted anew; read back on later runs, so merging is the same however often it runs."""
    import pyarrow.parquet as pq

    path = _holdings_path(shard)
    if not fresh and path.exists():
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    table = pq.read_table(shard, columns=["commit", "repos"])
    commits = list(dict.fromkeys(table.column("commit").to_pylist()))
    names = list(dict.fromkeys(table.column("repos").to_pylist()))
    data = {"repos": names[0] if names else "", "commits": commits}
    write_json(path, data)
    return data


def merge_shards(shards: Sequence[tuple[Path, bool]]) -> int:
    """Merge forks across `shards` ((path, just extracted), in the order of the sources): a commit held by several
    keeps its records only in the first shard holding it, with `repos` naming every holder. Returns the number of
    records removed as fork copies. Rewrites only shards that change, each atomically."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    holdings = [_read_holdings(path, fresh) for path, fresh in shards]
    first: dict[str, int] = {}
    names: dict[str, list[str]] = {}
    for i, held in enumerate(holdings):
        for sha in held["commits"]:
            first.setdefault(sha, i)
            holders = names.setdefault(sha, [])
            if held["repos"] not in holders:
                holders.append(held["repos"])
    shared = {sha: join_names(holders) for sha, holders in names.items() if len(holders) > 1}
    if not shared:
        return 0
    removed = 0
    for i, (path, _) in enumerate(shards):
        if not any(sha in shared for sha in holdings[i]["commits"]):
            continue
        table = pq.read_table(path)
        commits = table.column("commit").to_pylist()
        keep = [first[sha] == i for sha in commits]
        repos = [shared.get(sha, name) for sha, name in zip(commits, table.column("repos").to_pylist(), strict=True)]
        if all(keep) and repos == table.column("repos").to_pylist():
            continue  # merged on an earlier run
        field = table.schema.field("repos")
        table = table.set_column(table.schema.get_field_index("repos"), field, pa.array(repos).cast(field.type))
        table = table.filter(pc.equal(pa.array(keep), True))
        copies = len(commits) - table.num_rows
        removed += copies
        with atomic_write(path) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        _note_merge(path, table.num_rows, copies)
    return removed


def _note_merge(shard: Path, rows: int, copies: int) -> None:
    """Keep the shard's marker true to the merged shard: its record count and the fork copies removed."""
    marker = shard.parent / STATE_DIR / f"{shard.stem}.json"
    try:
        done = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    done["records"] = rows
    counts = done.setdefault("counts", {})
    counts["fork_copies"] = counts.get("fork_copies", 0) + copies
    counts["records_written"] = rows
    write_json(marker, done)
