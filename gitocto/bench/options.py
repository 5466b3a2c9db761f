"""The choices `git octo bench` offers, in a module light enough for `git octo --help` to import."""

from __future__ import annotations

PROMPT_FORMATS = ("octocoder", "instruct", "continue", "chat")
CHECKS = ("canonical", "buggy")
# Published evaluation settings a run can ask for by name; each overrides these options.
PROTOCOLS = {"paper": {"n_samples": 20, "temperature": 0.2, "top_p": 0.95, "max_length": 2048}}
