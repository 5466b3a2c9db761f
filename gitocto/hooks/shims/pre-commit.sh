#!/bin/sh
# gitocto pre-commit hook (installed by `git octo hooks install pre-commit`; remove with `git octo hooks uninstall`).
# Checks the syntax of staged files with tree-sitter; a syntax error stops the commit (bypass: git commit -n).
# Nothing is checked while a merge, rebase, cherry-pick or revert is in progress (decided in Python).
OCTO_PYTHON='@OCTO_PYTHON@'
OCTO_HOOK=pre-commit

chained="$(dirname "$0")/$OCTO_HOOK.pre-octo"
if [ -x "$chained" ]; then
    "$chained" "$@" || exit $?
fi

if [ ! -x "$OCTO_PYTHON" ]; then
    echo "git octo: gitocto is not installed any more; skipping the $OCTO_HOOK hook" >&2
    exit 0
fi
# A Python that cannot import gitocto (a venv rebuilt without it) skips the check; a syntax error still stops.
exec "$OCTO_PYTHON" -c '
import sys
if sys.path and sys.path[0] == "":
    del sys.path[0]  # the repository being committed is not code to import
try:
    from gitocto.hooks.pre_commit import main
except Exception as exc:
    print(f"git octo: {sys.executable} cannot import gitocto ({type(exc).__name__}); skipping the "
          "pre-commit hook", file=sys.stderr)
    raise SystemExit(0)
raise SystemExit(main(sys.argv[1:]))
' "$@"
