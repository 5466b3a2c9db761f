"""Per-language program runners: write the program into its own temp dir, compile it if needed, run its tests."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gitocto.errors import OctoError
from gitocto.execution import endmark, toolchains
from gitocto.execution.sandbox import Completed, Limits, run_sandboxed, sandbox_uid, scrubbed_env

LANGUAGES = ("python", "js", "java", "go", "cpp", "rust")
_GIB = 1 << 30

# Seconds for running the tests (compiling gets COMPILE_TIMEOUT). The paper's harness allows python/js/java 10,
# go 20 (including its build), cpp 60 (and 60 more to compile) and rust 300, which its own comment says is for
# cargo's first build of the crates; ours are prebuilt, so Rust runs get the 60 s of C++ (docs/bench.md).
RUN_TIMEOUT = {"python": 10.0, "js": 10.0, "java": 10.0, "go": 20.0, "cpp": 60.0, "rust": 60.0}
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


# Lines that say why a compile or a run failed, strongest first: a missing module, a compiler's error line, a
# failed assertion or panic, an exception.
_WHY = [
    re.compile(p)
    for p in (
        r"Cannot find module '[^']*'|cannot find package|cannot find crate",
        r"\berror(\[E\d+\])?:|: undefined: |\bundefined reference\b",
        r"Assertion .* failed|AssertionError|assertion .*failed|panicked at|^panic: |\bError:\s",
        r"\b[A-Z]\w*(Error|Exception)\b|--- FAIL",
    )
]


def why(text: str, lang: str = "") -> str:
    """The one line of a failure's output that says why it failed (Python: the traceback's last line)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    if lang == "python" and not lines[-1].startswith(("File ", "^")):
        return lines[-1][:300]
    for pattern in _WHY:
        for line in lines:
            if pattern.search(line):
                return line[:300]
    return lines[-1][:300]


def _detail(text: str, lang: str) -> str:
    """The line that says why, then the output's tail (where that line is not already in it)."""
    tail = _tail(text)
    reason = why(text, lang)
    return tail if not reason or tail.startswith(reason) else f"{reason}\n{tail}"


def _give_to_sandbox_user(path: Path, uid: int) -> None:
    # The run step drops to the sandbox's own uid when we are root: it must own its directory to write there.
    if os.geteuid() != 0:
        return
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(root, name), uid, uid)
    os.chown(path, uid, uid)


class _Run:
    """One program's directory, its end-of-tests token and the two sandboxed steps (compile, run) done in it."""

    def __init__(self, workdir: Path, timeout: float | None, lang: str) -> None:
        self.workdir = workdir
        self.lang = lang
        self.run_timeout = timeout if timeout is not None else RUN_TIMEOUT[lang]
        self.compile_timeout = max(COMPILE_TIMEOUT, self.run_timeout)
        self.token = endmark.new_token()
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def marked(self, program: str) -> str:
        """The program with the code that prints this run's token after its last test."""
        return endmark.mark(self.lang, program, self.token)

    def compile(
        self, argv: list[str], extra_env: dict[str, str] | None = None, writable: tuple[str, ...] = ()
    ) -> ExecResult | None:
        """Compile as the invoking user (the compiler is trusted; its input is not); None when it succeeded."""
        limits = Limits(
            cpu=self.compile_timeout, data=4 * _GIB, fsize=1 << 30, nproc=256, drop_root=False, writable=writable
        )
        done = run_sandboxed(
            argv, self.workdir, limits, self.compile_timeout, scrubbed_env(str(self.workdir), extra_env)
        )
        if done.timed_out:
            return ExecResult(False, "timeout", "compilation timed out", self.elapsed())
        if done.returncode != 0:
            return ExecResult(False, "compile_error", _detail(done.stderr or done.stdout, self.lang), self.elapsed())
        return None

    def run(self, argv: list[str], extra_env: dict[str, str] | None = None, quiet: bool = False) -> ExecResult:
        """Run the tests under the strict limits; `quiet`: any output at all means a failed assertion."""
        uid = sandbox_uid(self.workdir)
        _give_to_sandbox_user(self.workdir, uid)
        limits = Limits(cpu=self.run_timeout, data=2 * _GIB, fsize=64 << 20, nproc=64, uid=uid)
        done = run_sandboxed(argv, self.workdir, limits, self.run_timeout, scrubbed_env(str(self.workdir), extra_env))
        return self.verdict(done, quiet)

    def verdict(self, done: Completed, quiet: bool) -> ExecResult:
        """Passed only when the program exited with status 0 after printing this run's token (its tests ran to
        the end) and, for `quiet` languages, printed nothing else."""
        if done.timed_out:
            return ExecResult(False, "timeout", f"no result within {self.run_timeout:g}s", self.elapsed())
        finished = endmark.seen(done.stdout, self.token)
        stdout = endmark.without_mark(done.stdout, self.token)
        output = (done.stderr + stdout).strip()
        if done.returncode == 0 and finished and not (quiet and output):
            return ExecResult(True, "passed", "", self.elapsed())
        if done.returncode == 0 and not finished and not (quiet and output):
            reason = "exited with status 0 before its tests finished (no end-of-tests mark)"
            return ExecResult(False, "failed", f"{reason}\n{_tail(output)}".strip(), self.elapsed())
        text = done.stderr.strip() or stdout
        detail = _detail(text, self.lang) if text.strip() else ""
        if done.returncode < 0:
            detail = f"killed by signal {-done.returncode}\n{detail}".strip()
        return ExecResult(False, "failed", detail or f"exit status {done.returncode}", self.elapsed())


def base_python() -> str:
    """The interpreter programs run under: the base installation behind a virtual environment, whose standard
    library is all they may use, so the sandbox mounts no venv (which may sit inside the user's repository)."""
    return str(getattr(sys, "_base_executable", None) or sys.executable)


def _python(run: _Run, program: str) -> ExecResult:
    (run.workdir / "program.py").write_text(run.marked(program))
    return run.run([base_python(), "-I", "program.py"])


def _js(run: _Run, program: str) -> ExecResult:
    (run.workdir / "program.js").write_text(run.marked(program))
    # Our own js-md5 (on node's crypto) beside the program, where require() looks first: nothing to install.
    toolchains.write_js_modules(run.workdir / "node_modules")
    # console.assert prints instead of throwing: the paper's harness counts any output as a failure.
    return run.run(["node", "program.js"], {"NODE_PATH": str(run.workdir / "node_modules")}, quiet=True)


_JVM_FAST_START = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"]


def _java(run: _Run, program: str) -> ExecResult:
    (run.workdir / "Main.java").write_text(run.marked(program))
    failed = run.compile(["javac", *(f"-J{flag}" for flag in _JVM_FAST_START), "-nowarn", "Main.java"])
    if failed:
        return failed
    # Assertions on in the tests' class only: the solution's own `assert`s stay off, as in the paper's harness.
    return run.run(["java", *_JVM_FAST_START, "-Xmx1g", "-Xss16m", "-ea:Main", "-cp", ".", endmark.JAVA_ENTRY])


def _go(run: _Run, program: str) -> ExecResult:
    (run.workdir / "main_test.go").write_text(run.marked(program))
    env = toolchains.go_env(run.workdir)
    failed = run.compile(
        ["go", "test", "-c", "-ldflags=-s -w", "-o", "program.test", "main_test.go"], env, writable=(env["GOCACHE"],)
    )
    if failed:
        return failed
    # What `go test` passes its test binary: os.Exit(0) during a test panics instead of ending the run.
    return run.run(["./program.test", "-test.v=false", "-test.paniconexit0"])


def _cpp(run: _Run, program: str) -> ExecResult:
    argv = ["g++", toolchains.CPP_STD, "-o", "program", "program.cpp", "-lcrypto", "-lssl"]
    prelude = "\n".join(toolchains.CPP_PRELUDE)
    pch = toolchains.cpp_prelude_dir() if program.startswith(prelude) else None
    if pch is not None:
        # Parsing boost/any and iostream is most of a compile: the standard block comes precompiled instead.
        program = f'#include "{toolchains.CPP_PRELUDE_NAME}"' + program[len(prelude) :]
        argv += ["-I", str(pch)]
    (run.workdir / "program.cpp").write_text(run.marked(program))
    failed = run.compile(argv)
    if failed:
        return failed
    return run.run(["./program"])


def _rust(run: _Run, program: str) -> ExecResult:
    rust = toolchains.rust_toolchain()
    (run.workdir / "main.rs").write_text(run.marked(program))
    # What `cargo test` would run, without cargo's lock on a shared target dir: rustc --test against the
    # crates built once, so programs compile in parallel and each compiles only itself. Lints as cargo leaves
    # them: deny-by-default ones fail the compile, as in the paper's harness.
    argv = [rust.rustc, "--edition", "2021", "--test", "-o", "program", "-L", f"dependency={rust.deps_dir}", "main.rs"]
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
    """Run one complete test program (solution, then tests) in `lang` inside the sandbox and report the outcome:
    passed only when it exits with status 0 after its last test ran (see `gitocto.execution.endmark`)."""
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
