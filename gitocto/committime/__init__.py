"""Commit-time settings and deadlines shared by msg, fix and hooks (imports none of them)."""
