"""Model backends: one small interface (complete a batch of prompts) with hf, openai and vllm implementations."""

from gitocto.backends.base import Backend, Generation, Message, SamplingParams, cut_at_stop, make_backend

__all__ = ["Backend", "Generation", "Message", "SamplingParams", "cut_at_stop", "make_backend"]
