"""Checks shared by the message and invitation builders: header-safe text, e-mail addresses."""

from __future__ import annotations

import hashlib
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


# A forgotten person's address is replaced by one under the .invalid domain (RFC 2606), which no
# mail server accepts: a record can say an e-mail went to "a person since forgotten", and nothing
# can ever be sent there.
REDACTED_DOMAIN = "redacted.invalid"


def address_key(address: str) -> str:
    """How an address is compared: trimmed and in lower case (Jane.Doe@X and jane.doe@x are one person)."""
    return address.strip().lower()


def address_sha256(address: str) -> str:
    return hashlib.sha256(address_key(address).encode("utf-8")).hexdigest()


def redacted_address(address: str) -> str:
    """The stand-in kept where a forgotten person's address was, e.g. forgotten-1a2b3c4d5e6f@redacted.invalid."""
    return f"forgotten-{address_sha256(address)[:12]}@{REDACTED_DOMAIN}"


def is_redacted(address: str) -> bool:
    return address_key(address).endswith("@" + REDACTED_DOMAIN)
