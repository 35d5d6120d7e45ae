"""Find which letter an incoming e-mail or file answers, by the reference the letters print."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

# Word and mail clients turn "-" into these; a reference copied from a letter may carry any of them.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_ALNUM = r"[^\W_]"  # a letter or digit in any script


def find_reference(texts: Iterable[str], known: Collection[str]) -> str | None:
    """The known reference found in ``texts`` (subject, body, file names), or None.

    Matching ignores case and takes whole tokens only: the reference may not run on into a
    letter or digit on either side, nor into "-" and a digit after it (so "…-mopac" is not
    found inside "…-mopac-2"). When several are found, the longest wins, so "…-mopac-2" beats
    "…-mopac"; between equally long ones, the first found. The result is spelled as in ``known``.
    """
    spelled = {reference.lower(): reference for reference in sorted(known, key=len) if reference.strip()}
    if not spelled:
        return None
    alternatives = "|".join(re.escape(reference) for reference in sorted(spelled, key=len, reverse=True))
    # A lookahead match is zero-width, so finditer tries every position: overlapping candidates all count.
    pattern = re.compile(rf"(?<!{_ALNUM})(?=({alternatives})(?!{_ALNUM}|-\d))", re.IGNORECASE)
    best: str | None = None
    for text in texts:
        for found in pattern.finditer(text.translate(_DASHES)):
            candidate = found.group(1).lower()
            if best is None or len(candidate) > len(best):
                best = candidate
    return spelled[best] if best is not None else None
