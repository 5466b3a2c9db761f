"""`git octo hooks install` and `git octo hooks uninstall`: gitocto's plain git hooks in a repository."""

from __future__ import annotations

from dataclasses import dataclass

from gitocto.hooks.install import HOOK_NAMES, install, uninstall

DEFAULT_INSTALL = ("prepare-commit-msg",)


@dataclass(frozen=True)
class InstallOptions:
    """What `git octo hooks install` takes: the repository (a directory in it) and the hooks."""

    cwd: str
    names: tuple[str, ...] = DEFAULT_INSTALL


@dataclass(frozen=True)
class UninstallOptions:
    """What `git octo hooks uninstall` takes: the repository (a directory in it) and the hooks."""

    cwd: str
    names: tuple[str, ...] = HOOK_NAMES


def run_install(options: InstallOptions) -> int:
    """Install the hooks (default: prepare-commit-msg), chaining any hook already there."""
    return install(options.cwd, options.names or DEFAULT_INSTALL)


def run_uninstall(options: UninstallOptions) -> int:
    """Remove gitocto's hooks (default: all of them), restoring any chained hook exactly."""
    return uninstall(options.cwd, options.names or HOOK_NAMES)
