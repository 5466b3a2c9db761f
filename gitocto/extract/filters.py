"""CommitPack's raw-commit rules and CommitPackFT's quality rules, one named function each.

A rule takes a record and returns True to keep it. `--filter commitpack` applies the `cp_*` rules,
`--filter commitpackft` the `cp_*` and then the `ft_*` rules; `--skip-rule NAME` turns one off. A dropped record
is charged to the first rule that rejects it, in the order below, so the drop table adds up.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from gitocto.errors import OctoError
from gitocto.extract.languages import is_code

Record = dict[str, Any]

THROWAWAY_MESSAGES = frozenset({"initial commit", "update", "wip", "test", "first commit", "add files via upload",
                                "update readme.md", "no message", "commit"})
BARE_SUBJECTS = frozenset({"readme", "update", "dummy", "test", "update readme"})
BOILERPLATE = ("auto commit", "merge branch", "merge pull request", "signed-off-by", "<?xml",
               "cherry picked from commit", "work in progress", "code review")
# Without --tokenizer, tokens are estimated as characters / 3.5 (about what code tokenizers such as StarCoder's
# give on source code).
CHARS_PER_TOKEN = 3.5
MIN_TOKENS, MAX_TOKENS = 50, 768
BUMP_DROP_FRACTION = 0.9

_TAG_PREFIX = re.compile(r"^\s*(?:\[[^\]]*\]|[\w.-]+:)\s*")
_TAG_SUFFIX = re.compile(r"\s*\[[^\]]*\]\s*$")
_SKIP_CI = re.compile(r"\[(?:skip ci|ci skip)\]", re.IGNORECASE)
_HEX40 = re.compile(r"\b[0-9a-fA-F]{40}\b")
_VERSION = re.compile(r"\bv?\d+\.\d+\.\d+")
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_ISSUE_REF = re.compile(r"\b(?:issue|bug|feature)\s*#?\d+", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"(?:^|\s)i(?:\s|'ve\b|'m\b)", re.IGNORECASE)
_BUMP = re.compile(r"^(?:bump|set version|update version)", re.IGNORECASE)


@dataclass(frozen=True)
class RuleContext:
    """What some rules need beyond the record: the seed for the random bump drop and a token counter."""

    seed: int = 0
    count_tokens: Callable[[str], int] | None = None


def clean_subject(subject: str) -> str:
    """The subject without "[skip ci]"/"[ci skip]", a leading "[tag]" or "word:" prefix and a trailing "[tag]"."""
    text = _SKIP_CI.sub("", subject).strip()
    text = _TAG_PREFIX.sub("", text, count=1)
    return _TAG_SUFFIX.sub("", text).strip()


@functools.lru_cache(maxsize=1)
def commit_verbs() -> frozenset[str]:
    """The imperative verbs (package data file verbs.txt) a CommitPackFT subject must start with."""
    text = resources.files("gitocto.extract").joinpath("verbs.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


# ---- CommitPack: raw commits ------------------------------------------------------------------------------------

def cp_message_length(r: Record, ctx: RuleContext) -> bool:
    """The message is over 5 and under 10,000 characters."""
    return 5 < len(r["message"].strip()) < 10_000


def cp_throwaway_message(r: Record, ctx: RuleContext) -> bool:
    """The message is not a throwaway one ("update", "wip", ...) and does not start with "merge"."""
    text = r["message"].strip().lower()
    return text not in THROWAWAY_MESSAGES and not text.startswith("merge")


def cp_same_path(r: Record, ctx: RuleContext) -> bool:
    """The change keeps its path: no rename, addition or deletion."""
    return bool(r["change_type"] == "modified" and r["old_file"] == r["new_file"])


def cp_single_file(r: Record, ctx: RuleContext) -> bool:
    """The commit changes exactly one file."""
    return bool(r["files_changed"] == 1)


def cp_known_language(r: Record, ctx: RuleContext) -> bool:
    """The file has a known programming-language name or extension."""
    return is_code(r["lang"])


def cp_update_filename(r: Record, ctx: RuleContext) -> bool:
    """The message is not "Update <old file name>" (GitHub's web-editor default)."""
    return bool(r["message"].strip() != f"Update {posixpath.basename(r['old_file'])}")


# ---- CommitPackFT: quality, on the subject ----------------------------------------------------------------------

def ft_old_size(r: Record, ctx: RuleContext) -> bool:
    """The old contents are under 50,000 characters."""
    return len(r["old_contents"]) < 50_000


def ft_new_contents(r: Record, ctx: RuleContext) -> bool:
    """The new contents are not empty and differ from the old."""
    return bool(r["new_contents"]) and r["new_contents"] != r["old_contents"]


def ft_no_hash_sign(r: Record, ctx: RuleContext) -> bool:
    """The subject has no "#" (issue references, markdown)."""
    return "#" not in r["subject"]


def ft_no_file_stem(r: Record, ctx: RuleContext) -> bool:
    """The file name's part before its last extension is not in the subject: the published CommitPackFT rule, a
    case-sensitive substring test that keeps every name without a dot (and drops dotfiles, whose part is "")."""
    parts = r["new_file"].split("/")[-1].split(".")
    return len(parts) < 2 or parts[-2] not in r["subject"]


def ft_length(r: Record, ctx: RuleContext) -> bool:
    """The cleaned subject is over 10 and under 1,000 characters."""
    return 10 < len(clean_subject(r["subject"])) < 1000


def ft_word_count(r: Record, ctx: RuleContext) -> bool:
    """The cleaned subject has over 4 and under 1,000 words."""
    return 4 < len(clean_subject(r["subject"]).split()) < 1000


def ft_upper_first(r: Record, ctx: RuleContext) -> bool:
    """The cleaned subject starts with an upper-case letter."""
    text = clean_subject(r["subject"])
    return bool(text) and text[0].isupper()


def ft_imperative_verb(r: Record, ctx: RuleContext) -> bool:
    """The cleaned subject starts with an imperative verb from verbs.txt."""
    words = clean_subject(r["subject"]).lower().split()
    return bool(words) and words[0].strip(".,:;!") in commit_verbs()


def ft_not_bare(r: Record, ctx: RuleContext) -> bool:
    """The cleaned subject is not a bare "readme", "update", "dummy", "test" or "update readme"."""
    return clean_subject(r["subject"]).lower().strip(" .") not in BARE_SUBJECTS


def ft_no_boilerplate(r: Record, ctx: RuleContext) -> bool:
    """No "auto commit", "merge branch", "signed-off-by", "<?xml", "work in progress", ... in the subject."""
    text = r["subject"].lower()
    return not any(phrase in text for phrase in BOILERPLATE)


def ft_no_commit_hash(r: Record, ctx: RuleContext) -> bool:
    """No 40-hex commit hash in the subject."""
    return not _HEX40.search(r["subject"])


def ft_no_version(r: Record, ctx: RuleContext) -> bool:
    """No version number like 1.2.3 in the subject."""
    return not _VERSION.search(r["subject"])


def ft_no_url(r: Record, ctx: RuleContext) -> bool:
    """No URL in the subject."""
    return not _URL.search(r["subject"])


def ft_no_issue_ref(r: Record, ctx: RuleContext) -> bool:
    """No "issue 12", "bug 12" or "feature 12" reference in the subject."""
    return not _ISSUE_REF.search(r["subject"])


def ft_no_first_person(r: Record, ctx: RuleContext) -> bool:
    """No first-person phrasing (" i ", "i've", "i'm") in the subject."""
    return not _FIRST_PERSON.search(r["subject"])


def ft_bump_version(r: Record, ctx: RuleContext) -> bool:
    """Drop 90% of "Bump"/"Set version"/"Update version" subjects, chosen by a hash of the seed and the record."""
    if not _BUMP.match(clean_subject(r["subject"])):
        return True
    key = f"{ctx.seed}\0{r['commit']}\0{r['new_file']}".encode()
    draw = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64
    return draw >= BUMP_DROP_FRACTION


def ft_token_length(r: Record, ctx: RuleContext) -> bool:
    """Old plus new contents are 50 to 768 tokens (the named tokenizer, else characters / 3.5)."""
    text = r["old_contents"] + r["new_contents"]
    tokens = ctx.count_tokens(text) if ctx.count_tokens else round(len(text) / CHARS_PER_TOKEN)
    return MIN_TOKENS <= tokens <= MAX_TOKENS


Rule = Callable[[Record, RuleContext], bool]
COMMITPACK_RULES: tuple[Rule, ...] = (cp_message_length, cp_throwaway_message, cp_same_path, cp_single_file,
                                      cp_known_language, cp_update_filename)
COMMITPACKFT_RULES: tuple[Rule, ...] = (ft_old_size, ft_new_contents, ft_no_hash_sign, ft_no_file_stem, ft_length,
                                        ft_word_count, ft_upper_first, ft_imperative_verb, ft_not_bare,
                                        ft_no_boilerplate, ft_no_commit_hash, ft_no_version, ft_no_url,
                                        ft_no_issue_ref, ft_no_first_person, ft_bump_version, ft_token_length)
ALL_RULES = {rule.__name__: rule for rule in (*COMMITPACK_RULES, *COMMITPACKFT_RULES)}


def rules_for(filter_name: str | None, skip: Iterable[str] = ()) -> list[Rule]:
    """The rules of `filter_name` (None, "commitpack" or "commitpackft") minus the skipped ones."""
    skipped = set(skip)
    unknown = skipped - set(ALL_RULES)
    if unknown:
        raise OctoError(f"unknown rule {sorted(unknown)[0]!r} for --skip-rule (known: {', '.join(ALL_RULES)})")
    if filter_name is None:
        chosen: tuple[Rule, ...] = ()
    elif filter_name == "commitpack":
        chosen = COMMITPACK_RULES
    elif filter_name == "commitpackft":
        chosen = COMMITPACK_RULES + COMMITPACKFT_RULES
    else:
        raise OctoError(f"unknown filter {filter_name!r} (use commitpack or commitpackft)")
    return [rule for rule in chosen if rule.__name__ not in skipped]


def apply_rules(records: Iterable[Record], rules: list[Rule], ctx: RuleContext,
                drops: Counter[str]) -> Iterator[Record]:
    """The records every rule keeps; each dropped record counts once in `drops`, under the first rule failing."""
    for record in records:
        for rule in rules:
            if not rule(record, ctx):
                drops[rule.__name__] += 1
                break
        else:
            yield record


@functools.lru_cache(maxsize=2)
def tokenizer_counter(name: str) -> Callable[[str], int]:
    """A token counter for the tokenizer `name` (a local directory or hub id; transformers is imported here)."""
    try:
        from transformers import AutoTokenizer
    except ImportError as exc:
        raise OctoError("--tokenizer needs transformers: pip install 'gitocto[tokenizer]'") from exc
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError) as exc:
        raise OctoError(f"cannot load tokenizer {name!r}: {str(exc).splitlines()[0]}") from exc

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return count
