"""Model backends: one small interface (complete a batch of prompts) with hf, openai and vllm implementations."""

from gitocto.backends.base import Backend, SamplingParams, make_backend

__all__ = ["Backend", "SamplingParams", "make_backend"]
