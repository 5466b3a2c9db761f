"""`.pre-commit-hooks.yaml`: valid for the framework, entry points that exist, every hook documented."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from identify.identify import tags_from_filename
from pre_commit.clientlib import load_manifest

from gitocto.code.parsers import SUFFIXES

ROOT = Path(__file__).resolve().parents[2]
HOOKS = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))


def test_manifest_has_the_two_hooks_at_their_stages() -> None:
    stages = {hook["id"]: hook["stages"] for hook in HOOKS}
    assert stages == {"octo-commit-msg": ["prepare-commit-msg"], "octo-fix": ["pre-commit"]}


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h["id"])
def test_each_entry_is_a_module_with_main(hook: dict[str, object]) -> None:
    entry = str(hook["entry"]).split()
    assert entry[:2] == ["python", "-m"]
    assert callable(importlib.import_module(entry[2]).main)


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h["id"])
def test_every_hook_id_is_documented_in_readme(hook: dict[str, object]) -> None:
    assert str(hook["id"]) in (ROOT / "README.md").read_text(encoding="utf-8")


def test_octo_fix_takes_every_file_the_plain_hook_checks() -> None:
    (fix,) = [hook for hook in HOOKS if hook["id"] == "octo-fix"]
    types_or = set(fix["types_or"])
    missed = [suffix for suffix in SUFFIXES if not tags_from_filename(f"a{suffix}") & types_or]
    assert missed == []
