"""Git hooks: plain-git install/uninstall and the pre-commit-framework entry points."""
