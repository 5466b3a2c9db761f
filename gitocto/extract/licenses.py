"""The SPDX id of a licence text, from phrases that only that licence contains.

A compact matcher rather than a full SPDX template engine: each rule lists phrases that must all appear (after
lower-casing and collapsing whitespace) and the first rule that matches wins, so the more specific licences
(AGPL before GPL, LGPL before GPL, BSD-3 before BSD-2) come first. Unknown texts give None.
"""

from __future__ import annotations

import re

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
    ("ISC", ("permission to use, copy, modify, and/or distribute this software for any purpose",
             "provided that the above copyright notice")),
    ("0BSD", ("permission to use, copy, modify, and/or distribute this software for any purpose",)),
    ("BSD-4-Clause", ("redistribution and use in source and binary forms", "all advertising materials mentioning")),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "neither the name")),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",)),
    ("Zlib", ("altered source versions must be plainly marked as such",)),
    ("MIT", ("permission is hereby granted, free of charge",)),
    ("Artistic-2.0", ("artistic license 2.0",)),
)
_SPACE = re.compile(r"\s+")


def detect_license(text: str | None) -> str | None:
    """The SPDX id of `text` (a licence file's contents), or None when no rule recognises it."""
    if not text:
        return None
    flat = _SPACE.sub(" ", text.lower())
    for spdx, phrases in _RULES:
        if all(phrase in flat for phrase in phrases):
            return spdx
    return None


def known_licenses() -> list[str]:
    """The SPDX ids the matcher recognises."""
    return [spdx for spdx, _ in _RULES]
