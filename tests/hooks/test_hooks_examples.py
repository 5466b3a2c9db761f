"""Top-level `hooks/`: a README and an example pre-commit config a user copies, not a second copy of the shims."""

from __future__ import annotations

from pathlib import Path

from pre_commit.clientlib import load_config, load_manifest

from gitocto.hooks.install import SHIMS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "hooks" / "pre-commit-config.example.yaml"
HOOK_IDS = {str(hook["id"]) for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}


def test_the_example_config_is_valid_and_names_every_hook_this_project_ships() -> None:
    config = load_config(str(EXAMPLE))
    assert {str(hook["id"]) for repo in config["repos"] for hook in repo["hooks"]} == HOOK_IDS


def test_the_readme_points_to_both_ways_of_installing() -> None:
    readme = (ROOT / "hooks" / "README.md").read_text(encoding="utf-8")
    assert "git octo hooks install" in readme and "pre-commit install" in readme
    assert EXAMPLE.name in readme and ".pre-commit-hooks.yaml" in readme
    assert all(hook_id in readme for hook_id in HOOK_IDS)


def test_no_shim_is_duplicated_at_the_top_level() -> None:
    shims = {shim.read_bytes() for shim in SHIMS.iterdir()}
    assert shims, SHIMS
    assert not [p for p in (ROOT / "hooks").rglob("*") if p.is_file() and p.read_bytes() in shims]
