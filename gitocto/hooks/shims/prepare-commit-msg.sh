#!/bin/sh
# gitocto prepare-commit-msg hook (installed by `git octo hooks install`; remove with `git octo hooks uninstall`).
# Arguments from git: $1 the message file, $2 where the message came from, $3 the commit (for -c/-C/--amend).
OCTO_PYTHON='@OCTO_PYTHON@'
OCTO_HOOK=prepare-commit-msg

# A hook that was here before gitocto runs first, with the same arguments; its failure stops the commit.
chained="$(dirname "$0")/$OCTO_HOOK.pre-octo"
if [ -x "$chained" ]; then
    "$chained" "$@" || exit $?
fi

# Decided here, before any Python starts, so these commits stay as fast as without the hook:
# -m/-F (message), -c/-C/--amend (commit), merge and squash messages are the user's or git's own.
case "$2" in
    message|commit|merge|squash) exit 0 ;;
esac

# Nothing while a merge, rebase, cherry-pick or revert is in progress.
git_dir=$(git rev-parse --git-dir 2>/dev/null) || exit 0
for f in rebase-merge rebase-apply MERGE_HEAD CHERRY_PICK_HEAD REVERT_HEAD sequencer; do
    [ -e "$git_dir/$f" ] && exit 0
done

if [ ! -x "$OCTO_PYTHON" ]; then
    echo "git octo: gitocto is not installed any more; skipping the $OCTO_HOOK hook" >&2
    exit 0
fi
# Not exec: whatever becomes of Python (a venv rebuilt without gitocto, a crash), the commit goes on.
"$OCTO_PYTHON" -c '
import sys
if sys.path and sys.path[0] == "":
    del sys.path[0]  # the repository being committed is not code to import
try:
    from gitocto.hooks.prepare_commit_msg import main
except Exception as exc:
    print(f"git octo: {sys.executable} cannot import gitocto ({type(exc).__name__}); skipping the "
          "prepare-commit-msg hook", file=sys.stderr)
    raise SystemExit(0)
raise SystemExit(main(sys.argv[1:]))
' "$@"
exit 0
