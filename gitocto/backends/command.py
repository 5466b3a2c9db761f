"""`git octo serve`: a model behind an OpenAI-compatible HTTP API."""

from __future__ import annotations

from dataclasses import dataclass

from gitocto import hub

DTYPES = ("auto", "bf16", "fp16", "fp32")


@dataclass(frozen=True)
class Options:
    """What `git octo serve` takes."""

    model: str
    host: str = "127.0.0.1"
    port: int = 8000
    device: str | None = None
    dtype: str = "auto"
    batch_size: int = 8
    served_model_name: str | None = None
    max_tokens_limit: int = 4096
    max_request_bytes: int = 2 * 1024 * 1024


def run(options: Options) -> int:
    """Load the model and answer requests until interrupted."""
    hub.need_model(options.model)
    from gitocto.backends.serve import serve

    return serve(
        options.model,
        host=options.host,
        port=options.port,
        device=options.device,
        dtype=options.dtype,
        batch_size=options.batch_size,
        served_model_name=options.served_model_name,
        max_tokens_limit=options.max_tokens_limit,
        max_request_bytes=options.max_request_bytes,
    )
