"""Per-language program runners: write the program into its own temp dir, compile it if needed, run its tests."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gitocto.errors import OctoError
from gitocto.execution import toolchains
from gitocto.execution.sandbox import Completed, Limits, run_sandboxed, sandbox_uid, scrubbed_env

LANGUAGES = ("python", "js", "java", "go", "cpp", "rust")
_GIB = 1 << 30

# Seconds for running the tests (compiling gets COMPILE_TIMEOUT); the paper's harness allows python/js/java 10,
# go 20 (including its build) and cpp 60.
RUN_TIMEOUT = {"python": 10.0, "js": 10.0, "java": 10.0, "go": 20.0, "cpp": 10.0, "rust": 10.0}
COMPILE_TIMEOUT = 120.0


@dataclass(frozen=True)
class ExecResult:
    """The outcome of one program: passed, a status, a short stderr tail and the wall time it took."""

    passed: bool
    status: str  # "passed" | "failed" | "timeout" | "compile_error" | "error"
    detail: str
    elapsed: float


def _tail(text: str, lines: int = 8, chars: int = 600) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])[-chars:]


def _give_to_sandbox_user(path: Path, uid: int) -> None:
    # The run step drops to the sandbox's own uid when we are root: it must own its directory to write there.
    if os.geteuid() != 0:
        return
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(root, name), uid, uid)
    os.chown(path, uid, uid)


class _Run:
    """One program's directory and the two sandboxed steps (compile, run) done in it."""

    def __init__(self, workdir: Path, timeout: float | None, lang: str) -> None:
        self.workdir = workdir
        self.run_timeout = timeout if timeout is not None else RUN_TIMEOUT[lang]
        self.compile_timeout = max(COMPILE_TIMEOUT, self.run_timeout)
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def compile(self, argv: list[str], extra_env: dict[str, str] | None = None,
                writable: tuple[str, ...] = ()) -> ExecResult | None:
        """Compile as the invoking user (the compiler is trusted; its input is not); None when it succeeded."""
        limits = Limits(cpu=self.compile_timeout, data=4 * _GIB, fsize=1 << 30, nproc=256, drop_root=False,
                        writable=writable)
        done = run_sandboxed(argv, self.workdir, limits, self.compile_timeout,
                             scrubbed_env(str(self.workdir), extra_env))
        if done.timed_out:
            return ExecResult(False, "timeout", "compilation timed out", self.elapsed())
        if done.returncode != 0:
            return ExecResult(False, "compile_error", _tail(done.stderr or done.stdout), self.elapsed())
        return None

    def run(self, argv: list[str], extra_env: dict[str, str] | None = None, quiet: bool = False) -> ExecResult:
        """Run the tests under the strict limits; `quiet`: any output at all means a failed assertion."""
        uid = sandbox_uid(self.workdir)
        _give_to_sandbox_user(self.workdir, uid)
        limits = Limits(cpu=self.run_timeout, data=2 * _GIB, fsize=64 << 20, nproc=64, uid=uid)
        done = run_sandboxed(argv, self.workdir, limits, self.run_timeout, scrubbed_env(str(self.workdir), extra_env))
        return self.verdict(done, quiet)

    def verdict(self, done: Completed, quiet: bool) -> ExecResult:
        if done.timed_out:
            return ExecResult(False, "timeout", f"no result within {self.run_timeout:g}s", self.elapsed())
        output = (done.stderr + done.stdout).strip()
        if done.returncode == 0 and not (quiet and output):
            return ExecResult(True, "passed", "", self.elapsed())
        detail = _tail(done.stderr or done.stdout) or f"exit status {done.returncode}"
        return ExecResult(False, "failed", detail, self.elapsed())


def _python(run: _Run, program: str) -> ExecResult:
    (run.workdir / "program.py").write_text(program)
    return run.run([sys.executable, "-I", "program.py"])


def _js(run: _Run, program: str) -> ExecResult:
    (run.workdir / "program.js").write_text(program)
    modules = toolchains.js_modules_dir()
    env = {"NODE_PATH": str(modules)} if modules else {}
    # console.assert prints instead of throwing: the paper's harness counts any output as a failure.
    return run.run(["node", "program.js"], env, quiet=True)


_JVM_FAST_START = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"]


def _java(run: _Run, program: str) -> ExecResult:
    (run.workdir / "Main.java").write_text(program)
    failed = run.compile(["javac", *(f"-J{flag}" for flag in _JVM_FAST_START), "-nowarn", "Main.java"])
    if failed:
        return failed
    return run.run(["java", *_JVM_FAST_START, "-Xmx1g", "-Xss16m", "-ea", "-cp", ".", "Main"])


def _go(run: _Run, program: str) -> ExecResult:
    (run.workdir / "main_test.go").write_text(program)
    env = toolchains.go_env(run.workdir)
    failed = run.compile(["go", "test", "-c", "-ldflags=-s -w", "-o", "program.test", "main_test.go"], env,
                         writable=(env["GOCACHE"],))
    if failed:
        return failed
    return run.run(["./program.test", "-test.v=false"])


def _cpp(run: _Run, program: str) -> ExecResult:
    argv = ["g++", toolchains.CPP_STD, "-o", "program", "program.cpp", "-lcrypto", "-lssl"]
    prelude = "\n".join(toolchains.CPP_PRELUDE)
    pch = toolchains.cpp_prelude_dir() if program.startswith(prelude) else None
    if pch is not None:
        # Parsing boost/any and iostream is most of a compile: the standard block comes precompiled instead.
        program = f'#include "{toolchains.CPP_PRELUDE_NAME}"' + program[len(prelude):]
        argv += ["-I", str(pch)]
    (run.workdir / "program.cpp").write_text(program)
    failed = run.compile(argv)
    if failed:
        return failed
    return run.run(["./program"])


def _rust(run: _Run, program: str) -> ExecResult:
    rust = toolchains.rust_toolchain()
    (run.workdir / "main.rs").write_text(program)
    # What `cargo test` would run, without cargo's lock on a shared target dir: rustc --test against the
    # crates built once, so programs compile in parallel and each compiles only itself.
    argv = [rust.rustc, "--edition", "2021", "--test", "-o", "program", "-L", f"dependency={rust.deps_dir}",
            "--cap-lints", "allow", "main.rs"]
    for name, rlib in sorted(rust.externs.items()):
        argv += ["--extern", f"{name}={rlib}"]
    failed = run.compile(argv)
    if failed:
        return failed
    # The scrubbed environment would drop the user's choice of seed for the rand shim; pass it on explicitly.
    seed = os.environ.get("GITOCTO_RAND_SEED")
    return run.run(["./program", "--test-threads=1", "-q"], extra_env={"GITOCTO_RAND_SEED": seed} if seed else None)


_RUNNERS = {"python": _python, "js": _js, "java": _java, "go": _go, "cpp": _cpp, "rust": _rust}
_TOOLS = {"python": None, "js": "node", "java": "javac", "go": "go", "cpp": "g++", "rust": "rustc"}


def run_program(lang: str, program: str, timeout: float | None = None) -> ExecResult:
    """Run one complete test program (solution + tests) in `lang` inside the sandbox and report the outcome."""
    if lang not in _RUNNERS:
        raise OctoError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    tool = _TOOLS[lang]
    if tool and not shutil.which(tool):
        return ExecResult(False, "error", f"{tool} not found on PATH", 0.0)
    workdir = Path(tempfile.mkdtemp(prefix=f"gitocto-{lang}-"))
    try:
        return _RUNNERS[lang](_Run(workdir, timeout, lang), program)
    except OctoError as exc:
        return ExecResult(False, "error", str(exc), 0.0)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
