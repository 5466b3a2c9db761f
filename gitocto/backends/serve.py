"""`git octo serve`: an OpenAI-compatible HTTP server over the hf backend, so a model stays loaded."""

from __future__ import annotations

import socket
import sys
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gitocto.backends.base import Generation, SamplingParams
from gitocto.backends.batcher import Batcher
from gitocto.backends.hf import HFBackend
from gitocto.errors import OctoError

# The OpenAI API has no limit of its own on chat replies; keep an unbounded request finite.
DEFAULT_CHAT_MAX_TOKENS = 256


class _SamplingRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    n: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    stop: str | list[str] | None = None
    seed: int | None = None

    def sampling(self, max_tokens: int) -> SamplingParams:
        stop = [self.stop] if isinstance(self.stop, str) else (self.stop or [])
        return SamplingParams(
            n=self.n, temperature=self.temperature, top_p=self.top_p, max_new_tokens=max_tokens,
            stop=tuple(stop), seed=self.seed,
        )


class CompletionRequest(_SamplingRequest):
    """The body of POST /v1/completions (the fields gitocto honours; others are ignored)."""

    prompt: str | list[str]
    max_tokens: int | None = 16


class ChatMessage(BaseModel):
    """One message of a conversation."""

    model_config = ConfigDict(extra="ignore")

    role: str
    content: str


class ChatRequest(_SamplingRequest):
    """The body of POST /v1/chat/completions."""

    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = None
    max_completion_tokens: int | None = None


def _error_response(message: str) -> JSONResponse:
    """An OpenAI-style 400 answer, which clients show as the error's message."""
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    return JSONResponse(status_code=400, content={"error": error})


def _usage(rows: list[list[Generation]]) -> dict[str, int]:
    prompt = sum(row[0].prompt_tokens for row in rows if row)
    completion = sum(g.completion_tokens for row in rows for g in row)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def create_app(backend: HFBackend, batch_rows: int | None = None) -> FastAPI:
    """The FastAPI application answering /v1/models, /v1/completions and /v1/chat/completions."""
    app = FastAPI(title="git octo serve")
    batcher = Batcher(backend, batch_rows)
    model_id = backend.model_name
    created = int(time.time())

    @app.exception_handler(OctoError)
    async def _bad_request(request: Request, exc: OctoError) -> JSONResponse:
        return _error_response(str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ())[1:2])
        return _error_response(f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request")

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        card = {"id": model_id, "object": "model", "created": created, "owned_by": "gitocto"}
        return {"object": "list", "data": [card]}

    @app.post("/v1/completions")
    def completions(body: CompletionRequest) -> dict[str, Any]:
        prompts = [body.prompt] if isinstance(body.prompt, str) else body.prompt
        if not prompts or not all(prompts):
            raise OctoError("prompt must not be empty")
        rows = batcher.generate(prompts, body.sampling(body.max_tokens or 16))
        choices = [
            {"index": i * body.n + j, "text": g.text, "finish_reason": g.finish_reason, "logprobs": None}
            for i, row in enumerate(rows)
            for j, g in enumerate(row)
        ]
        return {
            "id": f"cmpl-{uuid.uuid4().hex}", "object": "text_completion", "created": int(time.time()),
            "model": model_id, "choices": choices, "usage": _usage(rows),
        }

    @app.post("/v1/chat/completions")
    def chat_completions(body: ChatRequest) -> dict[str, Any]:
        conversation = [{"role": m.role, "content": m.content} for m in body.messages]
        prompt = backend.chat_prompts([conversation])
        max_tokens = body.max_completion_tokens or body.max_tokens or DEFAULT_CHAT_MAX_TOKENS
        rows = batcher.generate(prompt, body.sampling(max_tokens), add_special_tokens=False)
        choices = [
            {
                "index": j, "message": {"role": "assistant", "content": g.text},
                "finish_reason": g.finish_reason, "logprobs": None,
            }
            for j, g in enumerate(rows[0])
        ]
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": model_id, "choices": choices, "usage": _usage(rows),
        }

    return app


def _listen(host: str, port: int) -> socket.socket:
    """Bind the port ourselves, so a port in use is a one-line error rather than a server log."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OctoError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def serve(
    model: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    device: str | None = None,
    dtype: str | None = None,
    batch_size: int = 8,
) -> int:
    """Load `model` with the hf backend and answer OpenAI-style requests on host:port until interrupted."""
    import uvicorn

    if not 0 <= port <= 65535:
        raise OctoError(f"port must be between 0 and 65535, not {port}")
    # Bound before the (slow) model load, so a port in use fails at once.
    with _listen(host, port) as sock:
        backend = HFBackend(model, device=device, dtype=dtype, batch_size=batch_size)
        app = create_app(backend)
        bound = sock.getsockname()[1]
        where = f"http://{host}:{bound}/v1"
        print(f"git octo serve: {model} on {backend.device} at {where}", file=sys.stderr, flush=True)
        config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
        uvicorn.Server(config).run(sockets=[sock])
    return 0
