"""`git octo serve`: an OpenAI-compatible HTTP server over the hf backend, so a model stays loaded."""

from __future__ import annotations

import asyncio
import math
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gitocto import console
from gitocto.backends.base import Generation, SamplingParams
from gitocto.backends.base import Message as ChatTurn  # starlette's Message is an ASGI message
from gitocto.backends.batcher import Batcher, Cancelled, return_big_buffers_to_the_system
from gitocto.backends.hf import HFBackend
from gitocto.errors import OctoError

# The OpenAI API has no limit of its own on chat replies; keep an unbounded request finite.
DEFAULT_CHAT_MAX_TOKENS = 256
DEFAULT_COMPLETION_MAX_TOKENS = 16
# Server limits: the most tokens a request may ask for (it is also capped by the model's context), the largest
# request body, and the most sequences one request may ask for (prompts × n).
DEFAULT_MAX_TOKENS_LIMIT = 4096
DEFAULT_MAX_REQUEST_BYTES = 2 * 1024 * 1024
MAX_N = 128
MAX_SEQUENCES = 1024
MAX_STOPS = 16
# How often a waiting request checks that its client is still there.
DISCONNECT_POLL_S = 0.1


class _SamplingRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    n: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: str | list[str] | None = None
    seed: int | None = None


class CompletionRequest(_SamplingRequest):
    """The body of POST /v1/completions (the fields gitocto honours; others are ignored)."""

    prompt: str | list[str]
    max_tokens: int | None = None


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


def sampling_params(
    body: _SamplingRequest,
    max_tokens: int | None,
    max_tokens_field: str,
    default_max_tokens: int,
    max_tokens_limit: int,
) -> SamplingParams:
    """Check a request's sampling fields as the OpenAI API does (an OctoError naming the field, answered with 400)
    and turn them into SamplingParams; `max_tokens` is capped at `max_tokens_limit`."""
    n = 1 if body.n is None else body.n
    if not 1 <= n <= MAX_N:
        raise OctoError(f"n must be between 1 and {MAX_N}, not {n}")
    temperature = 1.0 if body.temperature is None else body.temperature
    if not (math.isfinite(temperature) and 0 <= temperature <= 2):
        raise OctoError(f"temperature must be a number between 0 and 2, not {temperature}")
    top_p = 1.0 if body.top_p is None else body.top_p
    if not (math.isfinite(top_p) and 0 < top_p <= 1):
        raise OctoError(f"top_p must be a number in (0, 1], not {top_p}")
    if body.seed is not None and not -(2**63) <= body.seed < 2**63:
        raise OctoError(f"seed must be a 64-bit integer, not {body.seed}")
    limit = default_max_tokens if max_tokens is None else max_tokens
    if limit < 1:
        raise OctoError(f"{max_tokens_field} must be at least 1, not {limit}")
    stop = [body.stop] if isinstance(body.stop, str) else (body.stop or [])
    if len(stop) > MAX_STOPS:
        raise OctoError(f"stop takes at most {MAX_STOPS} sequences, not {len(stop)}")
    return SamplingParams(
        n=n,
        temperature=temperature,
        top_p=top_p,
        max_new_tokens=min(limit, max_tokens_limit),
        stop=tuple(stop),
        seed=body.seed,
    )


def served_name(model: str) -> str:
    """The name a model is served under by default: a local directory's own name, or the hub id as given."""
    path = Path(model).expanduser()
    if model.startswith((".", "/", "~")) or path.is_dir():
        return path.resolve().name or model
    return model


def _error_response(message: str, status: int = 400, kind: str = "invalid_request_error") -> JSONResponse:
    """An OpenAI-style error answer, which clients show as the error's message."""
    error = {"message": message, "type": kind, "param": None, "code": None}
    return JSONResponse(status_code=status, content={"error": error})


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` gets 413 before it is read (by its Content-Length) or as
    soon as it grows past the limit (a body sent in chunks)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _error_response(_too_large_message(self.max_bytes), 413)(scope, receive, send)


def _too_large_message(max_bytes: int) -> str:
    return f"the request body is larger than this server's limit of {max_bytes} bytes"


class _TooLarge(Exception):
    pass


def _usage(rows: list[list[Generation]]) -> dict[str, int]:
    prompt = sum(row[0].prompt_tokens for row in rows if row)
    completion = sum(g.completion_tokens for row in rows for g in row)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def create_app(
    backend: HFBackend,
    batch_rows: int | None = None,
    served_model_name: str | None = None,
    max_tokens_limit: int = DEFAULT_MAX_TOKENS_LIMIT,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
) -> FastAPI:
    """The FastAPI application answering /v1/models, /v1/completions and /v1/chat/completions (and /metrics)."""
    app = FastAPI(title="git octo serve")
    app.add_middleware(BodyLimit, max_bytes=max_request_bytes)
    batcher = Batcher(backend, batch_rows)
    model_id = served_model_name or served_name(backend.model_name)
    created = int(time.time())

    @app.exception_handler(OctoError)
    async def _bad_request(request: Request, exc: OctoError) -> JSONResponse:
        return _error_response(str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, _TooLarge):  # FastAPI wraps an error met while reading the body
            return _error_response(_too_large_message(max_request_bytes), 413)
        return _error_response(str(exc.detail), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ())[1:2])
        return _error_response(f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request")

    async def generate(
        request: Request, prepare: Callable[[], tuple[list[str], bool]], params: SamplingParams
    ) -> list[list[Generation]] | JSONResponse:
        """Run a request in the batcher, cancelling it as soon as its client goes away."""

        def submit() -> Future[list[list[Generation]]]:
            prompts, add_special_tokens = prepare()
            if len(prompts) * params.n > MAX_SEQUENCES:
                raise OctoError(
                    f"a request may ask for at most {MAX_SEQUENCES} sequences (prompts × n), "
                    f"not {len(prompts) * params.n}"
                )
            return batcher.submit(prompts, params, add_special_tokens, cancel)

        cancel = threading.Event()
        try:
            # Tokenizing (and a chat template) takes time on a long prompt: off the event loop.
            future = asyncio.wrap_future(await run_in_threadpool(submit))
            while True:
                done, _ = await asyncio.wait({future}, timeout=DISCONNECT_POLL_S)
                if done:
                    return future.result()
                if await request.is_disconnected():
                    cancel.set()
                    return _error_response("the client closed the request", 499)
        except (asyncio.CancelledError, Cancelled):
            cancel.set()
            raise

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        card = {"id": model_id, "object": "model", "created": created, "owned_by": "gitocto"}
        return {"object": "list", "data": [card]}

    @app.get("/metrics")
    def metrics() -> PlainTextResponse:
        stats = batcher.stats
        lines = [
            f"gitocto_requests_running {stats.running}",
            f"gitocto_requests_completed_total {stats.completed}",
            f"gitocto_requests_cancelled_total {stats.cancelled}",
            f"gitocto_requests_failed_total {stats.failed}",
            f"gitocto_generated_tokens_total {stats.generated_tokens}",
        ]
        return PlainTextResponse("\n".join(lines) + "\n")

    @app.post("/v1/completions", response_model=None)
    async def completions(body: CompletionRequest, request: Request) -> dict[str, Any] | JSONResponse:
        prompts = [body.prompt] if isinstance(body.prompt, str) else body.prompt
        if not prompts or not all(prompts):
            raise OctoError("prompt must not be empty")
        params = sampling_params(body, body.max_tokens, "max_tokens", DEFAULT_COMPLETION_MAX_TOKENS, max_tokens_limit)
        rows = await generate(request, lambda: (prompts, True), params)
        if isinstance(rows, JSONResponse):
            return rows
        choices = [
            {"index": i * params.n + j, "text": g.text, "finish_reason": g.finish_reason, "logprobs": None}
            for i, row in enumerate(rows)
            for j, g in enumerate(row)
        ]
        return {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": model_id,
            "choices": choices,
            "usage": _usage(rows),
        }

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(body: ChatRequest, request: Request) -> dict[str, Any] | JSONResponse:
        conversation: list[ChatTurn] = [{"role": m.role, "content": m.content} for m in body.messages]
        field = "max_completion_tokens" if body.max_completion_tokens is not None else "max_tokens"
        requested = body.max_completion_tokens if body.max_completion_tokens is not None else body.max_tokens
        params = sampling_params(body, requested, field, DEFAULT_CHAT_MAX_TOKENS, max_tokens_limit)
        rows = await generate(request, lambda: (backend.chat_prompts([conversation]), False), params)
        if isinstance(rows, JSONResponse):
            return rows
        choices = [
            {
                "index": j,
                "message": {"role": "assistant", "content": g.text},
                "finish_reason": g.finish_reason,
                "logprobs": None,
            }
            for j, g in enumerate(rows[0])
        ]
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model_id,
            "choices": choices,
            "usage": _usage(rows),
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
    served_model_name: str | None = None,
    max_tokens_limit: int = DEFAULT_MAX_TOKENS_LIMIT,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
) -> int:
    """Load `model` with the hf backend and answer OpenAI-style requests on host:port until interrupted."""
    import uvicorn

    if not 0 <= port <= 65535:
        raise OctoError(f"port must be between 0 and 65535, not {port}")
    if max_tokens_limit < 1 or max_request_bytes < 1:
        raise OctoError("--max-tokens-limit and --max-request-bytes must be at least 1")
    # Bound before the (slow) model load, so a port in use fails at once.
    with _listen(host, port) as sock:
        return_big_buffers_to_the_system()
        backend = HFBackend(model, device=device, dtype=dtype, batch_size=batch_size)
        name = served_model_name or served_name(model)
        app = create_app(backend, None, name, max_tokens_limit, max_request_bytes)
        bound = sock.getsockname()[1]
        where = f"http://{host}:{bound}/v1"
        context = backend.context_length
        console.note(
            f"{model} as {name!r} on {backend.device} at {where} "
            f"(context {context or 'unknown'}, max_tokens at most {max_tokens_limit})",
            command="serve",
            flush=True,
        )
        config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
        uvicorn.Server(config).run(sockets=[sock])
    return 0
