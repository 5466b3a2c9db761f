"""Each CommitPack and CommitPackFT rule on its own, the rule order, --skip-rule, and the drop table."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from extract_helpers import octo, read_output
from rich.console import Console

from gitocto.errors import OctoError
from gitocto.extract import filters as f
from gitocto.extract.command import extract_command
from gitocto.extract.options import ExtractOptions

CTX = f.RuleContext()
OLD = "def area(w, h):\n    return w * h\n" * 6
NEW = "def area(w, h):\n    return abs(w) * abs(h)\n" * 6


def rec(**changes: Any) -> dict[str, Any]:
    """A record every rule keeps, with `changes` applied."""
    base = {"commit": "c" * 40, "old_file": "geometry/shapes.py", "new_file": "geometry/shapes.py",
            "old_contents": OLD, "new_contents": NEW, "subject": "Fix negative sizes in the area helper",
            "message": "Fix negative sizes in the area helper\n", "lang": "Python", "change_type": "modified",
            "files_changed": 1}
    base.update(changes)
    if "subject" in changes and "message" not in changes:
        base["message"] = changes["subject"] + "\n"
    return base


def test_the_base_record_passes_every_rule() -> None:
    for rule in f.ALL_RULES.values():
        assert rule(rec(), CTX), rule.__name__


@pytest.mark.parametrize(("rule", "bad"), [
    (f.cp_message_length, rec(message="fix")),
    (f.cp_message_length, rec(message="x" * 10_000)),
    (f.cp_throwaway_message, rec(message="Initial commit\n")),
    (f.cp_throwaway_message, rec(message="Merge remote-tracking branch 'origin/dev'")),
    (f.cp_same_path, rec(new_file="geometry/shape.py", change_type="renamed")),
    (f.cp_same_path, rec(change_type="added")),
    (f.cp_single_file, rec(files_changed=2)),
    (f.cp_known_language, rec(lang=None)),
    (f.cp_known_language, rec(lang="Text only")),
    (f.cp_update_filename, rec(message="Update shapes.py")),
    (f.ft_old_size, rec(old_contents="x" * 50_000)),
    (f.ft_new_contents, rec(new_contents="")),
    (f.ft_new_contents, rec(new_contents=OLD)),
    (f.ft_no_hash_sign, rec(subject="Fix #12 in the area helper")),
    (f.ft_no_file_stem, rec(subject="Fix negative sizes in shapes")),
    (f.ft_length, rec(subject="Fix a bug")),
    (f.ft_word_count, rec(subject="Fix negative-sizes-in-area")),
    (f.ft_upper_first, rec(subject="fix negative sizes in the area helper")),
    (f.ft_imperative_verb, rec(subject="Negative sizes in the area helper")),
    (f.ft_not_bare, rec(subject="[docs] Update readme")),
    (f.ft_no_boilerplate, rec(subject="Merge pull request from a fork of it")),
    (f.ft_no_commit_hash, rec(subject="Revert the area helper to " + "ab" * 20)),
    (f.ft_no_version, rec(subject="Fix the area helper for release 1.2.3")),
    (f.ft_no_url, rec(subject="Fix the area helper, see https://example.com")),
    (f.ft_no_issue_ref, rec(subject="Fix the area helper for issue 12")),
    (f.ft_no_first_person, rec(subject="Fix what i broke in the area helper")),
    (f.ft_no_first_person, rec(subject="Fix the area helper I've broken")),
    (f.ft_token_length, rec(old_contents="x", new_contents="y")),
    (f.ft_token_length, rec(old_contents="x" * 3000)),
])
def test_rule_drops_what_it_names(rule: f.Rule, bad: dict[str, Any]) -> None:
    assert not rule(bad, CTX)
    assert rule(rec(), CTX)


@pytest.mark.parametrize(("new_file", "subject", "kept"), [
    # The published rule is a plain substring test, so a short stem inside a longer word drops the record.
    ("src/io.c", "Handle the Option when it is missing", False),
    ("src/io.c", "Handle a missing value in the reader", True),
    # Case-sensitive: "Shapes" is not "shapes".
    ("geometry/shapes.py", "Fix negative sizes in Shapes", True),
    ("geometry/Shapes.py", "Fix negative sizes in shapes", True),
    ("geometry/shapes.py", "Fix negative sizes in shapes", False),
    # Only the part before the last extension counts: "test" of parser.test.js, not "parser.test".
    ("web/parser.test.js", "Add a test for empty input", False),
    ("web/parser.test.js", "Fix the parser on empty input", True),
    # A name without a dot always passes, even when the subject names it.
    ("Makefile", "Fix the Makefile target for docs", True),
    ("bin/run", "Make run exit non-zero on errors", True),
    # A dotfile's part before the extension is "", which is in every subject.
    ("conf/.bashrc", "Add an alias for the test runner", False),
])
def test_file_stem_rule_follows_the_published_code(new_file: str, subject: str, kept: bool) -> None:
    assert f.ft_no_file_stem(rec(new_file=new_file, old_file=new_file, subject=subject), CTX) is kept


def test_subject_is_cleaned_of_tags_and_ci_markers() -> None:
    assert f.clean_subject("[skip ci] core: Fix the area helper [WIP]") == "Fix the area helper"
    assert f.clean_subject("[api] Add a cache [ci skip]") == "Add a cache"
    assert f.ft_upper_first(rec(subject="docs: Fix the area helper now"), CTX)
    assert f.ft_imperative_verb(rec(subject="[core] Refactor the area helper now"), CTX)


def test_verb_list_is_a_few_hundred_common_commit_verbs() -> None:
    verbs = f.commit_verbs()
    assert len(verbs) > 300 and {"fix", "add", "update", "remove", "refactor", "bump"} <= verbs


def test_bump_subjects_drop_about_ninety_percent_by_seed() -> None:
    bumps = [rec(subject="Bump the area helper to the next one", commit=f"{i:040x}") for i in range(2000)]
    kept = [r for r in bumps if f.ft_bump_version(r, f.RuleContext(seed=1))]
    assert 100 < len(kept) < 300
    assert kept == [r for r in bumps if f.ft_bump_version(r, f.RuleContext(seed=1))]  # same seed, same draw
    assert kept != [r for r in bumps if f.ft_bump_version(r, f.RuleContext(seed=2))]


@pytest.mark.slow
def test_token_length_uses_the_named_tokenizer(tiny_model_dir: Path) -> None:
    count = f.tokenizer_counter(str(tiny_model_dir))
    ctx = f.RuleContext(count_tokens=count)
    assert count("def area(w, h): return w * h") > 0
    assert f.ft_token_length(rec(), ctx) == (50 <= count(OLD + NEW) <= 768)


def test_a_dropped_record_counts_once_under_the_first_failing_rule() -> None:
    drops: Counter[str] = Counter()
    records = [rec(), rec(files_changed=3, message="Update README.md"), rec(lang=None)]
    kept = list(f.apply_rules(records, f.rules_for("commitpackft"), CTX, drops))
    assert kept == [records[0]]
    assert drops == Counter({"cp_throwaway_message": 1, "cp_known_language": 1})
    kept = list(f.apply_rules(records, f.rules_for("commitpack", {"cp_known_language"}), CTX, Counter()))
    assert kept == [records[0], records[2]]
    with pytest.raises(OctoError, match="unknown rule"):
        f.rules_for("commitpack", {"nope"})


def test_filters_end_to_end_print_the_drop_table(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("geo")
    repo.commit("Add the area helper", {"geometry/shapes.py": OLD, "notes.txt": "todo\n"})
    repo.commit("Fix negative sizes in the area helper", {"geometry/shapes.py": NEW})
    repo.commit("wip", {"geometry/shapes.py": OLD})
    buf = io.StringIO()
    out = tmp_path / "ft.jsonl"
    options = ExtractOptions(filter="commitpackft")
    assert extract_command([str(repo.path)], str(out), options, console=Console(file=buf, width=200)) == 0
    assert [r["subject"] for r in read_output(out)] == ["Fix negative sizes in the area helper"]
    table = buf.getvalue()
    assert "Filter drops" in table and "cp_same_path" in table and "cp_message_length" in table
    proc = octo("extract", str(repo.path), "-o", str(tmp_path / "cp.jsonl"), "--filter", "commitpack",
                "--skip-rule", "cp_message_length,cp_throwaway_message")
    assert proc.returncode == 0, proc.stderr
    # "wip" comes through now; the first commit still adds files (not the same path before and after).
    subjects = [r["subject"] for r in read_output(tmp_path / "cp.jsonl")]
    assert subjects == ["wip", "Fix negative sizes in the area helper"]
