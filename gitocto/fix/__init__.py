"""Syntax checks of staged files and model repairs in the OctoCoder "Fix bugs in ..." form."""
