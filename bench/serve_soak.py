"""Soak `git octo serve` on loopback: normal requests alone (the baseline), then normal and hostile requests together
for a fixed time; prints the normal requests' latency (p50/p99) in both phases and the server's memory before/after.

    python -m bench.serve_soak --duration 60            # the tiny random model of the tests, built in a temp dir
    python -m bench.serve_soak --model DIR --duration 60

Targets (issue 13): normal-request p99 under 2 s during the soak; the server's RSS back within 10% of its start
once the soak is over and the server idle (start = after a warm-up: normal requests, then one request of each kind).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
NORMAL_PROMPTS = ["def add(", "fn add(a: i32", "Fix typo in", "function add(a, b) {", "func Add("]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def metrics(base: str) -> dict[str, int]:
    text = httpx.get(f"{base}/metrics", timeout=30).text
    return {name: int(value) for name, value in (line.split() for line in text.splitlines())}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Soak:
    def __init__(self, base: str) -> None:
        self.base = base
        self.latencies: list[float] = []
        self.normal_errors: Counter[str] = Counter()
        self.hostile: Counter[str] = Counter()
        self.lock = threading.Lock()

    def normal(self, rng: random.Random) -> None:
        body = {
            "prompt": rng.choice(NORMAL_PROMPTS),
            "max_tokens": 16,
            "temperature": rng.choice([0, 0.7]),
            "seed": rng.randrange(100),
        }
        start = time.monotonic()
        try:
            response = httpx.post(f"{self.base}/v1/completions", json=body, timeout=60)
            outcome = "ok" if response.status_code == 200 else str(response.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        with self.lock:
            if outcome == "ok":
                self.latencies.append(time.monotonic() - start)
            else:
                self.normal_errors[outcome] += 1

    def hostile_request(self, rng: random.Random) -> None:
        kind, send = rng.choice(HOSTILE)
        try:
            outcome = send(self.base)
        except httpx.TimeoutException:
            outcome = "client gave up"
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        with self.lock:
            self.hostile[f"{kind}: {outcome}"] += 1


def _post(base: str, body: Any, timeout: float, raw: bytes | None = None) -> str:
    if raw is None:
        response = httpx.post(f"{base}/v1/completions", json=body, timeout=timeout)
    else:
        response = httpx.post(
            f"{base}/v1/completions", content=raw, timeout=timeout, headers={"content-type": "application/json"}
        )
    return str(response.status_code)


def _leave_at_once(base: str) -> str:
    """Send a long request on a raw socket and close it without reading the answer."""
    host, port = base.removeprefix("http://").split(":")
    payload = json.dumps({"prompt": "def add(", "max_tokens": 10**9, "temperature": 0}).encode()
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        time.sleep(0.3)
    return "closed"


def _chunked_huge(base: str) -> str:
    def chunks() -> Any:
        yield b'{"prompt": "'
        for _ in range(300):
            yield b"x" * 10_000
        yield b'"}'

    response = httpx.post(
        f"{base}/v1/completions", content=chunks(), timeout=30, headers={"content-type": "application/json"}
    )
    return str(response.status_code)


HOSTILE: list[tuple[str, Callable[[str], str]]] = [
    (
        "max_tokens 1e9, waits 30 s",
        lambda b: _post(b, {"prompt": "def add(", "max_tokens": 10**9, "temperature": 0}, 30),
    ),
    (
        "max_tokens 1e9, leaves after 1 s",
        lambda b: _post(b, {"prompt": "fn add(", "max_tokens": 10**9, "temperature": 0.9}, 1.0),
    ),
    (
        "n=128 x 1e9 tokens, leaves after 2 s",
        lambda b: _post(b, {"prompt": "def f(", "n": 128, "max_tokens": 10**9, "temperature": 1.0}, 2.0),
    ),
    ("leaves at once", _leave_at_once),
    ("5 MB prompt", lambda b: _post(b, {"prompt": "x" * 5_000_000}, 30)),
    ("3 MB chunked body", _chunked_huge),
    ("prompt over the context", lambda b: _post(b, {"prompt": "x = 1\n" * 6000, "max_tokens": 1}, 60)),
    ("temperature NaN", lambda b: _post(b, None, 30, b'{"prompt": "x", "temperature": NaN}')),
    ("seed 2^64", lambda b: _post(b, {"prompt": "x", "seed": 2**64}, 30)),
    ("max_tokens 0", lambda b: _post(b, {"prompt": "x", "max_tokens": 0}, 30)),
]


def run_clients(soak: Soak, seconds: float, normal: int, hostile: int) -> None:
    stop = time.monotonic() + seconds

    def loop(work: Callable[[random.Random], None], seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            work(rng)

    threads = [threading.Thread(target=loop, args=(soak.normal, i)) for i in range(normal)]
    threads += [threading.Thread(target=loop, args=(soak.hostile_request, 100 + i)) for i in range(hostile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="model directory [default: the tests' tiny model]")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of soak (normal and hostile)")
    parser.add_argument("--baseline", type=float, default=15.0, help="seconds of normal requests alone, first")
    parser.add_argument("--normal-clients", type=int, default=4)
    parser.add_argument("--hostile-clients", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            from tests.support.tiny_model import build_tiny_model

            model = build_tiny_model(Path(tmp) / "tiny-model")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "gitocto", "serve", "--model", str(model), "--port", str(port), "--device", "cpu"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if httpx.get(f"{base}/v1/models", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            warm = Soak(base)
            run_clients(warm, 5.0, args.normal_clients, 0)
            rss_cold = rss_mb(server.pid)
            # Every kind of request once, so first-use allocations (the longest sequences' buffers) are not
            # counted as growth; then idle until the server has handed freed memory back.
            for _, send in HOSTILE:
                try:
                    send(base)
                except httpx.HTTPError:
                    pass
            while metrics(base)["gitocto_requests_running"]:
                time.sleep(0.2)
            time.sleep(3.0)
            rss_start = rss_mb(server.pid)

            baseline = Soak(base)
            run_clients(baseline, args.baseline, args.normal_clients, 0)
            soak = Soak(base)
            started = time.monotonic()
            run_clients(soak, args.duration, args.normal_clients, args.hostile_clients)
            soak_s = time.monotonic() - started
            settle = time.monotonic()
            while metrics(base)["gitocto_requests_running"] and time.monotonic() - settle < 120:
                time.sleep(0.2)
            settle_s = time.monotonic() - settle
            time.sleep(3.0)  # the server hands freed memory back after a second of idleness
            rss_end, rss_peak = rss_mb(server.pid), rss_mb(server.pid, "VmHWM")
            stats = metrics(base)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    def line(name: str, s: Soak) -> str:
        return (
            f"{name}: {len(s.latencies)} normal requests, p50 {percentile(s.latencies, 0.5):.3f} s, "
            f"p99 {percentile(s.latencies, 0.99):.3f} s, max {max(s.latencies, default=float('nan')):.3f} s, "
            f"errors {dict(s.normal_errors) or 0}"
        )

    print(
        f"model {model}, {args.normal_clients} normal + {args.hostile_clients} hostile clients, "
        f"load average before: {os.getloadavg()[0]:.1f}"
    )
    print(line(f"baseline ({args.baseline:.0f} s, normal only)", baseline))
    print(line(f"soak ({soak_s:.0f} s, normal + hostile)", soak))
    ratio = percentile(soak.latencies, 0.99) / percentile(baseline.latencies, 0.99)
    print(f"p99 soak / baseline: {ratio:.2f}x")
    print("hostile requests:")
    for outcome, count in sorted(soak.hostile.items()):
        print(f"  {count:5d}  {outcome}")
    print(
        f"server: {stats['gitocto_requests_completed_total']} completed, "
        f"{stats['gitocto_requests_cancelled_total']} cancelled, {stats['gitocto_generated_tokens_total']} tokens; "
        f"idle again {settle_s:.1f} s after the soak"
    )
    change = (rss_end - rss_start) / rss_start
    print(
        f"RSS: after normal warm-up {rss_cold:.0f} MB; start (after one request of each kind) {rss_start:.0f} MB, "
        f"end {rss_end:.0f} MB ({change:+.1%}), peak {rss_peak:.0f} MB"
    )
    p99_ok = percentile(soak.latencies, 0.99) < 2.0
    mem_ok = abs(change) <= 0.10
    print(f"targets: p99 < 2 s {'met' if p99_ok else 'NOT met'}; memory within 10% {'met' if mem_ok else 'NOT met'}")
    return 0 if p99_ok and mem_ok and not soak.normal_errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
