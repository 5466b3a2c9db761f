"""The Hugging Face hub, offline: find out quickly whether it can be reached, and fail in one line when not.

Without a network, huggingface_hub retries each request for tens of seconds before giving up. So a command that
is about to use a hub name (a model or tokenizer id, or HumanEvalPack from the hub) first calls `prepare`: one
connection to the hub (HF_ENDPOINT, or the proxy when one is set) that must answer, with a TLS handshake or an
HTTP reply, within `PROBE_TIMEOUT_S`; done once per process. When it fails, HF_HUB_OFFLINE, HF_DATASETS_OFFLINE
and TRANSFORMERS_OFFLINE are set before any Hugging Face library is imported: names already in the local cache
still load, and a miss fails at once, in one line (`explain`) that says what to pass instead.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from gitocto.errors import OctoError

DEFAULT_ENDPOINT = "https://huggingface.co"
HUMANEVALPACK = "bigcode/humanevalpack"  # as gitocto.bench.data.HUB_DATASET
PROBE_TIMEOUT_S = 1.5
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
_TRUE = ("1", "true", "yes", "on")


@dataclass
class _State:
    probed: dict[tuple[str, int], bool] = field(default_factory=dict)
    # hub name -> what to pass instead, for names a command wanted while the hub was out of reach
    unreachable: dict[str, str] = field(default_factory=dict)
    address: tuple[str, int] | None = None


_state = _State()


def endpoint() -> str:
    """The hub's base URL (HF_ENDPOINT, else huggingface.co)."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _proxy_for(url: str) -> str | None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    for entry in filter(None, (e.strip().lstrip(".") for e in no_proxy.split(","))):
        if entry == "*" or host == entry or host.endswith("." + entry):
            return None
    keys = ("HTTPS_PROXY", "https_proxy") if parts.scheme == "https" else ("HTTP_PROXY", "http_proxy")
    for key in (*keys, "ALL_PROXY", "all_proxy"):
        if os.environ.get(key):
            return os.environ[key]
    return None


def probe_address() -> tuple[str, int]:
    """The host and port a hub request would connect to first: the proxy's when one applies, else the hub's."""
    url = _proxy_for(endpoint()) or endpoint()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "", port


def _answers(address: tuple[str, int], result: list[bool]) -> None:
    """Whether a hub (or proxy) answers at `address`: a TLS handshake for https, an HTTP reply for http.

    An open TCP port alone proves little: some networks accept every connection and then say nothing.
    """
    parts = urlsplit(endpoint())
    direct = address == (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    try:
        with socket.create_connection(address, timeout=PROBE_TIMEOUT_S) as sock:
            if direct and parts.scheme == "https":
                with ssl.create_default_context().wrap_socket(sock, server_hostname=address[0]):
                    pass
            else:  # plain http, or a proxy: any HTTP reply will do
                sock.sendall(f"HEAD / HTTP/1.0\r\nHost: {address[0]}\r\n\r\n".encode())
                if not sock.recv(5).startswith(b"HTTP/"):
                    raise OSError("not an HTTP server")
        result.append(True)
    except (OSError, ValueError):
        result.append(False)


def reachable(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether the hub (or its proxy) answers within `timeout` seconds; cached per process.

    Name resolution has no timeout of its own, so the probe runs in a daemon thread that is abandoned when it
    takes too long.
    """
    address = probe_address()
    if address not in _state.probed:
        result: list[bool] = []
        worker = threading.Thread(target=_answers, args=(address, result), daemon=True, name="gitocto-hub-probe")
        worker.start()
        worker.join(timeout)
        _state.probed[address] = bool(result and result[0])
        _state.address = address
    return _state.probed[address]


def offline_requested() -> bool:
    """Whether the user already asked for offline mode (HF_HUB_OFFLINE or one of its siblings)."""
    return any(os.environ.get(key, "").lower() in _TRUE for key in OFFLINE_VARIABLES)


def is_hub_name(name: str | None) -> bool:
    """True for something that would be looked up on the hub: not empty, and not an existing local path."""
    if not name:
        return False
    if name.startswith((".", "/", "~")) or os.sep in name.strip("/").replace("/", "", 1):
        return False
    return not Path(name).expanduser().exists()


def prepare(names: dict[str | None, str], fail_now: bool = True) -> bool:
    """Before a command uses hub `names` (name -> what to pass instead): go offline at once if the hub is out of
    reach, and (with `fail_now`) fail at once, in one OctoError line, for a name that is not cached either.

    With HF_HUB_OFFLINE set by the user, the command runs as usual and `explain` rewords a miss. Returns True when
    the hub will not be asked.
    """
    wanted = {name: instead for name, instead in names.items() if name and is_hub_name(name)}
    if not wanted:
        return False
    if offline_requested():  # the user's choice: the libraries fail fast by themselves, after the usual checks
        _state.unreachable.update(wanted)
        return True
    if reachable():
        return False
    for key in OFFLINE_VARIABLES:
        os.environ[key] = "1"
    _honour_late_offline()
    if not fail_now:  # the command says what a miss means in its own words
        return True
    _state.unreachable.update(wanted)
    for name in wanted:
        if not in_cache(name):  # fail now, before minutes of imports end in the same miss
            raise OctoError(explain(name))
    return True


def _hf_home() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(os.environ.get("HF_HOME") or os.path.join(cache, "huggingface")).expanduser()


def hub_cache() -> Path:
    """huggingface_hub's cache directory (HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, else <HF_HOME>/hub)."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    return Path(explicit).expanduser() if explicit else _hf_home() / "hub"


def in_cache(name: str) -> bool:
    """Whether the local Hugging Face caches hold anything for `name` (a model, or a dataset for HumanEvalPack).

    A cheap directory test, made without importing huggingface_hub; a partial download passes it, and the library
    then says what is missing.
    """
    repo = name.replace("/", "--")
    for kind in ("models", "datasets"):
        snapshots = hub_cache() / f"{kind}--{repo}" / "snapshots"
        if snapshots.is_dir() and any(snapshots.iterdir()):
            return True
    datasets_cache = Path(os.environ.get("HF_DATASETS_CACHE") or _hf_home() / "datasets").expanduser()
    prefix = name.replace("/", "___")
    return datasets_cache.is_dir() and any(p.name.startswith(prefix) for p in datasets_cache.iterdir())


def need_model(name: object, flag: str = "--model", fail_now: bool = True) -> bool:
    """`prepare` for a model (or tokenizer) id given with `flag`."""
    what = "tokenizer" if "tokenizer" in flag else "model"
    return prepare({str(name or ""): f"pass {flag} with a local {what} directory (see docs/offline.md)"}, fail_now)


def need_humanevalpack(data_dir: object, needed: bool = True) -> bool:
    """`prepare` for HumanEvalPack, which comes from the hub unless `data_dir` is given (or it is not `needed`)."""
    name = HUMANEVALPACK if needed and not data_dir else None
    return prepare({name: "pass --data-dir with HumanEvalPack's <lang>.jsonl files (see docs/offline.md)"})


def _honour_late_offline() -> None:
    """huggingface_hub reads HF_HUB_OFFLINE once, at import: when it is already imported, set its constant too."""
    import sys

    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        constants.HF_HUB_OFFLINE = True  # type: ignore[attr-defined]


def explain(message: str) -> str:
    """`message` (an error) as one line that says what to pass instead, when it is about a name the hub could not
    serve; otherwise `message` unchanged."""
    for name, instead in _state.unreachable.items():
        if name in message:
            where = (
                "is offline (HF_HUB_OFFLINE)"
                if _state.address is None
                else (f"cannot be reached ({_state.address[0]}:{_state.address[1]})")
            )
            return f"{name} is not in the local Hugging Face cache and the hub {where}; {instead}"
    return message


def reset() -> None:
    """Forget the probe and the names (tests)."""
    _state.probed.clear()
    _state.unreachable.clear()
    _state.address = None
