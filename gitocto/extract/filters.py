"""CommitPack's and CommitPackFT's rules as the published scripts apply them, one named function each.

A rule takes a record and returns True to keep it. `--filter commitpack` applies the `cp_*` rules (the BigQuery
SQL, then the scrape and licence scripts of bigcode-project/octopack `dataset/commitpack/`), `--filter commitpackft`
those and then the `ft_*` rules (`dataset/commitpackft/commitpackft_filters1.py`, then `commitpackft_filters2.py`),
in the published order. `--filter commitpackft-strict` is the same with our own, stricter choices (a richer verb
list, tag-aware cleaning, versions anywhere) in place of the published ones. `--skip-rule NAME` turns one off.
A dropped record is charged to the first rule that rejects it, in the order below, so the drop table adds up.

CommitPackFT rules look at the subject at the stage the published scripts do: the raw subject first, then the
subject after the first cleaning (`clean_subject`), then after the second (`ft_subject`: also without
"[ci skip]"). The last step, `ft_store_cleaned_subject`, stores that cleaned subject, as the published data does.
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

from gitocto.errors import OctoError
from gitocto.extract.languages import commitpack_language
from gitocto.extract.record import Record

# ---- Published lists and thresholds ------------------------------------------------------------------------------

# The repository licences CommitPack's query keeps (GitHub's licence keys).
PERMISSIVE_LICENSES = frozenset(
    {
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
    }
)
# Lower-cased whole messages the query leaves out (besides every message starting with "merge").
THROWAWAY_MESSAGES = frozenset(
    {
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
        "commit",
        "update _config.yaml",
    }
)
# Whole messages (case-sensitive) the scrape script leaves out (it lists "please" with and without its newline).
MISC_MESSAGES = frozenset({"initial commit", "please", "lalala"})
# CommitPackFT: lower-cased cleaned subjects, and phrases a lower-cased cleaned subject may not contain.
BAD_MESSAGES = frozenset(
    {
        "readme",
        "update",
        "dummy",
        "updated",
        "test",
        "update readme",
        "update readme.md",
        "updated readme.md",
        "updated readme",
    }
)
BAD_SUB_MESSAGES = (
    "auto commit",
    "update contributing",
    "<?xml",
    "merge branch",
    "merge pull request",
    "signed-off-by",
)
SPECIFIC_MESSAGES = frozenset(
    {
        "fix that bug where things didn't work but now they should",
        "put the thingie in the thingie",
        "add a beter commit message",
    }
)
# CommitPackFT's per-language extension test; every other language only needs a dot in the path.
LANG_EXTENSIONS: dict[str, frozenset[str]] = {
    "python": frozenset({"py"}),
    "java": frozenset({"java"}),
    "javascript": frozenset({"js"}),
    "rust": frozenset({"rs"}),
    "go": frozenset({"go"}),
    "c++": frozenset({"cpp"}),
    "c": frozenset({"c", "h"}),
    "html": frozenset({"html"}),
    "shell": frozenset({"sh", "bash", "zsh", "csh", "slurm"}),
    "xml": frozenset({"xml"}),
}
MAX_OLD_CHARS = 50_000
MIN_SUBJECT_CHARS, MAX_SUBJECT_CHARS = 10, 1000  # exclusive bounds
MIN_SUBJECT_WORDS, MAX_SUBJECT_WORDS = 4, 1000  # exclusive bounds
MIN_FINAL_WORDS = 4
MIN_TOKENS, MAX_TOKENS = 50, 768  # inclusive bounds, over old + SEPARATOR + new
SEPARATOR = "<|endoftext|>"
BUMP_PREFIXES = ("Bump", "Set version", "Update version")
BUMP_DROP_FRACTION = 0.9
# Without --tokenizer, tokens are estimated as characters / 3.5 (about what code tokenizers such as StarCoder's
# give on source code), plus one for the separator.
CHARS_PER_TOKEN = 3.5

_VERSION_START = re.compile(r"v?\d+\.\d+\.\d+")
_HEX_SUBJECT = re.compile(r"[a-f0-9]+(?:-[a-f0-9]+)*")
_HEX40 = re.compile(r"[a-f0-9]{40}")
_ISSUE_REF = (re.compile(r"issue\s*\d+"), re.compile(r"bug\s*\d+"), re.compile(r"feature\s*\d+"))


@dataclass(frozen=True)
class RuleContext:
    """What some rules need beyond the record: the seed for the random bump drop and a token counter."""

    seed: int = 0
    count_tokens: Callable[[str], int] | None = None


def _lines(name: str) -> frozenset[str]:
    text = resources.files("gitocto.extract").joinpath(name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@functools.lru_cache(maxsize=1)
def commitpack_verbs() -> tuple[str, ...]:
    """CommitPackFT's start words (package data commitpack_verbs.txt; a few are two words, e.g. "speed up")."""
    return tuple(sorted(_lines("commitpack_verbs.txt")))


@functools.lru_cache(maxsize=1)
def opt_out_logins() -> frozenset[str]:
    """The GitHub logins that opted out of The Stack 1.2 (package data commitpack_optout.txt)."""
    return _lines("commitpack_optout.txt")


@functools.lru_cache(maxsize=1)
def commit_verbs() -> frozenset[str]:
    """Our richer list of imperative first words (package data verbs.txt), used by `commitpackft-strict`."""
    return _lines("verbs.txt")


# ---- Subject cleaning --------------------------------------------------------------------------------------------


def _is_tag(token: str) -> bool:
    return token.startswith("[") and token.endswith("]")


@functools.lru_cache(maxsize=4096)
def clean_subject(subject: str) -> str:
    """CommitPackFT's first cleaning: "[skip ci]" removed, then one leading "[tag]" token, then one leading token
    ending in ":" (`core:`, `build(deps):`, `net/http:`), then one trailing "[tag]" token; words joined by spaces."""
    if not subject:
        return subject
    words = subject.strip().replace("[skip ci]", "").split()
    if words and _is_tag(words[0]):
        words = words[1:]
    if words and words[0].endswith(":"):
        words = words[1:]
    if words and _is_tag(words[-1]):
        words = words[:-1]
    return " ".join(words).strip()


def ft_subject(subject: str) -> str:
    """The subject CommitPackFT stores: the first cleaning, then "[ci skip]" removed and the ends stripped."""
    return clean_subject(subject).replace("[ci skip]", "").strip()


_STRICT_SKIP_CI = re.compile(r"\[(?:skip ci|ci skip)\]", re.IGNORECASE)
_STRICT_TAG_PREFIX = re.compile(r"^\s*\[[^\]]*\]\s*")
_STRICT_TAG_SUFFIX = re.compile(r"\s*\[[^\]]*\]\s*$")


def strict_clean_subject(subject: str) -> str:
    """Our stricter cleaning (`commitpackft-strict`): CI markers in any case, a leading and a trailing bracketed
    tag even when it holds spaces ("[match case]"), then the published cleaning."""
    text = _STRICT_SKIP_CI.sub("", subject).strip()
    text = _STRICT_TAG_SUFFIX.sub("", _STRICT_TAG_PREFIX.sub("", text, count=1)).strip()
    return ft_subject(text)


def _words_ok(text: str) -> bool:
    return (
        MIN_SUBJECT_CHARS < len(text) < MAX_SUBJECT_CHARS and MIN_SUBJECT_WORDS < len(text.split()) < MAX_SUBJECT_WORDS
    )


# ---- CommitPack: the query, the scrape and the licence pass ------------------------------------------------------


def cp_license(r: Record, ctx: RuleContext) -> bool:
    """The repository's licence is one of the 12 permissive GitHub keys the query selects."""
    return r.get("license") in PERMISSIVE_LICENSES


def cp_message_length(r: Record, ctx: RuleContext) -> bool:
    """The message is over 5 and under 10,000 characters."""
    return 5 < len(r["message"]) < 10_000


def cp_throwaway_message(r: Record, ctx: RuleContext) -> bool:
    """The lower-cased message is none of the query's throwaway messages and does not start with "merge"."""
    text = r["message"].strip().lower()
    return text not in THROWAWAY_MESSAGES and not text.startswith("merge")


def cp_same_path(r: Record, ctx: RuleContext) -> bool:
    """The file keeps its path: modified in place, not added, deleted or renamed."""
    return bool(r["change_type"] == "modified" and r["old_file"] == r["new_file"])


def cp_single_file(r: Record, ctx: RuleContext) -> bool:
    """The commit modifies exactly one file in place (added, deleted and renamed files are not counted)."""
    return bool(r["same_path_files"] == 1)


def cp_known_extension(r: Record, ctx: RuleContext) -> bool:
    """The new file's name ends with a suffix of CommitPack's language table (`.py`, `.txt`, `Dockerfile`, ...)."""
    return commitpack_language(r["new_file"]) is not None


def cp_update_filename(r: Record, ctx: RuleContext) -> bool:
    """The message is not GitHub's web-editor default "Update <file>" (its path, or its name)."""
    message = r["message"].strip()
    return message not in (f"Update {r['old_file']}", f"Update {posixpath.basename(r['old_file'])}")


def cp_misc_message(r: Record, ctx: RuleContext) -> bool:
    """The message is not exactly "initial commit", "please" or "lalala" (case-sensitive; the ends stripped)."""
    return r["message"].strip() not in MISC_MESSAGES


def cp_opt_out(r: Record, ctx: RuleContext) -> bool:
    """The record's only repository is not owned by a login that opted out of The Stack."""
    repos = (r.get("repos") or "").split(",")
    return not (len(repos) == 1 and repos[0].split("/")[0] in opt_out_logins())


# ---- CommitPackFT, first script ----------------------------------------------------------------------------------


def ft_old_size(r: Record, ctx: RuleContext) -> bool:
    """The old contents are under 50,000 characters."""
    return len(r["old_contents"]) < MAX_OLD_CHARS


def ft_new_contents(r: Record, ctx: RuleContext) -> bool:
    """The new contents are not empty and differ from the old."""
    return bool(r["new_contents"]) and r["new_contents"] != r["old_contents"]


def ft_no_hash_sign(r: Record, ctx: RuleContext) -> bool:
    """The raw subject has no "#" (issue references, markdown)."""
    return "#" not in r["subject"]


def ft_extension(r: Record, ctx: RuleContext) -> bool:
    """Python, Java, JavaScript, Rust, Go, C++, C, HTML, Shell and XML files have that language's main extension
    (`.py`, `.cpp`, `.c`/`.h`, ...); any other file has a dot in its path."""
    parts = r["new_file"].split(".")
    wanted = LANG_EXTENSIONS.get(str(r.get("lang") or "").lower().replace(" ", "-"))
    return len(parts) > 1 and (wanted is None or parts[-1] in wanted)


def ft_no_file_stem(r: Record, ctx: RuleContext) -> bool:
    """The file name's part before its last extension is not in the raw subject: a case-sensitive substring test
    that keeps every name without a dot (and drops dotfiles, whose part is "")."""
    parts = r["new_file"].split("/")[-1].split(".")
    return len(parts) < 2 or parts[-2] not in r["subject"]


def ft_subject_size(r: Record, ctx: RuleContext) -> bool:
    """The raw subject has 11 to 999 characters and 5 to 999 words."""
    return _words_ok(r["subject"])


def ft_clean_subject_size(r: Record, ctx: RuleContext) -> bool:
    """The cleaned subject has 11 to 999 characters and 5 to 999 words."""
    return _words_ok(clean_subject(r["subject"]))


def ft_upper_first(r: Record, ctx: RuleContext) -> bool:
    """The cleaned subject starts with an upper-case letter."""
    text = clean_subject(r["subject"]).strip()
    return bool(text) and text[0].isupper()


def ft_token_length(r: Record, ctx: RuleContext) -> bool:
    """old + "<|endoftext|>" + new is 50 to 768 tokens (the named tokenizer, else characters / 3.5 + 1)."""
    if ctx.count_tokens is not None:
        tokens = ctx.count_tokens(r["old_contents"] + SEPARATOR + r["new_contents"])
    else:
        tokens = round((len(r["old_contents"]) + len(r["new_contents"])) / CHARS_PER_TOKEN) + 1
    return MIN_TOKENS <= tokens <= MAX_TOKENS


def ft_imperative_verb(r: Record, ctx: RuleContext) -> bool:
    """The lower-cased cleaned subject starts with a published start word and a space ("fix ", "speed up ")."""
    return clean_subject(r["subject"]).lower().startswith(_verb_prefixes())


@functools.lru_cache(maxsize=1)
def _verb_prefixes() -> tuple[str, ...]:
    return tuple(f"{verb} " for verb in commitpack_verbs())


def ft_not_bare(r: Record, ctx: RuleContext) -> bool:
    """The lower-cased cleaned subject is not a bare "readme", "update", "updated readme", ..."""
    return clean_subject(r["subject"]).lower() not in BAD_MESSAGES


def ft_no_boilerplate(r: Record, ctx: RuleContext) -> bool:
    """No "auto commit", "update contributing", "<?xml", "merge branch", "merge pull request" or "signed-off-by"
    in the lower-cased cleaned subject."""
    text = clean_subject(r["subject"]).lower()
    return not any(phrase in text for phrase in BAD_SUB_MESSAGES)


def ft_no_version(r: Record, ctx: RuleContext) -> bool:
    """The cleaned subject does not start with a version number ("1.2.3", "v1.2.3 ...")."""
    return not _VERSION_START.match(clean_subject(r["subject"]).lower())


def ft_no_hex_subject(r: Record, ctx: RuleContext) -> bool:
    """The cleaned subject is not only hex groups ("0239-2a41")."""
    return not _HEX_SUBJECT.fullmatch(clean_subject(r["subject"]).lower())


# ---- CommitPackFT, second script ---------------------------------------------------------------------------------


def ft_no_cherry_pick(r: Record, ctx: RuleContext) -> bool:
    """No "cherry picked from commit" in the cleaned subject."""
    return "cherry picked from commit" not in clean_subject(r["subject"])


def ft_no_commit_hash(r: Record, ctx: RuleContext) -> bool:
    """No 40 lower-case hex digits (a commit id) in the cleaned subject."""
    return not _HEX40.search(clean_subject(r["subject"]))


def ft_bump_version(r: Record, ctx: RuleContext) -> bool:
    """Drop 90% of subjects starting "Bump", "Set version" or "Update version", chosen by a hash of the seed and
    the record (the published script draws at random)."""
    if not ft_subject(r["subject"]).startswith(BUMP_PREFIXES):
        return True
    key = f"{ctx.seed}\0{r['commit']}\0{r['new_file']}".encode()
    draw = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64
    return draw >= BUMP_DROP_FRACTION


def ft_no_first_person(r: Record, ctx: RuleContext) -> bool:
    """No " i ", "i've" or "i'm" in the lower-cased subject."""
    text = ft_subject(r["subject"]).lower()
    return not (" i " in text or "i've" in text or "i'm" in text)


def ft_no_thanks(r: Record, ctx: RuleContext) -> bool:
    """Not "thanks to" (any case) together with "for" (as written) in the subject."""
    text = ft_subject(r["subject"])
    return not ("thanks to" in text.lower() and "for" in text)


def ft_no_code_review(r: Record, ctx: RuleContext) -> bool:
    """No "code review" in the lower-cased subject."""
    return "code review" not in ft_subject(r["subject"]).lower()


def ft_not_specific(r: Record, ctx: RuleContext) -> bool:
    """The lower-cased subject is none of three joke messages ("put the thingie in the thingie", ...)."""
    return ft_subject(r["subject"]).lower() not in SPECIFIC_MESSAGES


def ft_no_issue_ref(r: Record, ctx: RuleContext) -> bool:
    """No "issue 12", "bug 12" or "feature 12" (space optional, inside words too) in the lower-cased subject."""
    text = ft_subject(r["subject"]).lower()
    return not any(pattern.search(text) for pattern in _ISSUE_REF)


def ft_no_cdpcp(r: Record, ctx: RuleContext) -> bool:
    """No "cdpcp" in the lower-cased subject."""
    return "cdpcp" not in ft_subject(r["subject"]).lower()


def ft_no_codereview_link(r: Record, ctx: RuleContext) -> bool:
    """No "//codereview" in the lower-cased subject."""
    return "//codereview" not in ft_subject(r["subject"]).lower()


def ft_no_wip(r: Record, ctx: RuleContext) -> bool:
    """No "work in progress" and no "wip" (inside words too: "wipe") in the lower-cased subject."""
    text = ft_subject(r["subject"]).lower()
    return "work in progress" not in text and "wip" not in text


def ft_no_url(r: Record, ctx: RuleContext) -> bool:
    """No "http://" or "https://" in the lower-cased subject."""
    text = ft_subject(r["subject"]).lower()
    return "https://" not in text and "http://" not in text


def ft_no_leetcode(r: Record, ctx: RuleContext) -> bool:
    """No "| leetcode" in the lower-cased subject."""
    return "| leetcode" not in ft_subject(r["subject"]).lower()


def ft_min_words(r: Record, ctx: RuleContext) -> bool:
    """The subject, "[ci skip]" removed, still has at least 4 words."""
    return len(ft_subject(r["subject"]).split()) >= MIN_FINAL_WORDS


def ft_store_cleaned_subject(r: Record, ctx: RuleContext) -> bool:
    """Keeps every record; stores the cleaned subject in `subject`, as the published data does (`message` stays
    whole). Skip it to keep the raw subject."""
    r["subject"] = ft_subject(r["subject"])
    return True


# ---- commitpackft-strict: our own choices, opt-in ----------------------------------------------------------------

_STRICT_VERSION = re.compile(r"\bv?\d+\.\d+\.\d+")


def strict_imperative_verb(r: Record, ctx: RuleContext) -> bool:
    """The strictly cleaned subject's first word (punctuation stripped) is in our richer verb list, verbs.txt."""
    words = strict_clean_subject(r["subject"]).lower().split()
    return bool(words) and words[0].strip(".,:;!") in commit_verbs()


def strict_no_version(r: Record, ctx: RuleContext) -> bool:
    """No version number like 1.2.3 anywhere in the subject."""
    return not _STRICT_VERSION.search(r["subject"])


def strict_store_cleaned_subject(r: Record, ctx: RuleContext) -> bool:
    """Keeps every record; stores the strictly cleaned subject."""
    r["subject"] = strict_clean_subject(r["subject"])
    return True


Rule = Callable[[Record, RuleContext], bool]
COMMITPACK_RULES: tuple[Rule, ...] = (
    cp_license,
    cp_message_length,
    cp_throwaway_message,
    cp_same_path,
    cp_single_file,
    cp_known_extension,
    cp_update_filename,
    cp_misc_message,
    cp_opt_out,
)
COMMITPACKFT_RULES: tuple[Rule, ...] = (
    ft_old_size,
    ft_new_contents,
    ft_no_hash_sign,
    ft_extension,
    ft_no_file_stem,
    ft_subject_size,
    ft_clean_subject_size,
    ft_upper_first,
    ft_token_length,
    ft_imperative_verb,
    ft_not_bare,
    ft_no_boilerplate,
    ft_no_version,
    ft_no_hex_subject,
    ft_no_cherry_pick,
    ft_no_commit_hash,
    ft_bump_version,
    ft_no_first_person,
    ft_no_thanks,
    ft_no_code_review,
    ft_not_specific,
    ft_no_issue_ref,
    ft_no_cdpcp,
    ft_no_codereview_link,
    ft_no_wip,
    ft_no_url,
    ft_no_leetcode,
    ft_min_words,
    ft_store_cleaned_subject,
)
# The published rules with ours in place of the verb test, the version test and the stored cleaning.
_STRICT_SWAPS: dict[Rule, Rule] = {
    ft_imperative_verb: strict_imperative_verb,
    ft_no_version: strict_no_version,
    ft_store_cleaned_subject: strict_store_cleaned_subject,
}
STRICT_RULES: tuple[Rule, ...] = tuple(_STRICT_SWAPS.get(rule, rule) for rule in COMMITPACKFT_RULES)
ALL_RULES = {rule.__name__: rule for rule in (*COMMITPACK_RULES, *COMMITPACKFT_RULES, *STRICT_RULES)}
RULE_SETS: dict[str, tuple[Rule, ...]] = {
    "commitpack": COMMITPACK_RULES,
    "commitpackft": COMMITPACK_RULES + COMMITPACKFT_RULES,
    "commitpackft-strict": COMMITPACK_RULES + STRICT_RULES,
}


def rules_for(filter_name: str | None, skip: Iterable[str] = ()) -> list[Rule]:
    """The rules of `filter_name` (None or a name in RULE_SETS) minus the skipped ones."""
    skipped = set(skip)
    unknown = skipped - set(ALL_RULES)
    if unknown:
        raise OctoError(f"unknown rule {sorted(unknown)[0]!r} for --skip-rule (known: {', '.join(ALL_RULES)})")
    if filter_name is None or filter_name == "none":
        chosen: tuple[Rule, ...] = ()
    elif filter_name in RULE_SETS:
        chosen = RULE_SETS[filter_name]
    else:
        raise OctoError(f"unknown filter {filter_name!r} (use {', '.join(RULE_SETS)})")
    return [rule for rule in chosen if rule.__name__ not in skipped]


def apply_rules(
    records: Iterable[Record], rules: list[Rule], ctx: RuleContext, drops: Counter[str]
) -> Iterator[Record]:
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
