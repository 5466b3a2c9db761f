#!/bin/sh
# gitocto pre-commit hook (installed by `git octo hooks install pre-commit`; remove with `git octo hooks uninstall`).
# Checks the syntax of staged files with tree-sitter; a syntax error stops the commit (bypass: git commit -n).
OCTO_PYTHON='@OCTO_PYTHON@'
OCTO_HOOK=pre-commit

chained="$(dirname "$0")/$OCTO_HOOK.pre-octo"
if [ -x "$chained" ]; then
    "$chained" "$@" || exit $?
fi

if [ -x "$OCTO_PYTHON" ]; then
    exec "$OCTO_PYTHON" -m gitocto.hooks.pre_commit "$@"
fi
echo "git octo: gitocto is not installed any more; skipping the $OCTO_HOOK hook" >&2
exit 0
