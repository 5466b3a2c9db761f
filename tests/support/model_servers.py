"""Local stand-ins for a model server, on 127.0.0.1 only: one that answers with known text, one that trickles."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.json_server import JsonHandler, serving

TRICKLE_EVERY_S = 0.3
TRICKLE_FOR_AT_MOST_S = 20.0


class StubModel:
    """What the stub server answers (`reply`, for every completion) and what it was asked (`prompts`)."""

    def __init__(self) -> None:
        self.reply = ""
        self.prompts: list[str] = []
        self.url = ""


def _handler(model: StubModel) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            self.send_json(
                {"object": "list", "data": [{"id": "stub", "object": "model", "created": 0, "owned_by": "test"}]}
            )

        def do_POST(self) -> None:
            request = self.read_json()
            model.prompts.append(str(request.get("prompt", "")))
            choice = {"index": 0, "text": model.reply, "finish_reason": "stop", "logprobs": None}
            self.send_json(
                {
                    "id": "cmpl-stub",
                    "object": "text_completion",
                    "created": 0,
                    "model": "stub",
                    "choices": [choice],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )

    return Handler


@contextmanager
def stub_server() -> Iterator[StubModel]:
    """An OpenAI-compatible server (/v1/models, /v1/completions) that answers every completion with `reply`."""
    model = StubModel()
    with serving(_handler(model)) as url:
        model.url = url
        yield model


def _trickle(conn: socket.socket, stop: threading.Event) -> None:
    """Answer 200 with a long JSON body, one space every TRICKLE_EVERY_S: every read gets a byte, none the end."""
    with conn:
        try:
            conn.settimeout(TRICKLE_FOR_AT_MOST_S)
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
            end = time.monotonic() + TRICKLE_FOR_AT_MOST_S
            while time.monotonic() < end and not stop.wait(TRICKLE_EVERY_S):
                conn.sendall(b" ")
        except OSError:  # the client went away: done
            pass


@contextmanager
def trickling_server() -> Iterator[str]:
    """The base URL of a server that never finishes an answer but never goes quiet for a client's read timeout."""
    stop = threading.Event()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=_trickle, args=(conn, stop), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
