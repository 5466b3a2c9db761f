"""One repository per shard (paths and clone URLs), reruns that skip finished shards, failures reported; the
repository list on the command line; the plumbing streams; languages and licences."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path
from typing import Any

from gitocto.extract.languages import known_languages, language_of
from gitocto.extract.licenses import detect_license
from gitocto.extract.options import ExtractOptions
from gitocto.extract.shard import extract_repo_to_shard, repo_key
from gitocto.git.repository import license_file
from gitocto.git.streams import LOG_FORMAT, BlobReader, OversizeBlob, RawCommit, git_env, parse_raw_log
from tests.extract.extract_helpers import read_output
from tests.support.git_octo import octo


def test_path_and_url_shards_hold_the_same_records_and_reruns_skip(history: Any, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    by_path = extract_repo_to_shard(str(history.path), out, ExtractOptions(), cache)
    url = f"file://{history.path}"
    by_url = extract_repo_to_shard(url, out, ExtractOptions(), cache)
    assert (by_path.status, by_url.status) == ("ok", "ok") and by_path.records == by_url.records == 7
    assert (cache / f"{by_url.key}.git").is_dir()
    strip = [{**r, "repos": ""} for r in read_output(out / f"{by_path.key}.parquet")]
    assert strip == [{**r, "repos": ""} for r in read_output(out / f"{by_url.key}.parquet")]
    mtime = (out / f"{by_url.key}.parquet").stat().st_mtime_ns
    again = extract_repo_to_shard(url, out, ExtractOptions(), cache)
    assert (again.status, again.records) == ("skipped", 7)
    assert (out / f"{by_url.key}.parquet").stat().st_mtime_ns == mtime


def test_broken_sources_fail_without_raising(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    (broken / ".git").mkdir(parents=True)
    (broken / ".git" / "HEAD").write_text("garbage\n")
    for source in (f"file://{tmp_path / 'missing'}", str(broken), str(tmp_path / "nothing-here")):
        result = extract_repo_to_shard(source, tmp_path / "out", ExtractOptions(), tmp_path / "cache")
        assert result.status == "failed" and result.error and result.records == 0
    assert not list((tmp_path / "out").glob("*.parquet")) if (tmp_path / "out").exists() else True


def test_repo_key_is_stable_and_filesystem_safe() -> None:
    key = repo_key("https://github.com/pallets/click.git")
    assert key == repo_key("https://github.com/pallets/click.git") and key.startswith("pallets_click-")
    assert repo_key("git@github.com:pallets/click.git") != key
    assert all(c.isalnum() or c in "._-" for c in repo_key("file:///tmp/a b/ünï code?/x"))


def test_repos_file_on_the_command_line_reports_failures(history: Any, tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# two sources\nfile://{history.path}\n\nfile://{tmp_path / 'gone'}\n")
    proc = octo("extract", "--repos-file", str(listing), "-o", str(tmp_path / "shards"), "--workers", "2")
    assert proc.returncode == 1
    assert "Failed repositories" in proc.stderr and "1 failed" in proc.stderr
    [shard] = (tmp_path / "shards").glob("*.parquet")
    assert len(read_output(shard)) == 7
    one_file = octo("extract", "--repos-file", str(listing), "-o", str(tmp_path / "x.jsonl"))
    assert one_file.returncode == 1 and "must name a directory" in one_file.stderr


def test_blob_reader_serves_big_batches_and_reports_missing_objects(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path / "r")], check=True)
    git_dir = tmp_path / "r" / ".git"
    blobs = [(b"blob %d\n" % i) * (i % 50 + 1) * 40 for i in range(3000)]  # ~100 MB of pipe traffic both ways
    shas = (
        subprocess.run(
            ["git", f"--git-dir={git_dir}", "hash-object", "-w", "--stdin-paths"],
            input="\n".join(_write(tmp_path, i, b) for i, b in enumerate(blobs)).encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split()
    )
    with BlobReader(git_dir) as reader:
        got = reader.read([*shas, "0" * 39 + "1"])
    assert got[:-1] == blobs and got[-1] is None


def test_blob_reader_streams_past_blobs_over_its_limit(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path / "r")], check=True)
    git_dir = tmp_path / "r" / ".git"
    blobs = [b"small\n", b"x" * 5_000_000, b"after\n"]
    shas = (
        subprocess.run(
            ["git", f"--git-dir={git_dir}", "hash-object", "-w", "--stdin-paths"],
            input="\n".join(_write(tmp_path, i, b) for i, b in enumerate(blobs)).encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split()
    )
    with BlobReader(git_dir, max_size=1000) as reader:
        small, big, after = reader.read(shas)
    assert small == b"small\n" and after == b"after\n"
    assert isinstance(big, OversizeBlob) and big == b"" and big.size == 5_000_000


def _write(tmp_path: Path, i: int, data: bytes) -> str:
    path = tmp_path / "blobs" / f"{i}"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return str(path)


def test_languages_come_from_commitpack_then_pygments_and_cover_hundreds() -> None:
    assert len(known_languages()) > 350
    assert [language_of(p) for p in ("a/b.py", "x.rs", "lib/x.h", "Makefile", "Dockerfile", "x.pl", "noext")] == [
        "Python",
        "Rust",
        "C",
        "Makefile",
        "Dockerfile",
        "Perl",
        None,
    ]


def test_licences_are_recognised_by_their_phrases() -> None:
    texts = {
        "MIT": "Permission is hereby granted, free of charge, to any person obtaining a copy",
        "Apache-2.0": "Apache License\n  Version 2.0, January 2004",
        "GPL-3.0": "GNU GENERAL PUBLIC LICENSE\n Version 3, 29 June 2007",
        "LGPL-2.1": "GNU LESSER GENERAL PUBLIC LICENSE\nVersion 2.1, February 1999",
        "AGPL-3.0": "GNU AFFERO GENERAL PUBLIC LICENSE Version 3",
        "BSD-3-Clause": "Redistribution and use in source and binary forms ... Neither the name of the copyright",
        "BSD-2-Clause": "Redistribution and use in source and binary forms, with or without modification",
        "ISC": "Permission to use, copy, modify, and/or distribute this software for any purpose with or without "
        "fee is hereby granted, provided that the above copyright notice",
        "Unlicense": "This is free and unencumbered software released into the public domain.",
        "MPL-2.0": "Mozilla Public License Version 2.0",
    }
    for spdx, text in texts.items():
        assert detect_license(text) == spdx
    assert detect_license("All rights reserved.") is None and detect_license(None) is None


def test_full_licence_texts_are_recognised_also_inside_a_longer_file() -> None:
    from identify.vendor.licenses import LICENSES

    full = dict(LICENSES)
    # GPL-3.0's and MPL-2.0's own texts name the Affero and Lesser GPLs further down: only the title decides.
    for spdx in (
        "GPL-3.0",
        "GPL-2.0",
        "AGPL-3.0",
        "LGPL-3.0",
        "LGPL-2.1",
        "MPL-2.0",
        "Apache-2.0",
        "MIT",
        "BSD-3-Clause",
        "BSD-2-Clause",
        "BSL-1.0",
        "Unlicense",
        "ISC",
        "Zlib",
    ):
        assert detect_license(full[spdx]) == spdx
        # A file that adds to the standard text is past identify's edit distance; the phrases still know it.
        padded = f"{spdx.lower()} licence of this project\n\n" + full[spdx] + "\n\nThird-party notices.\n" * 200
        assert detect_license(padded) == spdx, spdx


def test_licence_file_is_found_in_any_case_and_common_variants(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("lower")
    repo.commit(
        "Add the parser and its licence",
        {
            "license": "Permission is hereby granted, free of charge, to any person obtaining a copy\n",
            "parse.py": "def parse(s):\n    return s.split()\n",
        },
    )
    result = extract_repo_to_shard(str(repo.path), tmp_path / "out", ExtractOptions(), tmp_path / "cache")
    assert result.status == "ok"
    assert {r["license"] for r in read_output(tmp_path / "out" / f"{result.key}.parquet")} == {"mit"}


def test_licence_file_priority() -> None:
    # The plain names (with a common extension) first, then prefixed variants; other files never.
    assert license_file(["README.md", "COPYING.LESSER", "license", "LICENSE-MIT"]) == "license"
    assert license_file(["License.md", "COPYING"]) == "License.md"
    assert license_file(["LICENSE-MIT", "LICENSE-APACHE", "src"]) == "LICENSE-APACHE"
    assert license_file(["copying.lesser", "LICENCE.rst"]) == "LICENCE.rst"
    assert license_file(["COPYING.LESSER", "UNLICENSE"]) == "UNLICENSE"
    assert license_file(["LICENSE_1_0.txt"]) == "LICENSE_1_0.txt"
    assert license_file(["licenses.py", "licensed.json", "README"]) is None


def test_git_processes_get_the_allocator_settings_and_the_users_own_win(monkeypatch: Any) -> None:
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    ours = git_env()["GLIBC_TUNABLES"]
    assert "glibc.malloc.trim_threshold=" in ours and "glibc.malloc.mmap_threshold=" in ours
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1")
    # glibc takes the last setting of a name, so the user's comes after ours.
    assert git_env()["GLIBC_TUNABLES"] == f"{ours}:glibc.malloc.trim_threshold=1"


def test_the_log_parser_hands_over_a_commit_before_git_has_finished(history: Any) -> None:
    # One git log serves the whole run, so each commit must come out as soon as git has written it: a parser that
    # waited for a full buffer would hold the first chunk until most of a small repository's log was done.
    first = history.git("rev-list", "--max-count=1", "HEAD").strip()
    log = subprocess.run(
        [
            "git",
            "-C",
            str(history.path),
            "log",
            "-1",
            "-z",
            "--raw",
            "--numstat",
            "--no-abbrev",
            f"--format={LOG_FORMAT}",
        ],
        capture_output=True,
        check=True,
    ).stdout
    read_end, write_end = os.pipe()
    got: list[RawCommit] = []
    with os.fdopen(read_end, "rb") as stream, os.fdopen(write_end, "wb") as writer:
        writer.write(log + b"\0" + b"f" * 40 + b"\0")  # and the start of a next commit, still to be written
        writer.flush()
        parser = threading.Thread(target=lambda: got.append(next(parse_raw_log(stream))), daemon=True)
        parser.start()
        parser.join(timeout=30)
        assert not parser.is_alive(), "the parser waited for more than git had written"
    assert got[0].sha == first and got[0].changes
