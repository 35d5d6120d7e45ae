"""Who holds a delivery claim, so that a claim whose holder has gone is taken back at once.

A run claims a recipient (pending -> sending) before it sends. The fault trials found that when
the run then cannot write the release or the "sent" mark (the disk holding the database is
full, or the run is killed), the claim stood for the whole STALE_CLAIM window and the next run
skipped the e-mail. So a claim names its holder: host, process ID and the process's start time
(a reused process ID is not the same process), and the holder keeps it in its in-flight set while
it sends. A claim made on this host is abandoned when its process is gone, or when it is this
very process's and no longer in flight. A claim from another host still waits for the window.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid

from scrutiny.documents.office_files import process_start_time

_SEPARATOR = "|"
_in_flight: set[str] = set()
_lock = threading.Lock()


def new_claim() -> str:
    """A claim token naming this process; in flight until `finished` is called with it."""
    pid = os.getpid()
    token = _SEPARATOR.join((socket.gethostname(), str(pid), process_start_time(pid) or "", uuid.uuid4().hex))
    with _lock:
        _in_flight.add(token)
    return token


def finished(token: str) -> None:
    with _lock:
        _in_flight.discard(token)


def abandoned(claim: str) -> bool:
    """Whether nobody can still be sending under ``claim`` (a claim of another host: not known, so False)."""
    parts = claim.split(_SEPARATOR)
    if len(parts) != 4 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid, started = int(parts[1]), parts[2]
    if not started:
        return False  # its holder could not be told apart from a later process with the same ID
    if pid == os.getpid() and started == process_start_time(pid):
        with _lock:
            return claim not in _in_flight
    return process_start_time(pid) != started
