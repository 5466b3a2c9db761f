"""Apply the sandbox's limits to this process, then exec the program: `python -I -S jail.py SPEC_JSON -- ARGV...`.

The fallback where bubblewrap cannot isolate programs (see sandbox.py): it limits resources and writes, not reads,
the network or signals to processes of the same user.

Run as a separate, stdlib-only script (never imported by the package) so that no Python code runs between fork and
exec in a threaded parent. SPEC_JSON keys: cpu (s), data (bytes), fsize (bytes), nproc (extra processes),
writable (paths the program may write under; everything else becomes read-only through Landlock where the kernel has
it), drop_root (run as nobody, keeping only the right to read and search files, so RLIMIT_NPROC applies).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

_NOBODY = 65534
_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_KEEPCAPS = 8
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_RAISE = 2
_CAP_DAC_READ_SEARCH = 2
# Landlock filesystem rights (ABI 1-3) that change the filesystem; reading and executing stay allowed everywhere.
_WRITE_RIGHTS = (
    (1 << 1)
    | (1 << 4)
    | (1 << 5)
    | (1 << 6)
    | (1 << 7)
    | (1 << 8)
    | (1 << 9)
    | (1 << 10)
    | (1 << 11)
    | (1 << 12)
    | (1 << 13)
)
_ALL_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2)
_REFER, _TRUNCATE = 1 << 13, 1 << 14


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _landlock(libc: ctypes.CDLL, writable: list[str]) -> None:
    abi = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, 0, 1)
    if abi < 1:
        return  # kernel without Landlock: the uid drop and the temp-dir HOME still apply
    handled = _WRITE_RIGHTS & ~_REFER
    if abi >= 2:
        handled |= _REFER
    if abi >= 3:
        handled |= _TRUNCATE
    attr = _RulesetAttr(handled)
    ruleset = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset < 0:
        return
    for path in writable:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        is_dir = os.path.isdir(path)
        allowed = handled if is_dir else handled & (_ALL_FILE_RIGHTS | _TRUNCATE)
        rule = _PathBeneath(allowed, fd)
        libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0)
        os.close(fd)
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(ruleset)


def _can_keep_read_search() -> bool:
    try:
        with open("/proc/self/status") as fh:
            bounding = next(line for line in fh if line.startswith("CapBnd:"))
    except (OSError, StopIteration):
        return False
    return bool(int(bounding.split()[1], 16) & (1 << _CAP_DAC_READ_SEARCH))


def _drop_root(libc: ctypes.CDLL, uid: int) -> None:
    # RLIMIT_NPROC is not enforced for real uid 0, so a fork bomb is only bounded once we are someone else.
    # CAP_DAC_READ_SEARCH (kept as an ambient capability) lets nobody still read the toolchains under /root;
    # where the capability is not available (some containers), staying root beats not reaching the toolchains.
    if not _can_keep_read_search():
        return
    libc.prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    header = _CapHeader(0x20080522, 0)
    bit = 1 << _CAP_DAC_READ_SEARCH
    data = (_CapData * 2)(_CapData(bit, bit, bit), _CapData(0, 0, 0))
    if libc.capset(ctypes.byref(header), ctypes.byref(data)) != 0:
        return
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_RAISE, _CAP_DAC_READ_SEARCH, 0, 0)


def _user_tasks(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return count


def main() -> None:
    """Parse the spec, limit this process, exec the program."""
    sep = sys.argv.index("--")
    spec = json.loads(sys.argv[1])
    argv = sys.argv[sep + 1 :]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu = int(spec["cpu"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_DATA, (int(spec["data"]), int(spec["data"])))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(spec["fsize"]), int(spec["fsize"])))
    if spec.get("drop_root") and os.geteuid() == 0:
        _drop_root(libc, int(spec.get("uid", _NOBODY)))
    # NPROC counts every task of the real uid, so the limit is what exists now plus the program's allowance.
    nproc = _user_tasks(os.getuid()) + int(spec["nproc"])
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    _landlock(libc, list(spec.get("writable", [])))
    os.execvpe(argv[0], argv, os.environ)


if __name__ == "__main__":
    main()
