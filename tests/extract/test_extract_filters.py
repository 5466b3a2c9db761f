"""Each CommitPack and CommitPackFT rule on its own, the cleaning, the rule order, --skip-rule and the drop table."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any, cast

import pytest
from rich.console import Console

from gitocto.errors import OctoError
from gitocto.extract import filters as f
from gitocto.extract.command import extract_repos
from gitocto.extract.options import ExtractOptions
from gitocto.extract.record import Record
from tests.extract.extract_helpers import read_output
from tests.support.git_octo import octo

CTX = f.RuleContext()
OLD = "def area(w, h):\n    return w * h\n" * 6
NEW = "def area(w, h):\n    return abs(w) * abs(h)\n" * 6


def rec(**changes: Any) -> Record:
    """A record every rule keeps, with `changes` applied."""
    base: dict[str, Any] = {
        "commit": "c" * 40,
        "old_file": "geometry/shapes.py",
        "new_file": "geometry/shapes.py",
        "old_contents": OLD,
        "new_contents": NEW,
        "subject": "Fix negative sizes in the area helper",
        "message": "Fix negative sizes in the area helper\n",
        "lang": "Python",
        "change_type": "modified",
        "files_changed": 1,
        "same_path_files": 1,
        "license": "mit",
        "repos": "pallets/click",
    }
    base.update(changes)
    if "subject" in changes and "message" not in changes:
        base["message"] = changes["subject"] + "\n"
    return cast("Record", base)


def test_the_base_record_passes_every_rule() -> None:
    for rule in f.ALL_RULES.values():
        assert rule(rec(), CTX), rule.__name__


@pytest.mark.parametrize(
    ("rule", "bad"),
    [
        (f.cp_license, rec(license="gpl-3.0")),
        (f.cp_license, rec(license=None)),
        (f.cp_message_length, rec(message="fix\n")),
        (f.cp_message_length, rec(message="x" * 10_000)),
        (f.cp_throwaway_message, rec(message="Initial commit\n")),
        (f.cp_throwaway_message, rec(message="Can't you see I'm updating the time?")),
        (f.cp_throwaway_message, rec(message="update _config.yaml")),
        (f.cp_throwaway_message, rec(message="Merge remote-tracking branch 'origin/dev'")),
        (f.cp_same_path, rec(new_file="geometry/shape.py", change_type="renamed")),
        (f.cp_same_path, rec(change_type="added")),
        (f.cp_single_file, rec(same_path_files=2)),
        (f.cp_known_extension, rec(new_file="geometry/shapes.pyi", old_file="geometry/shapes.pyi")),
        (f.cp_known_extension, rec(new_file="LICENSE", old_file="LICENSE")),
        (f.cp_update_filename, rec(message="Update geometry/shapes.py")),
        (f.cp_update_filename, rec(message="Update shapes.py")),
        (f.cp_misc_message, rec(message="please\n")),
        (f.cp_misc_message, rec(message="lalala\n")),
        (f.cp_opt_out, rec(repos="tomas/dotfiles")),
        (f.ft_old_size, rec(old_contents="x" * 50_000)),
        (f.ft_new_contents, rec(new_contents="")),
        (f.ft_new_contents, rec(new_contents=OLD)),
        (f.ft_no_hash_sign, rec(subject="Fix #12 in the area helper")),
        (f.ft_extension, rec(new_file="geometry/shapes.bzl", old_file="geometry/shapes.bzl")),
        (f.ft_extension, rec(new_file="build/Makefile", old_file="build/Makefile", lang="Makefile")),
        (f.ft_no_file_stem, rec(subject="Fix negative sizes in shapes")),
        (f.ft_subject_size, rec(subject="Fix a bug")),
        (f.ft_subject_size, rec(subject="Fix negative-sizes-in-area")),
        (f.ft_clean_subject_size, rec(subject="geometry: Fix the area helper")),
        (f.ft_upper_first, rec(subject="fix negative sizes in the area helper")),
        (f.ft_upper_first, rec(subject="[geo] area: fix negative sizes in the helper")),
        (f.ft_token_length, rec(old_contents="x", new_contents="y")),
        (f.ft_token_length, rec(old_contents="x" * 3000)),
        (f.ft_imperative_verb, rec(subject="Negative sizes in the area helper")),
        (f.ft_imperative_verb, rec(subject="Fixed negative sizes in the area helper")),
        (f.ft_imperative_verb, rec(subject="Speedup of the area helper for big inputs")),
        (f.ft_no_boilerplate, rec(subject="Merge pull request from a fork of it")),
        (f.ft_no_boilerplate, rec(subject="Update CONTRIBUTING with the area rules")),
        (f.ft_no_version, rec(subject="v1.2.3 the area helper release notes")),
        (f.ft_no_version, rec(subject="1.2.3 the area helper release notes")),
        (f.ft_no_hex_subject, rec(subject="0239-2a41")),
        (f.ft_no_cherry_pick, rec(subject="Fix it (cherry picked from commit abc)")),
        (f.ft_no_commit_hash, rec(subject="Revert the area helper to " + "ab" * 20)),
        (f.ft_no_first_person, rec(subject="Fix what i broke in the area helper")),
        (f.ft_no_first_person, rec(subject="Fix the area helper I've broken")),
        (f.ft_no_thanks, rec(subject="Fix the helper, thanks to Ann for the report")),
        (f.ft_no_code_review, rec(subject="Fix the area helper after Code Review")),
        (f.ft_not_specific, rec(subject="Put the thingie in the thingie")),
        (f.ft_no_issue_ref, rec(subject="Fix the area helper for issue 12")),
        (f.ft_no_issue_ref, rec(subject="Fix the area helper, see Bug12")),
        (f.ft_no_cdpcp, rec(subject="Fix the area helper for CDPCP users")),
        (f.ft_no_codereview_link, rec(subject="Fix the area helper, see //codereview/1")),
        (f.ft_no_wip, rec(subject="Fix the area helper (Work in progress)")),
        (f.ft_no_wip, rec(subject="Wipe the cache of the area helper")),
        (f.ft_no_url, rec(subject="Fix the area helper, see https://example.com")),
        (f.ft_no_leetcode, rec(subject="Add Two Sum | LeetCode solution file")),
        (f.ft_min_words, rec(subject="Fix the helper [ci skip]")),
        (f.strict_imperative_verb, rec(subject="Negative sizes in the area helper")),
        (f.strict_no_version, rec(subject="Fix the area helper for release 1.2.3")),
    ],
)
def test_rule_drops_what_it_names(rule: f.Rule, bad: Record) -> None:
    assert not rule(bad, CTX)
    assert rule(rec(), CTX)


@pytest.mark.parametrize(
    ("rule", "good"),
    [
        # The query compares whole lower-cased messages: a longer one passes.
        (f.cp_throwaway_message, rec(message="Update the readme with the area helper\n")),
        # The scrape's list is case-sensitive.
        (f.cp_misc_message, rec(message="Please")),
        # Only files modified in place count: one edit next to added, deleted or renamed files is one file.
        (f.cp_single_file, rec(same_path_files=1, files_changed=4)),
        (f.cp_known_extension, rec(new_file="notes/todo.txt", old_file="notes/todo.txt", lang="Text")),
        (f.cp_known_extension, rec(new_file="docker/Dockerfile", old_file="docker/Dockerfile", lang="Dockerfile")),
        (f.cp_opt_out, rec(repos="tomas/dotfiles,pallets/dotfiles")),
        (f.ft_extension, rec(new_file="setup.cfg", old_file="setup.cfg", lang="INI")),
        (f.ft_extension, rec(new_file="run.sh", old_file="run.sh", lang="Shell")),
        (f.ft_imperative_verb, rec(subject="Speed up the area helper for big inputs")),
        (f.ft_imperative_verb, rec(subject="Deal with negative sizes in the area helper")),
        (f.ft_imperative_verb, rec(subject="build(deps): Bump the area helper to the next one")),
        (f.ft_imperative_verb, rec(subject="net/http: Fix negative sizes in the area helper")),
        # The version test is anchored at the start of the cleaned subject.
        (f.ft_no_version, rec(subject="Fix the area helper for release 1.2.3")),
        (f.ft_no_version, rec(subject="[release] Fix the area helper for v1.2.3")),
        # "for" must be written in lower case next to "thanks to".
        (f.ft_no_thanks, rec(subject="Fix the helper, thanks to Ann")),
        (f.ft_no_issue_ref, rec(subject="Fix the area helper for issues")),
        (f.ft_no_url, rec(subject="Fix the area helper on www.example.com")),
        (f.ft_min_words, rec(subject="Fix the area helper [ci skip]")),
    ],
)
def test_rule_keeps_what_the_published_rule_keeps(rule: f.Rule, good: Record) -> None:
    assert rule(good, CTX)


@pytest.mark.parametrize(
    ("new_file", "subject", "kept"),
    [
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
    ],
)
def test_file_stem_rule_follows_the_published_code(new_file: str, subject: str, kept: bool) -> None:
    assert f.ft_no_file_stem(rec(new_file=new_file, old_file=new_file, subject=subject), CTX) is kept


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("[skip ci] core: Fix the area helper [WIP]", "Fix the area helper"),
        ("[api] Add a cache [ci skip]", "Add a cache [ci skip]"),  # the first cleaning leaves "[ci skip]"
        ("build(deps): Bump requests from 2.0 to 2.1", "Bump requests from 2.0 to 2.1"),
        ("net/http: Fix the keep-alive timeout", "Fix the keep-alive timeout"),
        # Only one leading token ending in ":" goes, after at most one leading tag.
        ("[ci] docs: api: Fix a link", "api: Fix a link"),
        ("docs: [ci] Fix a link", "[ci] Fix a link"),
        # A tag with a space is two tokens, neither of them a tag.
        ("[match case] Fix the matcher", "[match case] Fix the matcher"),
        ("Fix the matcher [match case]", "Fix the matcher [match case]"),
        ("  Fix   the   spacing  ", "Fix the spacing"),
        ("", ""),
    ],
)
def test_first_cleaning_follows_the_published_one(raw: str, cleaned: str) -> None:
    assert f.clean_subject(raw) == cleaned


def test_stored_subject_is_the_cleaned_one_without_ci_skip() -> None:
    assert f.ft_subject("[api] Add a cache [ci skip]") == "Add a cache"
    record = rec(subject="build(deps): Bump the area helper to the next one")
    assert f.ft_store_cleaned_subject(record, CTX) and record["subject"] == "Bump the area helper to the next one"
    assert record["message"] == "build(deps): Bump the area helper to the next one\n"
    strict = rec(subject="[match case] Fix the matcher [CI SKIP]")
    assert f.strict_store_cleaned_subject(strict, CTX) and strict["subject"] == "Fix the matcher"


def test_verb_list_is_the_published_one() -> None:
    verbs = f.commitpack_verbs()
    assert 250 <= len(verbs) <= 260
    assert {"fix", "add", "update", "speed up", "deal with", "brush up", "plug", "bump"} <= set(verbs)
    assert "fixed" not in verbs and "fixes" not in verbs
    assert len(f.commit_verbs()) > 300  # ours, for commitpackft-strict only


def test_strict_rule_set_is_opt_in() -> None:
    names = {rule.__name__ for rule in f.rules_for("commitpackft")}
    strict = {rule.__name__ for rule in f.rules_for("commitpackft-strict")}
    assert "ft_imperative_verb" in names and not any(n.startswith("strict_") for n in names)
    assert {"strict_imperative_verb", "strict_no_version", "strict_store_cleaned_subject"} <= strict
    assert "ft_imperative_verb" not in strict
    assert f.rules_for(None) == [] and f.rules_for("none") == []
    with pytest.raises(OctoError, match="unknown filter"):
        f.rules_for("commitpack-plus")


def test_bump_subjects_drop_about_ninety_percent_by_seed() -> None:
    bumps = [rec(subject="Bump the area helper to the next one", commit=f"{i:040x}") for i in range(2000)]
    kept = [r for r in bumps if f.ft_bump_version(r, f.RuleContext(seed=1))]
    assert 100 < len(kept) < 300
    assert kept == [r for r in bumps if f.ft_bump_version(r, f.RuleContext(seed=1))]  # same seed, same draw
    assert kept != [r for r in bumps if f.ft_bump_version(r, f.RuleContext(seed=2))]
    # Case-sensitive prefixes, on the cleaned subject.
    lower = [rec(subject="bump the area helper to the next one", commit=f"{i:040x}") for i in range(50)]
    assert all(f.ft_bump_version(r, CTX) for r in lower)
    tagged = [rec(subject=f"deps: Update version of the area helper {i}", commit=f"{i:040x}") for i in range(200)]
    assert sum(f.ft_bump_version(r, CTX) for r in tagged) < 50


def test_token_length_counts_the_separator() -> None:
    seen: list[str] = []

    def count(text: str) -> int:
        seen.append(text)
        return 50

    assert f.ft_token_length(rec(), f.RuleContext(count_tokens=count))
    assert seen == [OLD + "<|endoftext|>" + NEW]
    # Without a tokenizer: characters / 3.5, plus one for the separator (49 + 1 = 50 is kept).
    assert f.ft_token_length(rec(old_contents="x" * 100, new_contents="y" * 71), CTX)
    assert not f.ft_token_length(rec(old_contents="x" * 100, new_contents="y" * 68), CTX)


@pytest.mark.slow
def test_token_length_uses_the_named_tokenizer(tiny_model_dir: Path) -> None:
    count = f.tokenizer_counter(str(tiny_model_dir))
    ctx = f.RuleContext(count_tokens=count)
    assert count("def area(w, h): return w * h") > 0
    assert f.ft_token_length(rec(), ctx) == (50 <= count(OLD + "<|endoftext|>" + NEW) <= 768)


def test_a_dropped_record_counts_once_under_the_first_failing_rule() -> None:
    drops: Counter[str] = Counter()
    records = [rec(), rec(same_path_files=3, message="Update README.md"), rec(new_file="a.pyi", old_file="a.pyi")]
    kept = list(f.apply_rules(records, f.rules_for("commitpackft"), CTX, drops))
    assert kept == [records[0]]
    assert drops == Counter({"cp_throwaway_message": 1, "cp_known_extension": 1})
    kept = list(f.apply_rules(records, f.rules_for("commitpack", {"cp_known_extension"}), CTX, Counter()))
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
    options = ExtractOptions(filter="commitpackft", license="MIT")
    assert extract_repos([str(repo.path)], str(out), options, console=Console(file=buf, width=200)) == 0
    assert [r["subject"] for r in read_output(out)] == ["Fix negative sizes in the area helper"]
    table = buf.getvalue()
    assert "Filter drops" in table and "cp_same_path" in table and "cp_message_length" in table
    proc = octo(
        "extract",
        str(repo.path),
        "-o",
        str(tmp_path / "cp.jsonl"),
        "--filter",
        "commitpack",
        "--license",
        "mit",
        "--skip-rule",
        "cp_message_length,cp_throwaway_message",
    )
    assert proc.returncode == 0, proc.stderr
    # "wip" comes through now; the first commit still adds files (not the same path before and after).
    subjects = [r["subject"] for r in read_output(tmp_path / "cp.jsonl")]
    assert subjects == ["wip", "Fix negative sizes in the area helper"]
