"""Processes `scrutiny server start` leaves running: started detached, found again by PID and start
time, and ended with their whole tree. Nothing here ever looks a process up by its name."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scrutiny.runtime.server_state import ProcessRecord, process_start_ticks


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    session: int
    start_ticks: int


def spawn_detached(
    name: str, argv: Sequence[str], *, env: Mapping[str, str], log_path: Path, cwd: Path
) -> ProcessRecord:
    """Start a process in its own session, so it outlives the terminal and the command that started it."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    ticks = process_start_ticks(process.pid)
    # Dropping the Popen object leaves the child alone; a child that already died is reaped here.
    if ticks is None:
        process.wait(timeout=5)
        return ProcessRecord(name=name, pid=process.pid, pgid=process.pid, start_ticks=-1)
    return ProcessRecord(name=name, pid=process.pid, pgid=process.pid, start_ticks=ticks)


def reap_if_child(pid: int) -> None:
    """Collect a dead child of this process, so it is not left as a zombie that looks alive."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _read_process(pid: int) -> ProcessInfo | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return ProcessInfo(pid=pid, ppid=int(fields[1]), session=int(fields[3]), start_ticks=int(fields[19]))


def all_processes() -> list[ProcessInfo]:
    found: list[ProcessInfo] = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _read_process(int(entry))
            if info is not None:
                found.append(info)
    return found


def process_tree(records: Iterable[ProcessRecord]) -> list[ProcessInfo]:
    """Every live process that belongs to a recorded one: its session, and any descendant.

    A member counts only if it started no earlier than the recorded process, so a session
    or PID number reused by an unrelated process since is never included.
    """
    table = all_processes()
    members: dict[int, ProcessInfo] = {}
    for record in records:
        for info in table:
            if info.start_ticks < record.start_ticks:
                continue
            if (info.pid == record.pid and info.start_ticks == record.start_ticks) or info.session == record.pgid:
                members[info.pid] = info
    # Flow-run processes are started in sessions of their own: follow parent links as well.
    grew = True
    while grew:
        grew = False
        for info in table:
            parent = members.get(info.ppid)
            if info.pid not in members and parent is not None and info.start_ticks >= parent.start_ticks:
                members[info.pid] = info
                grew = True
    return list(members.values())


def _still_alive(processes: Iterable[ProcessInfo]) -> list[ProcessInfo]:
    alive = []
    for info in processes:
        reap_if_child(info.pid)
        if process_start_ticks(info.pid) == info.start_ticks:
            alive.append(info)
    return alive


def _signal(info: ProcessInfo, signum: int) -> None:
    if process_start_ticks(info.pid) != info.start_ticks:
        return  # gone, or its PID now belongs to someone else
    try:
        os.kill(info.pid, signum)
    except ProcessLookupError:
        pass


def terminate(records: Sequence[ProcessRecord], *, grace_s: float = 20.0) -> list[ProcessInfo]:
    """SIGTERM each recorded process, wait, then SIGKILL what is left of their trees.

    Returns the processes that survived even SIGKILL (none, in practice).
    """
    tree = process_tree(records)
    leaders = [info for info in tree if any(r.pid == info.pid for r in records)]
    for info in leaders:
        _signal(info, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while _still_alive(leaders) and time.monotonic() < deadline:
        time.sleep(0.2)
    # The leaders have had their chance to end their own children; what remains is killed.
    tree = _still_alive({p.pid: p for p in [*tree, *process_tree(records)]}.values())
    for info in tree:
        _signal(info, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while (left := _still_alive(tree)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def port_listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen there (as uvicorn does, connections in TIME_WAIT do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True
