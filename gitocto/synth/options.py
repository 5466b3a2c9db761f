"""The choices `git octo synth` offers, in a module light enough for `git octo --help` to import."""

from __future__ import annotations

OSS_INSTRUCT_RECIPES = ("gitocto", "magicoder")
WAVECODER_RECIPES = ("gitocto", "wavecoder")
# How the teacher is asked: "chat" through the model's chat template, "completion" as one plain prompt.
TEACHER_PROMPT_FORMATS = ("chat", "completion")
