"""Bytes from git into text without losing any: the non-UTF-8 rule.

Contents and messages that decode as UTF-8 are kept as such. Anything else is decoded as Latin-1, which maps every
byte to one code point, and the record's `*_encoding` column says "latin-1": `value.encode("latin-1")` gives back
the exact original bytes. (Messages with an `encoding` header are re-encoded to UTF-8 by git itself.)
"""

from __future__ import annotations

UTF8 = "utf-8"
LATIN1 = "latin-1"
# git's own test for binary content: a NUL byte in the first 8000 bytes.
_BINARY_PROBE = 8000


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) for `data`: UTF-8 when valid, else Latin-1 so the bytes can be recovered exactly."""
    try:
        return data.decode(UTF8), UTF8
    except UnicodeDecodeError:
        return data.decode(LATIN1), LATIN1


def is_binary(data: bytes) -> bool:
    """True when git would call `data` binary (a NUL byte near the start)."""
    return b"\0" in data[:_BINARY_PROBE]
