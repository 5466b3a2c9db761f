"""Seeds and raw functions from a real repository at a revision, and from extracted records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitocto.errors import OctoError
from gitocto.synth.functions import extract_functions
from gitocto.synth.seeds import MAX_LINES, sample_seed
from gitocto.synth.sources import load_sources, parse_langs


def test_repository_files_at_the_revision_only(source_repo: Path) -> None:
    files = load_sources(source_repo, parse_langs("all"))
    assert sorted((f.origin, f.lang) for f in files) == [("cmd/main.go", "go"), ("lib/helpers.py", "python")]
    assert "def clamp" in next(f.text for f in files if f.lang == "python")  # committed, not the work tree
    assert [f.origin for f in load_sources(source_repo, ["go"])] == ["cmd/main.go"]


def test_seeds_are_reproducible_runs_of_1_to_15_lines(source_repo: Path) -> None:
    files = load_sources(source_repo, parse_langs("python,go"))
    seeds = [sample_seed(files, i, seed=7) for i in range(40)]
    assert seeds == [sample_seed(files, i, seed=7) for i in range(40)]
    assert seeds != [sample_seed(files, i, seed=8) for i in range(40)]
    assert {s.lang for s in seeds} == {"python", "go"}
    for s in seeds:
        source = next(f for f in files if s.origin.startswith(f.origin + ":"))
        assert 1 <= len(s.text.splitlines()) <= MAX_LINES and s.text.strip()
        assert s.text in source.text


def test_records_file_gives_new_contents_and_real_fixes(tmp_path: Path) -> None:
    old = "def inc(x):\n    y = x\n    return y - 1\n\n\ndef same(a):\n    b = a\n    return b\n"
    new = "def inc(x):\n    y = x\n    return y + 1\n\n\ndef same(a):\n    b = a\n    return b\n"
    rows = [
        {
            "commit": "a" * 40,
            "old_file": "m.py",
            "new_file": "m.py",
            "old_contents": old,
            "new_contents": new,
            "subject": "Fix inc",
            "lang": "Python",
        },
        {"commit": "b" * 40, "old_file": "x.txt", "new_file": "x.txt", "old_contents": "", "new_contents": "hi"},
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    files = load_sources(path, parse_langs("all"))
    assert [(f.origin, f.lang) for f in files] == [("aaaaaaaaaaaa:m.py", "python")]
    fixes = extract_functions(files, fixes_only=True)
    assert [(f.name, f.code, f.fixed) for f in fixes] == [("inc", old.split("\n\n\n")[0], new.split("\n\n\n")[0])]
    assert {f.name for f in extract_functions(files)} == {"inc", "same"}


def test_functions_from_every_grammar(source_repo: Path) -> None:
    functions = extract_functions(load_sources(source_repo, parse_langs("all")))
    names = {(f.lang, f.name) for f in functions}
    # area has 3 lines and push 3; __init__ has 2 and is too short to be worth an example.
    assert names == {("python", "area"), ("python", "clamp"), ("python", "push"), ("go", "add"), ("go", "main")}
    assert next(f.code for f in functions if f.name == "push").startswith("def push(self, item):\n    self")


def test_bad_sources_and_languages_are_one_line_errors(tmp_path: Path, source_repo: Path) -> None:
    with pytest.raises(OctoError, match="unknown language"):
        parse_langs("python,cobol")
    with pytest.raises(OctoError, match="not a git repository"):
        load_sources(tmp_path, ["python"])
    with pytest.raises(OctoError, match="unknown revision"):
        load_sources(source_repo, ["python"], rev="nope")
    with pytest.raises(OctoError, match="no source files in rust"):
        load_sources(source_repo, ["rust"])


def test_only_commits_that_look_like_fixes_give_repairs(tmp_path: Path) -> None:
    from gitocto.synth.functions import looks_like_fix

    old = "def inc(x):\n    y = x\n    return y - 1\n"
    new = "def inc(x):\n    y = x\n    return y + 1\n"
    subjects = {
        "a": "Fix off-by-one in inc",
        "b": "Refactor inc for readability",
        "c": "Add prefix option",
        "d": "Handle the crash on empty input",
        "e": "inc: BUG when x is negative",
    }
    rows = [
        {
            "commit": key * 40,
            "old_file": f"{key}.py",
            "new_file": f"{key}.py",
            "old_contents": old,
            "new_contents": new,
            "subject": subject,
            "message": f"{subject}\n\nDetails.",
        }
        for key, subject in subjects.items()
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    files = load_sources(path, ["python"])
    fixes = extract_functions(files, fixes_only=True)
    assert sorted(f.origin.split(":")[1] for f in fixes) == ["a.py", "d.py", "e.py"]
    # A refactor's or a feature's change is no bug fix: no "after a real bug-fix commit" version to show either.
    others = [f for f in extract_functions(files) if f.origin.split(":")[1] in ("b.py", "c.py")]
    assert [(f.code, f.fixed) for f in others] == [(new.rstrip(), None)] * 2
    assert looks_like_fix("fix(parser): handle empty files") and looks_like_fix("Resolved #12")
    assert looks_like_fix("Correct the error message") and looks_like_fix("Patched a PATCH request")
    assert not looks_like_fix("Add fixtures for prefix tests") and not looks_like_fix("Debugger support")
    assert not looks_like_fix("Prefixed names") and not looks_like_fix("")
