"""Checks for a PDF response: readable, not encrypted, within the page limit."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from pypdf import PdfReader

from scrutiny.intake.model import IntakeLimits, RefusedDocument


def check_pdf(path: Path, limits: IntakeLimits, name: str) -> int:
    """The PDF's page count, or a refusal. pypdf never decodes a content stream to count pages."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # pypdf logs each repair it makes; the refusal says enough
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _pages(path, limits, name)
    finally:
        logger.setLevel(level)


def _pages(path: Path, limits: IntakeLimits, name: str) -> int:
    try:
        reader = PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many error types, and recursion or key errors on hostile files
        raise RefusedDocument(f"{name}: not a readable PDF ({type(exc).__name__})") from None
    if encrypted:
        raise RefusedDocument(
            f"{name}: the PDF is encrypted (password-protected or restricted); ask for an unprotected copy"
        )
    try:
        declared = len(reader.pages)  # the page tree's /Count
        if declared > limits.max_pdf_pages:
            raise RefusedDocument(
                f"{name}: the PDF has {declared} pages, more than the limit of {limits.max_pdf_pages}"
            )
        if declared > 0:
            reader.pages[0].mediabox  # noqa: B018 (flattens the page tree: it must hold real pages)
        pages = len(reader.pages)
    except RefusedDocument:
        raise
    except Exception as exc:
        raise RefusedDocument(f"{name}: not a readable PDF ({type(exc).__name__})") from None
    if pages < 1:
        raise RefusedDocument(f"{name}: the PDF has no pages")
    if pages > limits.max_pdf_pages:
        raise RefusedDocument(f"{name}: the PDF has {pages} pages, more than the limit of {limits.max_pdf_pages}")
    return pages
