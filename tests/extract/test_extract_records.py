"""Records from a real history: columns, change kinds, line counts, licence, revision selection, merges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitocto.extract.command import extract_repos
from gitocto.extract.options import ExtractOptions
from gitocto.extract.walk import COLUMNS
from tests.extract.extract_helpers import read_output


def _extract(repo: Any, tmp_path: Path, **options: Any) -> list[dict[str, Any]]:
    out = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}.jsonl"
    assert extract_repos([str(repo.path)], str(out), ExtractOptions(**options)) == 0
    return read_output(out)


def test_one_record_per_changed_file_with_all_columns(history: Any, tmp_path: Path) -> None:
    records = _extract(history, tmp_path)
    assert all(list(r) == list(COLUMNS) for r in records)
    by_subject = {r["subject"]: r for r in records}
    # Merges are left out by default, as in CommitPack.
    assert "Merge branch 'side'" not in by_subject
    assert len(records) == 7  # LICENSE + parser.py, fix, rename, Go helper, README added, README removed

    fix = by_subject["Fix parse for empty input"]
    assert fix["message"] == "Fix parse for empty input\n\nEmpty strings gave a list with one item.\n"
    assert fix["old_contents"] == "def parse(text):\n    return text.split()\n"
    assert fix["new_contents"].startswith("def parse(text):\n    if not text:")
    assert (fix["change_type"], fix["lines_added"], fix["lines_removed"]) == ("modified", 2, 0)
    assert fix["lang"] == "Python" and fix["license"] == "mit" and fix["repos"] == "proj"
    assert (fix["lang_source"], fix["license_spdx"], fix["same_path_files"]) == ("commitpack", "MIT", 1)
    assert fix["files_changed"] == 1 and fix["parent"] and len(fix["commit"]) == 40
    assert fix["author_date"].startswith("2024-01-01T00:00:02")

    rename = by_subject["Rename the parser module to tokens"]
    assert (rename["old_file"], rename["new_file"], rename["change_type"]) == (
        "src/parser.py",
        "src/tokens.py",
        "renamed",
    )
    assert rename["old_contents"] == rename["new_contents"]
    added = by_subject["Add a README"]
    assert (added["change_type"], added["old_contents"], added["lines_added"]) == ("added", "", 1)
    removed = by_subject["Remove the README"]
    assert (removed["change_type"], removed["new_contents"], removed["lang"]) == ("deleted", "", "Markdown")
    assert by_subject["Add a Go helper"]["lang"] == "Go"
    first = [r for r in records if r["subject"] == "Add the licence and the parser"]
    assert {r["files_changed"] for r in first} == {2} and first[0]["parent"] is None


def test_merges_on_request_and_revision_selection(history: Any, tmp_path: Path) -> None:
    merged = _extract(history, tmp_path, include_merges=True)
    merge = [r for r in merged if r["subject"] == "Merge branch 'side'"]
    assert [r["new_file"] for r in merge] == ["go/util.go"]  # diffed against the first parent
    assert [r["subject"] for r in _extract(history, tmp_path, max_commits=1)] == ["Remove the README"]
    ranged = _extract(history, tmp_path, rev="HEAD~2..HEAD")
    assert {r["subject"] for r in ranged} == {"Remove the README", "Add a Go helper"}
    assert _extract(history, tmp_path, since="2030-01-01") == []
    given = _extract(history, tmp_path, license="Apache-2.0")[0]
    assert (given["license"], given["license_spdx"]) == ("apache-2.0", "Apache-2.0")
    given = _extract(history, tmp_path, license="bsd-3-clause")[0]
    assert (given["license"], given["license_spdx"]) == ("bsd-3-clause", "BSD-3-Clause")


def test_workers_give_the_same_records_in_the_same_order(history: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from gitocto.extract import walk

    monkeypatch.setattr(walk, "CHUNK_COMMITS", 2)
    one = _extract(history, tmp_path / "one", workers=1)
    two = _extract(history, tmp_path / "two", workers=2)
    assert one == two and len(one) == 7


def test_exact_duplicates_are_written_once(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("dups")
    repo.commit("Add a", {"a.py": "x = 1\n"})
    repo.commit("Set a to two", {"a.py": "x = 2\n"})
    repo.commit("Set a back to one", {"a.py": "x = 1\n"})
    repo.commit("Set a to two", {"a.py": "x = 2\n"})  # same old contents, message and new contents as commit 2
    records = _extract(repo, tmp_path)
    # Newest first: the later copy is kept, the earlier one counted as a duplicate.
    assert [r["subject"] for r in records] == ["Set a to two", "Set a back to one", "Add a"]


def test_iter_records_yields_the_columns_with_counts(history: Any) -> None:
    from collections import Counter

    from gitocto.extract.walk import iter_records

    counts: Counter[str] = Counter()
    records = list(iter_records(history.path, ExtractOptions(), counts))
    assert len(records) == 7 and all(list(r) == list(COLUMNS) for r in records)
    assert counts["commits"] == 6
