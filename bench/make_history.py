"""Build a realistic git history quickly, as a stand-in for a real repository (no machine here reaches a git host).

    python -m bench.make_history OUT_DIR --commits 10000 [--seed 0]

The files are real Python source taken from installed packages (click, rich, pygments, httpx, ...). Each commit
edits one to three files with line-level edits built from real lines (insertions copied from other files, deletions,
modified lines), now and then adds, deletes or renames a file, and every ~40 commits a side branch is merged. The
message names what changed (verb + function or file, from a few CommitPack-like templates, sometimes with a body),
so extraction benchmarks and nearest-neighbour commit-message benchmarks both get meaningful data. The whole stream
goes through one `git fast-import`, so 10,000 commits take seconds. The same seed gives the same commits (same shas).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

PACKAGES = ("click", "rich", "httpx", "pygments", "jinja2", "markupsafe", "packaging", "idna", "h11", "yaml")
MAX_FILE_BYTES = 40_000
AUTHORS = [
    ("Ada Lovelace", "ada@example.org"),
    ("Grace Hopper", "grace@example.org"),
    ("Linus Torvalds", "linus@example.org"),
    ("Margaret Hamilton", "margaret@example.org"),
    ("Ken Thompson", "ken@example.org"),
    ("Barbara Liskov", "barbara@example.org"),
]
BSD_LICENSE = """Copyright 2014 Pallets

Redistribution and use in source and binary forms, with or without modification, are permitted provided that the
following conditions are met:

1.  Redistributions of source code must retain the above copyright notice, this list of conditions and the
    following disclaimer.

2.  Redistributions in binary form must reproduce the above copyright notice, this list of conditions and the
    following disclaimer in the documentation and/or other materials provided with the distribution.

3.  Neither the name of the copyright holder nor the names of its contributors may be used to endorse or promote
    products derived from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES,
INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED.
"""

_DEF = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]*)")
_NUMBER = re.compile(r"\b\d+\b")
_NAME = re.compile(r"\b([a-z_][a-z0-9_]{3,})\b")

ADD_TEMPLATES = [
    "Add {what} to {func}",
    "Support {what} in {func}",
    "Implement {func}",
    "Add {func} to {stem}",
    "Handle {what} in {func}",
    "Introduce {func} helper",
    "Allow {what} in {func}",
]
REMOVE_TEMPLATES = [
    "Remove unused code from {func}",
    "Drop {what} from {func}",
    "Clean up {func}",
    "Remove dead branch in {func}",
    "Simplify {func}",
    "Delete obsolete {what} handling in {stem}",
]
MODIFY_TEMPLATES = [
    "Fix {what} in {func}",
    "Fix off-by-one in {func}",
    "Update {func} to use {what}",
    "Rename {what} in {func}",
    "Correct {what} handling in {func}",
    "Refactor {func}",
    "Change default {what} in {func}",
    "Improve {func} in {stem}",
    "Make {func} respect {what}",
    "Tweak {what} in {stem}",
]
FILE_ADD_TEMPLATES = ["Add {stem} module", "Add {name}", "Create {stem} module", "Introduce {stem}"]
FILE_DELETE_TEMPLATES = ["Remove {name}", "Delete unused {stem} module", "Drop {stem} module"]
FILE_RENAME_TEMPLATES = ["Rename {old} to {new}", "Move {old} to {new}"]
BODIES = [
    "The previous behaviour broke callers that passed {what}.",
    "This keeps {func} consistent with the rest of {stem}.",
    "Reported by users on the issue tracker.",
    "No functional change intended for other callers.",
    "Follow-up to the earlier change in {stem}.",
]
THROWAWAY = ["wip", "update", "fix", "Update {name}", "more changes", "fix typo", "Merge branch 'dev'"]


@dataclass
class History:
    """The files as they stand on main, and a pool of real lines to insert."""

    files: dict[str, list[str]]
    pool: list[list[str]]
    spare: list[tuple[str, list[str]]]
    rng: random.Random
    renames: int = 0
    changed: dict[str, list[str]] = field(default_factory=dict)


def _source_files() -> list[tuple[str, list[str]]]:
    """Real Python files of installed packages, as (relative path, lines); sorted so a seed gives one history."""
    out = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(root.rglob("*.py")):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if not 200 < len(data) <= MAX_FILE_BYTES:
                continue
            text = data.decode("utf-8", errors="replace")
            out.append((f"src/{name}/{path.relative_to(root).as_posix()}", text.splitlines(keepends=True)))
    if not out:
        sys.exit("make_history: no installed package with Python sources found")
    return out


def _enclosing(lines: list[str], at: int, stem: str) -> str:
    """The function or class the edit at line `at` falls in, else the file's stem."""
    for i in range(min(at, len(lines) - 1), -1, -1):
        m = _DEF.match(lines[i])
        if m:
            return m.group(1)
    return stem


def _what(rng: random.Random, lines: list[str]) -> str:
    names = [m.group(1) for line in lines for m in _NAME.finditer(line) if m.group(1) not in {"self", "return", "none"}]
    return rng.choice(names) if names else rng.choice(["None values", "empty input", "the default", "unicode"])


def _edit_file(h: History, path: str) -> tuple[str, str, str]:
    """Apply one to three hunks to `path`; return (kind, func, what) describing the main hunk."""
    rng, lines = h.rng, h.files[path]
    kinds = []
    func, what = "", ""
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        at = rng.randrange(len(lines) + 1)
        kind = rng.choices(["insert", "delete", "modify"], weights=[4, 2, 5])[0]
        if kind == "insert":
            donor = rng.choice(h.pool)
            start = rng.randrange(len(donor))
            chunk = donor[start : start + rng.randint(1, 8)]
            lines[at:at] = chunk
            what = what or _what(rng, chunk)
        elif kind == "delete" and len(lines) > 20:
            del lines[at : at + rng.randint(1, 6)]
            what = what or "unused branch"
        else:
            at = min(at, len(lines) - 1)
            old = lines[at]
            new = _NUMBER.sub(lambda m: str(int(m.group(0)) + rng.randint(1, 3)), old, count=1)
            if new == old:
                names = _NAME.findall(old)
                if names:
                    target = rng.choice(names)
                    new = old.replace(target, target + rng.choice(["_value", "s", "_name", "_count"]), 1)
                    what = what or target
                else:
                    new = old.rstrip("\n") + "  # noqa\n" if old.strip() else "    pass\n"
            lines[at] = new
            kind = "modify"
            what = what or _what(rng, [old])
        kinds.append(kind)
        func = func or _enclosing(lines, at, Path(path).stem)
    return kinds[0], func, what or "input"


def _message(h: History, template_set: list[str], **given: str) -> str:
    rng = h.rng
    fields = {"func": given.get("stem", "it"), "what": "the input", "stem": "module", "name": "file", **given}
    if rng.random() < 0.04:
        return rng.choice(THROWAWAY).format(**fields)
    subject = rng.choice(template_set).format(**fields)
    if rng.random() < 0.3:
        body = rng.choice(BODIES).format(**fields)
        return f"{subject}\n\n{body}\n"
    return subject + "\n"


def _data(body: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(body), body)


def _quote(path: str) -> bytes:
    return ('"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"').encode() if " " in path else path.encode()


def _commits(h: History, n: int) -> Iterator[tuple[str, list[bytes], str | None]]:
    """Yield (message, file commands, branch) for each commit; branch 'side' marks the commit before a merge."""
    rng = h.rng
    for i in range(n):
        roll = rng.random()
        if roll < 0.04 and h.spare:
            name, content = h.spare.pop(rng.randrange(len(h.spare)))
            h.files[name] = list(content)
            msg = _message(h, FILE_ADD_TEMPLATES, stem=Path(name).stem, name=Path(name).name)
            yield msg, [b"M 100644 inline " + _quote(name) + b"\n" + _data("".join(content).encode())], None
        elif roll < 0.06 and len(h.files) > 30:
            name = rng.choice(sorted(h.files))
            del h.files[name]
            msg = _message(h, FILE_DELETE_TEMPLATES, stem=Path(name).stem, name=Path(name).name)
            yield msg, [b"D " + _quote(name) + b"\n"], None
        elif roll < 0.08:
            old = rng.choice(sorted(h.files))
            parent = Path(old)
            h.renames += 1
            new = str(parent.with_name(f"{parent.stem}_{rng.choice(['impl', 'utils', 'core', 'base'])}{h.renames}.py"))
            h.files[new] = h.files.pop(old)
            msg = _message(
                h, FILE_RENAME_TEMPLATES, old=parent.name, new=Path(new).name, stem=parent.stem, name=parent.name
            )
            yield msg, [b"R " + _quote(old) + b" " + _quote(new) + b"\n"], None
        else:
            paths = rng.sample(sorted(h.files), rng.choice([1, 1, 1, 1, 2, 2, 3]))
            cmds = []
            kind, func, what = "", "", ""
            for path in paths:
                k, f, w = _edit_file(h, path)
                kind, func, what = kind or k, func or f, what or w
                cmds.append(b"M 100644 inline " + _quote(path) + b"\n" + _data("".join(h.files[path]).encode()))
            templates = {"insert": ADD_TEMPLATES, "delete": REMOVE_TEMPLATES}.get(kind, MODIFY_TEMPLATES)
            msg = _message(h, templates, func=func, what=what, stem=Path(paths[0]).stem, name=Path(paths[0]).name)
            yield msg, cmds, ("side" if i % 40 == 39 else None)


def build(out: Path, commits: int, seed: int) -> None:
    """Create a repository at `out` with `commits` commits (merge commits included in the count)."""
    rng = random.Random(seed)
    sources = _source_files()
    rng.shuffle(sources)
    start = min(60, max(10, len(sources) // 4))
    h = History(
        files={p: list(c) for p, c in sources[:start]}, pool=[c for _, c in sources], spare=sources[start:], rng=rng
    )
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=out, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    _stream(proc.stdin, h, commits)
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("make_history: git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=out, check=True)


def _stream(w: IO[bytes], h: History, commits: int) -> None:
    rng = h.rng
    stamp = 1_500_000_000
    mark = 0

    def header(ref: str, message: str, parent: int | None, merge: int | None = None) -> None:
        nonlocal stamp, mark
        stamp += rng.randint(300, 12 * 3600)
        mark += 1
        name, email = rng.choice(AUTHORS)
        w.write(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
        w.write(f"author {name} <{email}> {stamp - rng.randint(0, 3600)} +0000\n".encode())
        w.write(f"committer {name} <{email}> {stamp} +0000\n".encode())
        w.write(_data(message.encode()))
        if parent is not None:
            w.write(b"from :%d\n" % parent)
        if merge is not None:
            w.write(b"merge :%d\n" % merge)

    first = [b"M 100644 inline LICENSE\n" + _data(BSD_LICENSE.encode())]
    first += [b"M 100644 inline " + _quote(p) + b"\n" + _data("".join(c).encode()) for p, c in sorted(h.files.items())]
    header("refs/heads/main", "Initial import of the sources\n", None)
    w.write(b"".join(first) + b"\n")
    main_tip, made = mark, 1
    gen = _commits(h, commits * 2)
    while made < commits:
        message, cmds, branch = next(gen)
        if branch == "side" and made + 3 <= commits:
            # A side branch off main, one more commit on main, then a merge that brings the side change in.
            side_msg, side_cmds = message, cmds
            header("refs/heads/side", side_msg, main_tip)
            w.write(b"".join(side_cmds) + b"\n")
            side_tip = mark
            message, cmds, _ = next(gen)
            header("refs/heads/main", message, main_tip)
            w.write(b"".join(cmds) + b"\n")
            main_tip = mark
            header("refs/heads/main", "Merge branch 'side'\n", main_tip, side_tip)
            # The merge result holds each side file as it stands now (main may have edited it since).
            side_paths = [c.split(b"\n", 1)[0].split(b" ", 3)[3].decode() for c in side_cmds]
            w.write(
                b"".join(
                    b"M 100644 inline " + _quote(p) + b"\n" + _data("".join(h.files[p]).encode())
                    for p in side_paths
                    if p in h.files
                )
                + b"\n"
            )
            main_tip, made = mark, made + 3
            continue
        header("refs/heads/main", message, main_tip)
        w.write(b"".join(cmds) + b"\n")
        main_tip, made = mark, made + 1
    w.write(b"done\n")


def main() -> int:
    """Parse arguments and build the history."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="Directory for the new repository (must not be a repository yet).")
    parser.add_argument("--commits", type=int, default=2000, help="Commits in total, merges included.")
    parser.add_argument("--seed", type=int, default=0, help="Seed for the edits and messages.")
    args = parser.parse_args()
    if (args.out / ".git").exists():
        sys.exit(f"make_history: {args.out} is already a repository")
    build(args.out, max(1, args.commits), args.seed)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
