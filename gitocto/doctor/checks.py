"""One probe per piece a capability needs: a program and its version, a Python package, a header or crate, the
sandbox, a GPU, the hub. Each returns a `Check` that says what was found and the command that installs what is not.

The probes are cheap (no torch import, no compiler run): `which`, `--version`, package metadata, a file test, and
one `bwrap` start. `gitocto.doctor` groups them per capability; bench and synth call `missing_for_bench`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

APT = "sudo apt-get install -y"
VERSION_TIMEOUT_S = 10.0
DEBIAN_GOPATH = Path("/usr/share/gocode")
DEBIAN_CARGO_REGISTRY = Path("/usr/share/cargo/registry")
RUST_CRATES = ("rand", "regex", "md5")


@dataclass(frozen=True)
class Check:
    """What one probe found: `ok`, a short `detail` (a version, or what is missing) and the `fix` command.

    `required` False marks something that helps but is not needed (a GPU, pre-commit, bwrap's containment).
    """

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    required: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _run(
    argv: list[str], timeout: float = VERSION_TIMEOUT_S, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, check=False, timeout=timeout, stdin=subprocess.DEVNULL, env=env
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def program(
    name: str,
    fix: str,
    version_args: tuple[str, ...] = ("--version",),
    required: bool = True,
    label: str | None = None,
    env: dict[str, str] | None = None,
) -> Check:
    """A program on PATH, with the first line of its version output."""
    path = shutil.which(name)
    label = label or name
    if path is None:
        return Check(label, False, f"{name} not found on PATH", fix, required)
    proc = _run([path, *version_args], env=env)
    if proc is None:
        return Check(label, False, f"{name} does not run", fix, required)
    version = _first_line(proc.stdout) or _first_line(proc.stderr)
    if proc.returncode != 0:
        return Check(label, False, f"{name} fails: {version or proc.returncode}", fix, required)
    return Check(label, True, version or name, None, required)


def package(module: str, dist: str | None = None, extra: str | None = None, required: bool = True) -> Check:
    """A Python package importable here (found without importing it), with its installed version."""
    fix = f"pip install 'gitocto[{extra}]'" if extra else f"pip install {dist or module}"
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return Check(dist or module, False, f"{dist or module} not installed", fix, required)
    try:
        version = importlib.metadata.version(dist or module)
    except importlib.metadata.PackageNotFoundError:
        version = "installed"
    return Check(dist or module, True, f"{dist or module} {version}", None, required)


def path_exists(name: str, paths: list[Path], fix: str, what: str) -> Check:
    """A file or directory (a header, a crate) at one of `paths`."""
    for path in paths:
        if path.exists():
            return Check(name, True, f"{what} at {path}")
    return Check(name, False, f"{what} not found ({paths[0]})", fix)


def python_itself() -> Check:
    return Check("python", True, f"Python {sys.version.split()[0]} ({sys.executable})")


def sandbox() -> Check:
    """bubblewrap is there and can create user, PID, network, mount and IPC namespaces here."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Check(
            "sandbox",
            False,
            "bwrap not found: model-written programs run less contained",
            f"{APT} bubblewrap",
            required=False,
        )
    proc = _run(
        [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
    )
    if proc is None or proc.returncode != 0:
        reason = _first_line(proc.stderr) if proc is not None else "did not finish"
        return Check(
            "sandbox",
            False,
            f"bwrap cannot create namespaces here: {reason}",
            "sudo sysctl -w kernel.unprivileged_userns_clone=1 "
            "(and kernel.apparmor_restrict_unprivileged_userns=0 where AppArmor restricts them)",
            required=False,
        )
    version = _first_line((_run([bwrap, "--version"]) or proc).stdout)
    return Check("sandbox", True, f"{version or 'bwrap'}: namespaces work", required=False)


def gpu() -> Check:
    """An NVIDIA GPU seen by the driver (torch is not imported: that alone takes seconds)."""
    smi = shutil.which("nvidia-smi")
    proc = _run([smi, "-L"]) if smi else None
    names = [
        line.split(" (UUID")[0]
        for line in (proc.stdout if proc and proc.returncode == 0 else "").splitlines()
        if line.startswith("GPU")
    ]
    if not names:
        return Check("gpu", False, "no GPU: CPU only (train/tiny-cpu.yaml, serve --device cpu)", None, required=False)
    torch_version = _dist_version("torch")
    note = f"; torch {torch_version} is a CPU build" if torch_version and "+cpu" in torch_version else ""
    fix = "pip install torch --index-url https://download.pytorch.org/whl/cu128" if note else None
    return Check("gpu", not note, f"{len(names)} × {names[0].split(': ', 1)[-1]}{note}", fix, required=False)


def _dist_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def hub() -> Check:
    """The Hugging Face hub reachable (a quick TCP probe), or offline with what the local cache holds."""
    from gitocto import hub as hub_module

    host, port = hub_module.probe_address()
    cache = hub_module.hub_cache()
    cached = (
        sorted(p.name.split("--", 1)[1].replace("--", "/") for p in cache.glob("*--*--*")) if cache.is_dir() else []
    )
    held = f"; cache {cache} holds {len(cached)} repos" if cached else f"; nothing cached in {cache}"
    instead = "offline: pass local paths (--model DIR, --tokenizer DIR, --data-dir DIR); see docs/offline.md"
    if hub_module.offline_requested():
        return Check("hub", False, f"offline (HF_HUB_OFFLINE){held}", instead)
    if hub_module.reachable():
        return Check("hub", True, f"{host}:{port} reachable{held}")
    return Check("hub", False, f"{host}:{port} cannot be reached{held}", instead)


def git_hooks_python() -> Check:
    """The interpreter the plain hooks' shims will run (the one running now)."""
    return Check("hook python", True, sys.executable)


# ---- bench, per language -----------------------------------------------------------------------------------------

BENCH_LANGUAGES = ("python", "js", "java", "go", "cpp", "rust")
_ALIASES = {"javascript": "js", "c++": "cpp", "py": "python"}


def bench_language(lang: str) -> list[Check]:
    """Everything HumanEvalPack programs of `lang` need: compiler or runtime, and the libraries their tests use."""
    lang = _ALIASES.get(lang, lang)
    if lang == "python":
        return [python_itself()]
    if lang == "js":
        return [program("node", f"{APT} nodejs")]  # js-md5 is our own module (gitocto.execution.toolchains)
    if lang == "java":
        fix = f"{APT} default-jdk-headless"
        return [program("javac", fix, ("-version",)), program("java", fix, ("-version",))]
    if lang == "go":
        fix = f"{APT} golang-go golang-github-stretchr-testify-dev"
        testify = [
            Path(os.environ.get("GOPATH", "~/go")).expanduser() / "src/github.com/stretchr/testify",
            DEBIAN_GOPATH / "src/github.com/stretchr/testify",
        ]
        return [program("go", fix, ("version",)), path_exists("testify", testify[::-1], fix, "testify")]
    if lang == "cpp":
        fix = f"{APT} g++ libboost-dev libssl-dev"
        return [
            program("g++", fix),
            path_exists("boost", [Path("/usr/include/boost/any.hpp")], fix, "boost/any.hpp"),
            path_exists("openssl", [Path("/usr/include/openssl/md5.h")], fix, "openssl/md5.h"),
        ]
    if lang == "rust":
        fix = f"{APT} rustc cargo librust-rand-dev librust-regex-dev librust-md5-dev"
        from gitocto.execution.toolchains import _rustup_env

        env = _rustup_env()  # rustup's proxies find their toolchain even when $HOME was moved (tests, sandbox)
        checks = [program("rustc", fix, env=env), program("cargo", fix, env=env)]
        for crate in RUST_CRATES:
            found = sorted(DEBIAN_CARGO_REGISTRY.glob(f"{crate}-[0-9]*"))
            checks.append(
                Check(f"crate {crate}", True, found[-1].name)
                if found
                else Check(f"crate {crate}", False, f"{crate} not in {DEBIAN_CARGO_REGISTRY}", fix)
            )
        return checks
    return [Check(lang, False, f"unknown language {lang!r}; known: {', '.join(BENCH_LANGUAGES)}")]


def missing_for_bench(langs: list[str] | tuple[str, ...], strict_sandbox: bool = False) -> list[str]:
    """One line per missing piece for running `langs`' programs ("go: go not found on PATH (fix: ...)"); [] when
    all is there. With `strict_sandbox`, a missing or unusable bubblewrap counts too."""
    lines = []
    for lang in dict.fromkeys(_ALIASES.get(lang, lang) for lang in langs):
        for check in bench_language(lang):
            if not check.ok and check.required:
                lines.append(f"{lang}: {check.detail}" + (f" (fix: {check.fix})" if check.fix else ""))
    if strict_sandbox:
        box = sandbox()
        if not box.ok:
            lines.append(f"sandbox: {box.detail}" + (f" (fix: {box.fix})" if box.fix else ""))
    return lines


def require_toolchains(langs: list[str] | tuple[str, ...], what: str) -> None:
    """Stop before `what` runs any program when a toolchain `langs` need is missing: one OctoError line naming the
    missing pieces and their fixes, instead of a failure per program."""
    missing = missing_for_bench(langs)
    if missing:
        from gitocto.errors import OctoError

        raise OctoError(f"{what} needs what is missing here: {'; '.join(missing)} (see `git octo doctor`)")
