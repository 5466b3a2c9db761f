"""The bubblewrap command line that isolates one program: its own namespaces, a read-only view of the toolchains, a
size-limited work dir, no capabilities; and a probe saying whether this machine can build such a sandbox at all.

The program sees only: /usr (and the /bin, /lib* links into it), a few files from /etc, the Python it runs under, the
toolchain paths its command names (Rust toolchain and crates, the C++ prelude, js modules), its own work dir and what
`Limits.writable` and `Limits.read_only` name. Nothing from $HOME, /root, the repository or other programs' dirs.

As root, bubblewrap builds that view, then `setpriv` drops to the program's own uid (no capabilities, no new
privileges) and a second, unprivileged bubblewrap puts it in a user namespace: RLIMIT_NPROC is not enforced for uid 0,
and the program must not be able to read what only root may. As another user a single unprivileged bubblewrap does
both. `prlimit` sets the rlimits last, inside every namespace, so that RLIMIT_NPROC counts only this sandbox's tasks.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

WORKDIR_SIZE = 256 << 20  # the tmpfs each program runs in
SHM_SIZE = 16 << 20  # its /dev/shm (POSIX semaphores, shared memory); the rest of /dev is read-only
_ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What toolchains read from /etc: the loader cache, alternatives links (java, cc), certificates, the JDK's config.
_ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "ssl",
    "ca-certificates",
    "localtime",
    "java-*-openjdk",
    "gcc",
    "nsswitch.conf",
    "hosts",
)
_NAMESPACES = ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try")


@dataclass(frozen=True)
class Step:
    """One sandboxed command: where it runs, how it is limited, what else it may read or write."""

    argv: Sequence[str]
    workdir: Path
    rlimits: dict[str, str]  # prlimit option -> value, e.g. {"cpu": "10:11"}
    untrusted: bool  # True: a tmpfs copy of the work dir, own uid when root; False (a compile): the dir itself
    uid: int  # the program's uid when the harness is root and `untrusted`
    writable: tuple[str, ...] = ()
    read_only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tools:
    """Absolute paths of the helpers a sandbox needs."""

    bwrap: str
    prlimit: str
    setpriv: str | None  # needed only as root
    version: tuple[int, ...] = (0, 8, 0)  # bwrap's: --size needs 0.7, --disable-userns 0.8


def _version(bwrap: str) -> tuple[int, ...]:
    out = subprocess.run([bwrap, "--version"], capture_output=True, text=True, check=False).stdout
    digits = [int(part) for part in out.split()[-1].split(".") if part.isdigit()] if out.strip() else []
    return tuple(digits) or (0,)


def find_tools() -> Tools | str:
    """The helper programs, or a sentence naming the one missing."""
    bwrap, prlimit, setpriv = shutil.which("bwrap"), shutil.which("prlimit"), shutil.which("setpriv")
    if not bwrap:
        return "bwrap not found (install bubblewrap)"
    if not prlimit:
        return "prlimit not found (install util-linux)"
    if os.geteuid() == 0 and not setpriv:
        return "setpriv not found (install util-linux)"
    version = _version(bwrap)
    if version < (0, 7):
        return f"bwrap {'.'.join(map(str, version))} is too old (0.7 or later limits the work dir's size)"
    return Tools(bwrap, prlimit, setpriv, version)


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


@functools.lru_cache(maxsize=1)
def _python_dirs() -> tuple[str, ...]:
    # The base installation only: programs run under it (runners.base_python), never under a virtual environment,
    # which may sit inside the user's repository.
    exe = os.path.realpath(str(getattr(sys, "_base_executable", None) or sys.executable))
    dirs = {os.path.realpath(sys.base_prefix), str(Path(exe).parent.parent)}
    return tuple(sorted(dirs))


def toolchain_dirs(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """Paths outside /usr the command needs: the interpreter's prefix, the install prefix of an absolute argv[0] (a
    rustup toolchain's rustc), every existing absolute path its arguments name (crates, the C++ prelude) and the js
    modules dir (NODE_PATH). The runners build these commands; the program's text never gets here."""
    paths = list(_python_dirs())
    if os.path.isabs(argv[0]):
        exe = Path(os.path.realpath(argv[0]))
        if exe.parent.name == "bin":
            paths.append(str(exe.parent.parent))
    for arg in argv[1:]:
        value = arg.rpartition("=")[2]
        if os.path.isabs(value) and os.path.exists(value):
            paths.append(value)
    paths += [p for p in env.get("NODE_PATH", "").split(os.pathsep) if os.path.isabs(p)]
    return paths


def _system_view() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for link in _ROOT_LINKS:
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    args += ["--perms", "0755", "--dir", "/etc"]  # bwrap would make it 0700: unreadable for the program's uid
    for pattern in _ETC:
        for path in sorted(glob.glob(os.path.join("/etc", pattern))):
            args += ["--ro-bind", path, path]
    return [
        *args,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(SHM_SIZE),
        "--tmpfs",
        "/dev/shm",
        "--remount-ro",
        "/dev",
    ]


class _View:
    """The mounts built so far: what is visible (mounted) and which parent dirs were made for mount points."""

    def __init__(self, visible: Sequence[str]) -> None:
        self.visible = list(visible)
        self.made: set[str] = set()

    def parents(self, path: str) -> list[str]:
        """Options creating `path`'s missing parents, world-searchable (bwrap would make them 0700)."""
        args: list[str] = []
        for ancestor in [*reversed(Path(path).parents)][1:]:
            name = str(ancestor)
            if name not in self.made and not _under(name, self.visible):
                args += ["--perms", "0755", "--dir", name]
                self.made.add(name)
        return args

    def mounts(self, paths: Sequence[str], flag: str) -> list[str]:
        """Bind each path (real, existing, not already visible) under `flag` at the same place."""
        args: list[str] = []
        for path in sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)}):
            if not _under(path, self.visible):
                args += [*self.parents(path), flag, path, path]
                self.visible.append(path)
        return args


def _copy_in(workdir: Path, fds: list[int]) -> list[str]:
    """bwrap options that copy the work dir's files into its tmpfs (opened here, so the program needs no access)."""
    args: list[str] = []
    for root, dirs, files in os.walk(workdir):
        for name in sorted(dirs):
            args += ["--perms", "0777", "--dir", os.path.join(root, name)]
        for name in sorted(files):
            path = os.path.join(root, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            fds.append(fd)
            mode = "0777" if os.stat(fd).st_mode & 0o111 else "0666"
            args += ["--perms", mode, "--file", str(fd), path]
    return args


def command(step: Step, tools: Tools, env: Mapping[str, str], fds: list[int]) -> list[str]:
    """The full command line for `step`; files it opens for bwrap to copy are appended to `fds` (close them after)."""
    root = os.geteuid() == 0
    work = str(step.workdir)
    # no user namespaces inside, so no tmpfs of its own (outside the size limit) either; bwrap 0.7 cannot
    userns = ["--unshare-user", "--disable-userns"] if tools.version >= (0, 8) else ["--unshare-user"]
    system = _system_view()
    seen = _View(["/usr", "/proc", "/dev", *_ROOT_LINKS, *(a for a in system if a.startswith("/etc/"))])
    writable = [os.path.realpath(p) for p in step.writable]
    needed = [
        p
        for p in [*toolchain_dirs(step.argv, env), *step.read_only]
        if not _under(os.path.realpath(p), [work, *writable])
    ]
    view = system + seen.mounts(needed, "--ro-bind")
    if step.untrusted:
        view += [
            *seen.parents(work),
            "--size",
            str(WORKDIR_SIZE),
            "--perms",
            "0777",
            "--tmpfs",
            work,
            *_copy_in(step.workdir, fds),
        ]
        seen.visible.append(work)
    else:
        view += seen.mounts([work], "--bind")
    view += seen.mounts(step.writable, "--bind")
    common = ["--die-with-parent", "--new-session", "--hostname", "sandbox", "--remount-ro", "/", "--chdir", work]
    limits = [tools.prlimit, *(f"--{name}={value}" for name, value in step.rlimits.items()), "--"]
    if root and step.untrusted:
        assert tools.setpriv is not None
        outer = [
            tools.bwrap,
            *_NAMESPACES,
            "--cap-drop",
            "ALL",
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
            "--cap-add",
            "CAP_SETPCAP",
            *view,
            *common,
            "--",
        ]
        drop = [
            tools.setpriv,
            f"--reuid={step.uid}",
            f"--regid={step.uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
        inner = [
            tools.bwrap,
            *userns,
            "--die-with-parent",
            "--bind",
            "/",
            "/",
            "--remount-ro",
            "/",
            "--chdir",
            work,
            "--",
        ]
        return [*outer, *drop, *inner, *limits, *step.argv]
    single = [tools.bwrap, *userns, *_NAMESPACES, "--cap-drop", "ALL", *view, *common, "--"]
    return [*single, *limits, *step.argv]


@functools.lru_cache(maxsize=1)
def probe() -> Tools | str:
    """Tools when a hostile-program sandbox can be built here (tried once, with a real run); else why not."""
    tools = find_tools()
    if isinstance(tools, str):
        return tools
    with tempfile.TemporaryDirectory(prefix="gitocto-probe-") as tmp:
        fds: list[int] = []
        step = Step(["true"], Path(tmp), {"nproc": "16"}, untrusted=True, uid=0x70000000 + os.getpid() % 4096)
        try:
            argv = command(step, tools, {}, fds)
            proc = subprocess.run(
                argv,
                cwd=tmp,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                pass_fds=fds,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap did not run ({exc})"
        finally:
            for fd in fds:
                os.close(fd)
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        return f"bwrap cannot create the namespaces here ({why})"
    return tools
