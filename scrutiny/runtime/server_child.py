"""The temporary Prefect server's own process: it dies with the command that started it.

Run as `python -m scrutiny.runtime.server_child --parent-pid PID --fd FD` by
`scrutiny.runtime.temporary_server`, never by hand. Before anything slow it asks the kernel to
SIGKILL it when its parent dies (PR_SET_PDEATHSIG), checks the parent is still the one that
started it (it may have died while this interpreter was starting), and keeps a watchdog thread
that exits when the parent is gone, for kernels without the parent-death signal. Then it serves
the Prefect API on the listening socket the parent bound, so no port can be taken in between.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCHDOG_INTERVAL_S = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Be killed by the kernel when the parent exits; exit now if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before the line above ran: then this process was re-parented.
    if os.getppid() != parent_pid:
        os._exit(0)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watchdog", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCHDOG_INTERVAL_S)
    os._exit(0)


def serve(fd: int) -> None:
    import uvicorn

    listening = socket.socket(fileno=fd)  # family and type are read from the descriptor
    config = uvicorn.Config(
        "prefect.server.api.server:create_app", factory=True, log_level="error", lifespan="on", access_log=False
    )
    uvicorn.Server(config).run(sockets=[listening])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scrutiny.runtime.server_child")
    parser.add_argument("--parent-pid", type=int, required=True)
    parser.add_argument("--fd", type=int, required=True, help="a socket bound to 127.0.0.1, inherited from the parent")
    args = parser.parse_args(argv)
    die_with_parent(args.parent_pid)
    serve(args.fd)


if __name__ == "__main__":
    main()
