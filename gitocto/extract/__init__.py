"""`git octo extract`: git histories into CommitPack-style (code before, message, code after) records."""
