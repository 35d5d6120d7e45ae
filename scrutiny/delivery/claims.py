"""Who holds a delivery claim, so that a run can tell a claim whose process died from one in use.

A recipient's e-mail is claimed before it is sent. When the claiming process is killed (a crash, the
OOM killer, a power cut) the claim stays behind; waiting for it to expire would leave the e-mail
unsent by the next run, which reports nothing owed. So a claim names its process: the machine (host
name and boot), the pid and the kernel's start time of that pid. A claim taken on this machine in
this boot by a process that no longer runs is abandoned, and can be settled at once; one whose
process still runs is never taken over; a claim from another machine is only settled by its age.
"""

from __future__ import annotations

import os
import socket
import uuid
from functools import cache
from pathlib import Path

from scrutiny.documents.office_files import process_start_time

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@cache
def _machine() -> str:
    """This machine in this boot: a pid means nothing elsewhere, or after a restart."""
    try:
        boot = _BOOT_ID.read_text().strip()
    except OSError:
        boot = ""
    return f"{socket.gethostname()}/{boot}"


def new_claim() -> str:
    """A claim for this process: '<token>|<host>/<boot>|<pid>|<start time>'."""
    pid = os.getpid()
    return f"{uuid.uuid4().hex}|{_machine()}|{pid}|{process_start_time(pid) or ''}"


def claim_holder_alive(claim: str) -> bool | None:
    """Whether the process that took `claim` still runs; None when this machine cannot tell (another
    machine, another boot, no boot ID, or a claim from before owners were recorded)."""
    parts = claim.split("|")
    if len(parts) != 4 or not parts[2].isdigit():
        return None
    _token, machine, pid, started = parts
    if machine != _machine() or machine.endswith("/"):
        return None
    return process_start_time(int(pid)) == (started or None)
