"""CommitPack parity: how closely `git octo extract --filter commitpackft` keeps what the published scripts keep.

The published rules (bigcode-project/octopack: `dataset/commitpack/sql/*.sql`, `scrape_github.py`,
`licenses_optout_langs.py`, then `dataset/commitpackft/commitpackft_filters1.py` and `commitpackft_filters2.py`)
are transcribed here step by step, as the dataset filters they are, independently of gitocto's rule functions; they
run on raw records (`--filter none`). The commit-level "exactly one file" count comes from `git log --raw`, not
from the records. Only the published lists and the language table are read from gitocto's package data (they are
the published facts). The token-length rule and the random bump drop are skipped on both sides.

    python -m bench.commitpack_parity /tmp/click /tmp/pytest          # extracts, compares, prints a table
    python -m bench.commitpack_parity --literal /tmp/click            # the published code's bugs left in

Agreement is the Jaccard index of the kept (commit, file) pairs. By default the published code's evident bugs
follow their intent, as gitocto does (see docs/extract.md, "Deviations"); `--literal` keeps them, to show what
each costs.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

Rec = dict[str, Any]

SQL_LICENSES = [
    "mit",
    "artistic-2.0",
    "isc",
    "cc0-1.0",
    "epl-1.0",
    "mpl-2.0",
    "unlicense",
    "apache-2.0",
    "bsd-3-clause",
    "agpl-3.0",
    "lgpl-2.1",
    "bsd-2-clause",
]
SQL_MESSAGES = [
    "update readme.md",
    "initial commit",
    "update",
    "mirroring from micro.blog.",
    "update data.json",
    "update data.js",
    "add files via upload",
    "update readme",
    "can't you see i'm updating the time?",
    "pi push",
    "dummy",
    "update index.html",
    "first commit",
    "create readme.md",
    "heartbeat update",
    "updated readme",
    "update log",
    "test",
    "no message",
    "readme",
    "wip",
    "updates",
    "first commit",
    "commit",
    "update _config.yaml",
    "update data.json",
    "update data.js",
]
SCRAPE_MISC = ["initial commit", "please\n", "please", "lalala"]
FT_LANG_TO_EXTENSIONS = {
    "python": [".py"],
    "java": [".java"],
    "javascript": [".js"],
    "rust": [".rs"],
    "go": [".go"],
    "c++": [".cpp"],
    "c": [".c", ".h"],
    "html": [".html"],
    "shell": ["sh", "bash", "zsh", "csh", "slurm"],
    "xml": [".xml"],
}
FT_BAD_SUB = ["auto commit", "update contributing", "<?xml", "merge branch", "merge pull request", "signed-off-by"]
FT_BAD = [
    "readme",
    "update",
    "dummy",
    "updated",
    "test",
    "update readme",
    "update readme.md",
    "updated readme.md",
    "updated readme",
]
FT_SPECIFIC = [
    "fix that bug where things didn't work but now they should",
    "put the thingie in the thingie",
    "add a beter commit message",
]


def _data(name: str) -> str:
    return str(resources.files("gitocto.extract").joinpath(name).read_text(encoding="utf-8"))


def _lines(name: str) -> list[str]:
    return [ln.strip() for ln in _data(name).splitlines() if ln.strip() and not ln.startswith("#")]


def same_path_counts(repo: Path) -> Counter[str]:
    """Per commit, the files it modifies in place (BigQuery's difference with old_path = new_path), from git."""
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--no-merges", "--raw", "-M", "-z", "--no-abbrev", "--format=%x01%H"],
        capture_output=True,
        check=True,
    ).stdout
    counts: Counter[str] = Counter()
    for block in out.split(b"\x01")[1:]:
        fields = block.split(b"\0")
        sha = fields[0].split(b"\n")[0].decode()
        counts[sha] += 0
        i = 1
        while i < len(fields):
            meta = fields[i].strip(b"\n")
            if not meta.startswith(b":"):
                i += 1
                continue
            status = meta.split(b" ")[-1][:1]
            paths = 2 if status in (b"R", b"C") else 1
            if status in (b"M", b"T"):
                counts[sha] += 1
            i += 1 + paths
    return counts


def published_keep(
    records: list[Rec], counts: Counter[str], literal: bool
) -> tuple[dict[tuple[str, str], str], Counter[str]]:
    """The (commit, new_file) pairs the published steps keep with their stored subjects, and how many each step
    removed."""
    table = json.loads(_data("commitpack_languages.json"))
    suffixes = tuple(table)
    by_len = sorted(table, key=len, reverse=True)
    logins = set(_lines("commitpack_optout.txt"))
    verbs = {v + " " for v in _lines("commitpack_verbs.txt")}
    if literal:
        verbs = (verbs - {"plug "}) | {"plug  "}

    def msg(r: Rec) -> str:
        return str(r["message"] if literal else r["message"].strip())

    def update_ok(r: Rec) -> bool:
        if literal:
            return bool(r["message"] != "Update " + r["old_file"])
        return msg(r) not in ("Update " + r["old_file"], "Update " + posixpath.basename(r["old_file"]))

    def ext_ok(r: Rec) -> bool:
        lang = r["_lang"].lower().replace(" ", "-")
        exts = FT_LANG_TO_EXTENSIONS.get(lang, [])
        parts = r["new_file"].split(".")
        if not exts:
            return len(parts) > 1
        last = parts[-1] if literal else "." + parts[-1]
        wanted = exts if literal else ["." + e.lstrip(".") for e in exts]
        return len(parts) > 1 and last in wanted

    def clean(r: Rec) -> Rec:
        subject = r["subject"]
        if len(subject) == 0:
            return r
        subject = subject.strip().replace("[skip ci]", "")
        words = subject.strip().split()
        if words and words[0].startswith("[") and words[0].endswith("]"):
            words = words[1:]
        if words and words[0].endswith(":"):
            words = words[1:]
        if words and words[-1].startswith("[") and words[-1].endswith("]"):
            words = words[:-1]
        return {**r, "subject": " ".join(words).strip()}

    def sizes(r: Rec) -> bool:
        return 10 < len(r["subject"]) < 1000 and 4 < len(r["subject"].split()) < 1000

    def messages_ok(r: Rec) -> bool:
        low = r["subject"].lower()
        if not low.startswith(tuple(verbs)) or low in FT_BAD or any(b in low for b in FT_BAD_SUB):
            return False
        version = r"(?:v)?\d+\.\d+\.\d+(?=$|\S)" if literal else r"(?:v)?\d+\.\d+\.\d+"
        return not re.match(version, low) and not re.match(r"^[a-f0-9]+(?:-[a-f0-9]+)*$", low)

    def lang_of(r: Rec) -> Rec:
        hit = next((s for s in by_len if r["new_file"].endswith(s)), None)
        return {**r, "_lang": table[hit] if hit else "unknown"}

    def ci_skip(r: Rec) -> Rec:
        return {**r, "subject": r["subject"].replace("[ci skip]", "").strip()}

    def has(*words: str) -> Callable[[Rec], bool]:
        return lambda r: not any(w in r["subject"].lower() for w in words)

    steps: list[tuple[str, Callable[[Rec], Any], bool]] = [  # (name, function, is a map)
        ("sql_license", lambda r: r["license"] in SQL_LICENSES, False),
        ("sql_length", lambda r: 5 < len(r["message"]) < 10000, False),
        (
            "sql_messages",
            lambda r: msg(r).lower() not in SQL_MESSAGES and not msg(r).lower().startswith("merge"),
            False,
        ),
        ("sql_same_path", lambda r: r["change_type"] == "modified" and r["old_file"] == r["new_file"], False),
        ("sql_one_file", lambda r: counts[r["commit"]] == 1, False),
        ("scrape_extension", lambda r: r["new_file"].endswith(suffixes), False),
        ("scrape_update", update_ok, False),
        ("scrape_misc", lambda r: (r["message"] if literal else msg(r)) not in SCRAPE_MISC, False),
        ("opt_out", lambda r: not (len(r["repos"].split(",")) == 1 and r["repos"].split("/")[0] in logins), False),
        ("lang", lang_of, True),
        ("ft_old_size", lambda r: len(r["old_contents"]) < 50_000, False),
        ("ft_new_empty", lambda r: len(r["new_contents"]) != 0, False),
        ("ft_equal", lambda r: r["old_contents"] != r["new_contents"], False),
        ("ft_hashtag", lambda r: "#" not in r["subject"], False),
        ("ft_extension", ext_ok, False),
        (
            "ft_filename",
            lambda r: (
                len(r["new_file"].split("/")[-1].split(".")) < 2
                or r["new_file"].split("/")[-1].split(".")[-2] not in r["subject"]
            ),
            False,
        ),
        ("ft_empty", sizes, False),
        ("ft_clean", clean, True),
        ("ft_empty_clean", sizes, False),
        ("ft_upper", lambda r: r["subject"].strip()[0].isupper(), False),
        ("ft_messages", messages_ok, False),
        ("ft2_cherry", lambda r: "cherry picked from commit" not in r["subject"], False),
        ("ft2_commit", lambda r: not re.search(r"([a-f0-9]{40})", r["subject"]), False),
        ("ft2_ci_skip", ci_skip, True),
        (
            "ft2_i",
            lambda r: (
                not (" i " in r["subject"].lower() or "i've" in r["subject"].lower() or "i'm" in r["subject"].lower())
            ),
            False,
        ),
        ("ft2_thanks", lambda r: not ("thanks to" in r["subject"].lower() and "for" in r["subject"]), False),
        ("ft2_code_review", has("code review"), False),
        ("ft2_specific", lambda r: r["subject"].lower() not in FT_SPECIFIC, False),
        (
            "ft2_issue",
            lambda r: (
                not any(
                    re.search(p, r["subject"].lower(), re.IGNORECASE)
                    for p in (r"issue\s*\d+", r"bug\s*\d+", r"feature\s*\d+")
                )
            ),
            False,
        ),
        ("ft2_cdpcp", has("cdpcp"), False),
        ("ft2_codereview", has("//codereview"), False),
        ("ft2_wip", has("work in progress", "wip"), False),
        ("ft2_http", has("https://", "http://"), False),
        ("ft2_leetcode", has("| leetcode"), False),
        ("ft2_words", lambda r: len(r["subject"].split()) >= 4, False),
    ]
    removed: Counter[str] = Counter()
    rows = records
    for name, fn, is_map in steps:
        if is_map:
            rows = [fn(r) for r in rows]
            continue
        kept = [r for r in rows if fn(r)]
        removed[name] = len(rows) - len(kept)
        rows = kept
    return {(r["commit"], r["new_file"]): r["subject"] for r in rows}, removed


def read_jsonl(path: Path, slim: bool = False) -> list[Rec]:
    """The records of a JSONL file; `slim` replaces the contents by what the rules ask of them (raw files are big)."""
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            if slim:
                old, new = r.pop("old_contents"), r.pop("new_contents")
                r["old_contents"] = "x" * min(len(old), 50_000)
                r["new_contents"] = "" if not new else (r["old_contents"] if new == old else "y")
            out.append(r)
    return out


def extract(repo: Path, out: Path, *args: str) -> None:
    if out.exists():
        return
    octo = os.environ.get("GIT_OCTO") or str(Path(sys.executable).parent / "git-octo")
    subprocess.run([octo, "extract", str(repo), "-o", str(out), *args], check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repos", nargs="+", type=Path, help="local clones to compare on")
    parser.add_argument("--work", type=Path, default=None, help="where the extractions go (kept between runs)")
    parser.add_argument("--literal", action="store_true", help="keep the published code's evident bugs")
    parser.add_argument("--show", type=int, default=5, help="differing pairs to print per side")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="parity-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{'repository':<12} {'raw':>7} {'published':>9} {'ours':>6} {'both':>6} {'jaccard':>7}")
    worst = 1.0
    for repo in args.repos:
        name = repo.resolve().name
        raw_path, ours_path = work / f"{name}.raw.jsonl", work / f"{name}.ft.jsonl"
        extract(repo, raw_path, "--filter", "none")
        extract(repo, ours_path, "--filter", "commitpackft", "--skip-rule", "ft_token_length,ft_bump_version")
        raw = read_jsonl(raw_path, slim=True)
        their_subjects, removed = published_keep(raw, same_path_counts(repo), args.literal)
        our_subjects = {(r["commit"], r["new_file"]): r["subject"] for r in read_jsonl(ours_path)}
        theirs, ours = set(their_subjects), set(our_subjects)
        both = theirs & ours
        jaccard = len(both) / max(1, len(theirs | ours))
        worst = min(worst, jaccard)
        print(f"{name:<12} {len(raw):>7} {len(theirs):>9} {len(ours):>6} {len(both):>6} {jaccard:>7.3f}")
        by_pair = {(r["commit"], r["new_file"]): r for r in raw}
        for label, pairs in (("published only", theirs - ours), ("ours only", ours - theirs)):
            for pair in sorted(pairs)[: args.show]:
                print(f"    {label}: {pair[0][:10]} {pair[1]} {by_pair[pair]['subject']!r}")
        differ = sum(their_subjects[p] != our_subjects[p] for p in both)
        print(f"    stored subjects that differ on shared pairs: {differ}")
        print("    published steps removed: " + ", ".join(f"{k}={v}" for k, v in removed.items() if v))
    return 0 if worst >= 0.97 else 1


if __name__ == "__main__":
    raise SystemExit(main())
