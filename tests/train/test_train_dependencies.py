"""The dependency floors in pyproject.toml cover the library APIs the code calls, and the installed versions."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
# The first release of each library with an API the code calls.
NEEDED = {
    "train": {
        "transformers": "4.56",  # from_pretrained(dtype=...); resize_token_embeddings(mean_resizing=...) is 4.46
        "peft": "0.15",  # LoraConfig(trainable_token_indices=...)
        "accelerate": "1.7",  # FSDP2 (fsdp_version: 2) with a full state dict to save the final model from
    },
    "serve": {"transformers": "4.56"},  # the hf backend loads with from_pretrained(dtype=...)
}


def floors(extra: str) -> dict[str, Version]:
    """The lowest version each requirement of an optional-dependency group allows."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = {}
    for line in project["optional-dependencies"][extra]:
        req = Requirement(line)
        lows = [Version(s.version) for s in req.specifier if s.operator == ">="]
        if lows:
            found[req.name] = max(lows)
    return found


@pytest.mark.parametrize("extra", sorted(NEEDED))
def test_floors_cover_the_apis_used_and_the_installed_versions(extra: str) -> None:
    allowed = floors(extra)
    for name, needed in NEEDED[extra].items():
        assert allowed[name] >= Version(needed), f"[{extra}] {name}>={allowed[name]}, but the code needs {needed}"
        assert Version(version(name)) >= allowed[name], f"the installed {name} is older than the floor"
