"""CommitPack parity on real histories: each case a commit in a small repository, run through the real extraction
and the published rules; and a record's columns and value conventions against CommitPack's."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gitocto.extract import filters as f
from gitocto.extract.options import ExtractOptions
from gitocto.extract.record import Record
from gitocto.extract.walk import iter_records
from tests.extract.extract_helpers import read_output
from tests.support.git_octo import octo

MIT = "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n"
OLD = "def area(w, h):\n    return w * h\n" * 6
NEW = "def area(w, h):\n    return abs(w) * abs(h)\n" * 6
NOTES = "Next steps for the geometry package, one per line, in the order we mean to do them.\n" * 3
MORE = NOTES + "Measure how long the area helper takes on a million shapes.\n"
CaseFiles = dict[str, str | None]


def _case(
    make_repo: Any,
    message: str,
    files: CaseFiles,
    rules: str = "commitpackft",
    remote: str = "https://github.com/octo-org/geometry.git",
    name: str = "geometry",
) -> tuple[list[Record], Counter[str]]:
    """Records of one commit made on top of a licensed base, after the rules of `rules`, and the drops."""
    repo = make_repo(name)
    repo.git("remote", "add", "origin", remote)
    repo.commit(
        "Add the licence, the area helper and notes",
        {"LICENSE": MIT, "geometry/shapes.py": OLD, "notes/todo.txt": NOTES, "docker/Dockerfile": "FROM x\n"},
    )
    sha = repo.commit(message, files)
    records = [r for r in iter_records(repo.path, ExtractOptions()) if r["commit"] == sha]
    drops: Counter[str] = Counter()
    kept = list(f.apply_rules(records, f.rules_for(rules), f.RuleContext(), drops))
    return kept, drops


@pytest.mark.parametrize(
    ("message", "files", "stored"),
    [
        # A two-word start word.
        (
            "Speed up the area helper for big inputs",
            {"geometry/shapes.py": NEW},
            "Speed up the area helper for big inputs",
        ),
        # "build(deps):" is one leading token ending in ":", cleaned away; the stored subject is the cleaned one.
        (
            "build(deps): Use the faster area helper in the module",
            {"geometry/shapes.py": NEW},
            "Use the faster area helper in the module",
        ),
        (
            "[geo] net/http: Use the faster area helper everywhere [ci skip]",
            {"geometry/shapes.py": NEW},
            "Use the faster area helper everywhere",
        ),
        # A version number inside the subject is fine: the rule is anchored at its start.
        ("Fix the area helper for release 1.2.3", {"geometry/shapes.py": NEW}, "Fix the area helper for release 1.2.3"),
        # .txt files are CommitPack's language "Text".
        (
            "Write down the benchmark as the next step",
            {"notes/todo.txt": MORE},
            "Write down the benchmark as the next step",
        ),
    ],
)
def test_published_rules_keep(make_repo: Any, message: str, files: CaseFiles, stored: str) -> None:
    kept, drops = _case(make_repo, message, files)
    assert not drops, drops
    assert [r["subject"] for r in kept] == [stored]
    assert kept[0]["message"].startswith(message)


def test_one_edit_next_to_an_added_file_is_a_single_file_commit(make_repo: Any) -> None:
    kept, drops = _case(
        make_repo,
        "Handle zero sizes in the area helper",
        {"geometry/shapes.py": NEW, "geometry/extra.py": "EXTRA = 1\n", "notes/todo.txt": None},
    )
    assert [r["new_file"] for r in kept] == ["geometry/shapes.py"]
    assert kept[0]["same_path_files"] == 1 and kept[0]["files_changed"] == 3
    assert drops == Counter({"cp_same_path": 2})  # the added and the deleted file


@pytest.mark.parametrize(
    ("message", "files", "rule"),
    [
        ("wip", {"geometry/shapes.py": NEW}, "cp_message_length"),
        ("Update README", {"geometry/shapes.py": NEW}, "cp_throwaway_message"),
        ("Add a second helper file", {"geometry/more.py": OLD}, "cp_same_path"),
        ("Fix the area helper and the notes", {"geometry/shapes.py": NEW, "notes/todo.txt": MORE}, "cp_single_file"),
        ("Ignore the build directory", {"notes/todo.txt": None, ".gitignore": "build\n"}, "cp_same_path"),
        ("Update geometry/shapes.py", {"geometry/shapes.py": NEW}, "cp_update_filename"),
        ("lalala", {"geometry/shapes.py": NEW}, "cp_misc_message"),
        ("Fix the area helper (#12)", {"geometry/shapes.py": NEW}, "ft_no_hash_sign"),
        ("Fix negative sizes in shapes", {"geometry/shapes.py": NEW}, "ft_no_file_stem"),
        ("Fix area", {"geometry/shapes.py": NEW}, "ft_subject_size"),
        ("geometry: Fix the area helper", {"geometry/shapes.py": NEW}, "ft_clean_subject_size"),
        ("core: fix negative sizes in the area helper", {"geometry/shapes.py": NEW}, "ft_upper_first"),
        ("Fixed negative sizes in the area helper", {"geometry/shapes.py": NEW}, "ft_imperative_verb"),
        ("Update CONTRIBUTING notes in the area helper", {"geometry/shapes.py": NEW}, "ft_no_boilerplate"),
        ("Revert the helper to " + "0123456789" * 4, {"geometry/shapes.py": NEW}, "ft_no_commit_hash"),
        ("Fix the helper I've broken before", {"geometry/shapes.py": NEW}, "ft_no_first_person"),
        ("Fix the area helper, thanks to Ann for it", {"geometry/shapes.py": NEW}, "ft_no_thanks"),
        ("Fix the area helper for issue 12", {"geometry/shapes.py": NEW}, "ft_no_issue_ref"),
        ("Fix the wiping of cached areas before runs", {"geometry/shapes.py": NEW}, "ft_no_wip"),
        ("Fix the area helper, see http://x.org", {"geometry/shapes.py": NEW}, "ft_no_url"),
        ("Fix the helper [ci skip]", {"geometry/shapes.py": NEW}, "ft_min_words"),
        ("Use a smaller base image for the builds", {"docker/Dockerfile": "FROM alpine\n"}, "ft_extension"),
    ],
)
def test_published_rules_drop(make_repo: Any, message: str, files: CaseFiles, rule: str) -> None:
    kept, drops = _case(make_repo, message, files)
    assert kept == []
    assert set(drops) == {rule}, drops


def test_licence_and_opt_out_rules_on_real_repositories(make_repo: Any) -> None:
    kept, drops = _case(
        make_repo,
        "Speed up the area helper for big inputs",
        {"geometry/shapes.py": NEW},
        rules="commitpack",
        remote="git@github.com:tomas/geometry.git",
    )
    assert kept == [] and drops == Counter({"cp_opt_out": 1})


def test_strict_rules_are_opt_in(make_repo: Any) -> None:
    message = "Memoize the area helper for big inputs"  # in verbs.txt, not in the published list
    kept, drops = _case(make_repo, message, {"geometry/shapes.py": NEW})
    assert kept == [] and set(drops) == {"ft_imperative_verb"}
    kept, drops = _case(
        make_repo,
        "Memoize the area helper for big inputs",
        {"geometry/shapes.py": NEW},
        rules="commitpackft-strict",
        name="strict",
    )
    assert [r["subject"] for r in kept] == ["Memoize the area helper for big inputs"] and not drops


# CommitPack's columns, in its order, and the value conventions of each.
COMMITPACK_COLUMNS = [
    "commit",
    "old_file",
    "new_file",
    "old_contents",
    "new_contents",
    "subject",
    "message",
    "lang",
    "license",
    "repos",
]


def test_record_columns_and_values_follow_commitpack(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("geometry")
    repo.git("remote", "add", "origin", "https://github.com/octo-org/geometry.git")
    repo.commit(
        "Add the licence, the area helper and notes",
        {"LICENSE": MIT, "geometry/shapes.py": OLD, "notes/todo.txt": NOTES},
    )
    repo.commit("[geo] Speed up the area helper for big inputs\n\nIt was slow.", {"geometry/shapes.py": NEW})
    out = tmp_path / "ft.jsonl"
    proc = octo("extract", str(repo.path), "-o", str(out), "--filter", "commitpackft", "--skip-rule", "ft_token_length")
    assert proc.returncode == 0, proc.stderr
    [record] = read_output(out)
    columns = list(record)
    assert [c for c in columns if c in COMMITPACK_COLUMNS] == COMMITPACK_COLUMNS
    assert len(record["commit"]) == 40 and int(record["commit"], 16) >= 0
    assert record["old_file"] == record["new_file"] == "geometry/shapes.py"
    assert (record["old_contents"], record["new_contents"]) == (OLD, NEW)
    # CommitPackFT stores the cleaned subject and the whole message.
    assert record["subject"] == "Speed up the area helper for big inputs"
    assert record["message"] == "[geo] Speed up the area helper for big inputs\n\nIt was slow.\n"
    # CommitPack's language name, GitHub's licence key, owner/name repositories (comma-separated).
    assert (record["lang"], record["lang_source"]) == ("Python", "commitpack")
    assert (record["license"], record["license_spdx"]) == ("mit", "MIT")
    assert record["repos"] == "octo-org/geometry"
    raw = octo("extract", str(repo.path), "-o", "-", "--filter", "none")
    assert raw.returncode == 0, raw.stderr
    assert "[geo] Speed up" in raw.stdout  # without a filter the subject stays raw
