"""File-name-safe slugs for names that come from configuration."""

from __future__ import annotations

import re
import unicodedata


def safe_slug(text: str, max_length: int = 60) -> str:
    """A file-name-safe slug: lowercase ASCII letters, digits and single hyphens; never empty."""
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_length].rstrip("-")
    return slug or "untitled"[:max_length]
