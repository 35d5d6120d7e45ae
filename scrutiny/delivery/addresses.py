"""Checks shared by the message and invitation builders: header-safe text, e-mail addresses."""

from __future__ import annotations

import re
from email.utils import parseaddr

from scrutiny.errors import ScrutinyError

_ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def header_text(field: str, value: str) -> str:
    """A single-line header value; a line break would let a value inject headers."""
    if "\r" in value or "\n" in value:
        raise ScrutinyError(f"e-mail {field} {value!r}: must be on one line")
    if not value.strip():
        raise ScrutinyError(f"e-mail {field}: must not be empty")
    return value.strip()


def mailbox(field: str, value: str) -> str:
    """'a@b.example' or 'Name <a@b.example>', checked; returned unchanged but trimmed."""
    text = header_text(field, value)
    _name, address = parseaddr(text)
    if not _ADDRESS.match(address):
        raise ScrutinyError(f"e-mail {field} {value!r}: not an e-mail address")
    return text


def bare_address(field: str, value: str) -> str:
    """Just the address part of a mailbox, for calendar ``mailto:`` values."""
    return parseaddr(mailbox(field, value))[1]
