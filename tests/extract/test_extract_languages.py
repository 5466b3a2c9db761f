"""`lang` is CommitPack's language name for every suffix its table knows (Pygments only for the rest), and
`license` GitHub's lower-case key beside the SPDX id."""

from __future__ import annotations

import pytest

from gitocto.extract.languages import commitpack_table, language_and_source, language_of
from gitocto.extract.licenses import github_key, spdx_of


def test_every_suffix_of_the_commitpack_table_gives_its_language() -> None:
    table = commitpack_table()
    assert len(table) == 853 and len(set(table.values())) == 358
    for suffix, name in table.items():
        path = f"src/file{suffix}" if suffix.startswith(".") else f"src/{suffix}"
        assert language_and_source(path) == (name, "commitpack"), suffix


@pytest.mark.parametrize(
    ("path", "lang", "source"),
    [
        ("run.sh", "Shell", "commitpack"),
        ("notes/todo.txt", "Text", "commitpack"),
        ("docs/index.rst.txt", "reStructuredText", "commitpack"),  # the longest suffix wins
        ("docker/Dockerfile", "Dockerfile", "commitpack"),
        ("Makefile", "Makefile", "commitpack"),
        ("nb/Analysis.ipynb", "Jupyter Notebook", "commitpack"),
        ("data/rows.csv", "CSV", "commitpack"),
        ("docs/guide.adoc", "AsciiDoc", "commitpack"),
        ("stubs/mod.pyi", "Python", "pygments"),  # not in CommitPack's table
        ("LEGACY.PY", "Python", "pygments"),  # the table's test is case-sensitive
        ("bin/noext", None, None),
    ],
)
def test_language_and_where_it_came_from(path: str, lang: str | None, source: str | None) -> None:
    assert language_and_source(path) == (lang, source)
    assert language_of(path) == lang


def test_licence_keys_are_githubs() -> None:
    assert [github_key(s) for s in ("MIT", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-only", "LGPL-2.1", None)] == [
        "mit",
        "apache-2.0",
        "bsd-3-clause",
        "gpl-3.0",
        "lgpl-2.1",
        None,
    ]
    assert [spdx_of(s) for s in ("mit", "MIT", "bsd-2-clause", "apache-2.0", "Other-1.0")] == [
        "MIT",
        "MIT",
        "BSD-2-Clause",
        "Apache-2.0",
        "Other-1.0",
    ]
