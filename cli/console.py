"""The `scrutiny` console script: Ctrl-C handled from the first instruction, and a quick exit.

Importing the CLI takes about a second. A SIGINT or SIGTERM in that time exits with 130 and the
usual one line (nothing has started yet); `cli.main` takes over the signals after that.

When the command is done, the process runs the at-exit handlers and leaves without CPython's
teardown of every module (Prefect's, SQLAlchemy's, pydantic's): that teardown does nothing for
the user and takes one to two seconds of every flow command. Prefect's background clients were
already drained by `scrutiny.runtime.prefect_api`, and only daemon threads remain.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from types import FrameType

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")  # before Prefect is first imported
os.environ.setdefault("PREFECT_INTERNAL_LOGGING_LEVEL", "CRITICAL")  # its EventsWorker's at-exit warnings
os.environ.setdefault("DO_NOT_TRACK", "1")  # no SDK telemetry from a council's tool (see cli/main.py)

from scrutiny.runtime.interrupts import EXIT_CODE, HANDLED_SIGNALS, interrupt_message


def _before_start(signum: int, frame: FrameType | None) -> None:
    for handled in HANDLED_SIGNALS:
        signal.signal(handled, signal.SIG_IGN)  # one line, however many signals follow
    print(interrupt_message(signum), file=sys.stderr, flush=True)
    raise SystemExit(EXIT_CODE)


def main() -> None:
    for signum in HANDLED_SIGNALS:
        signal.signal(signum, _before_start)
    from cli.main import main as cli_main

    code = cli_main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach the reader anyway
            pass
    atexit._run_exitfuncs()  # what a normal exit runs (log handlers, temporary folders, ...)
    os._exit(code)
