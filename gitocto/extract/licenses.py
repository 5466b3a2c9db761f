"""The SPDX id of a licence text.

First pre-commit's `identify` (the licence texts of choosealicense.com, matched within a 5% edit distance), which
recognises a licence file that is one standard text. A file that adds to it (a header, several licences, a
project's notes) falls back to phrases that only one licence contains: each rule lists phrases that must all appear
(after lower-casing and collapsing whitespace), the first rule that matches wins, and the GNU family is told apart
by its title alone, since GPL-3.0's and MPL-2.0's own texts name the Affero and Lesser licences further down.
Unknown texts give None.

Records carry both: `license` is GitHub's lower-case licence key, as CommitPack's `license` column (`mit`,
`apache-2.0`, `bsd-3-clause`), and `license_spdx` the SPDX id (`MIT`, `Apache-2.0`, `BSD-3-Clause`).
"""

from __future__ import annotations

import os
import re
import tempfile

_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AGPL-3.0", ("gnu affero general public license",)),
    ("LGPL-3.0", ("gnu lesser general public license", "version 3")),
    ("LGPL-2.1", ("gnu lesser general public license", "version 2.1")),
    ("LGPL-2.0", ("gnu library general public license",)),
    ("GPL-3.0", ("gnu general public license", "version 3")),
    ("GPL-2.0", ("gnu general public license", "version 2")),
    ("Apache-2.0", ("apache license", "version 2.0")),
    ("MPL-2.0", ("mozilla public license", "2.0")),
    ("EPL-2.0", ("eclipse public license", "2.0")),
    ("EPL-1.0", ("eclipse public license", "1.0")),
    ("BSL-1.0", ("boost software license",)),
    ("Unlicense", ("this is free and unencumbered software released into the public domain",)),
    ("CC0-1.0", ("cc0 1.0",)),
    ("WTFPL", ("do what the fuck you want to",)),
    (
        "ISC",
        (
            "permission to use, copy, modify, and/or distribute this software for any purpose",
            "provided that the above copyright notice",
        ),
    ),
    ("0BSD", ("permission to use, copy, modify, and/or distribute this software for any purpose",)),
    ("BSD-4-Clause", ("redistribution and use in source and binary forms", "all advertising materials mentioning")),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "neither the name")),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",)),
    ("Zlib", ("altered source versions must be plainly marked as such",)),
    ("MIT", ("permission is hereby granted, free of charge",)),
    ("Artistic-2.0", ("artistic license 2.0",)),
)
# Rules whose phrases must stand in the title, the first characters of the text.
_TITLE_RULES = frozenset({"AGPL-3.0", "LGPL-3.0", "LGPL-2.1", "LGPL-2.0", "GPL-3.0", "GPL-2.0"})
_TITLE_CHARS = 400
_SPACE = re.compile(r"\s+")


def detect_license(text: str | None) -> str | None:
    """The SPDX id of `text` (a licence file's contents), or None when no rule recognises it."""
    if not text:
        return None
    return _identify(text) or _by_phrases(text)


def _identify(text: str) -> str | None:
    from identify.identify import license_id

    # identify reads a file; the text comes from a blob, so it goes through a temporary one.
    fd, name = tempfile.mkstemp(suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        try:
            return license_id(name)
        except (UnicodeDecodeError, ImportError):  # not UTF-8, or identify without its [license] extra
            return None
    finally:
        os.unlink(name)


def _by_phrases(text: str) -> str | None:
    flat = _SPACE.sub(" ", text.lower()).strip()
    title = flat[:_TITLE_CHARS]
    for spdx, phrases in _RULES:
        where = title if spdx in _TITLE_RULES else flat
        if all(phrase in where for phrase in phrases):
            return spdx
    return None


def known_licenses() -> list[str]:
    """The SPDX ids the matcher recognises."""
    return [spdx for spdx, _ in _RULES]


# SPDX ids whose GitHub key is not simply the id lower-cased (GitHub keys the GNU licences without -only/-or-later).
_GITHUB_KEYS = {
    "GPL-2.0-only": "gpl-2.0",
    "GPL-2.0-or-later": "gpl-2.0",
    "GPL-3.0-only": "gpl-3.0",
    "GPL-3.0-or-later": "gpl-3.0",
    "LGPL-2.1-only": "lgpl-2.1",
    "LGPL-2.1-or-later": "lgpl-2.1",
    "LGPL-3.0-only": "lgpl-3.0",
    "LGPL-3.0-or-later": "lgpl-3.0",
    "AGPL-3.0-only": "agpl-3.0",
    "AGPL-3.0-or-later": "agpl-3.0",
}


def github_key(spdx: str | None) -> str | None:
    """GitHub's licence key for an SPDX id ("MIT" -> "mit", "GPL-3.0-only" -> "gpl-3.0"); None stays None."""
    if not spdx:
        return None
    return _GITHUB_KEYS.get(spdx, spdx.lower())


def spdx_of(name: str | None) -> str | None:
    """The SPDX id for a licence given either way (`--license mit` or `--license MIT`): a known id in its own
    spelling, anything else as given."""
    if not name:
        return None
    by_key = {spdx.lower(): spdx for spdx, _ in _RULES}
    return by_key.get(name.lower(), name)
