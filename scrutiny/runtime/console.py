"""The `scrutiny` console script: Ctrl-C is handled from the first instruction, not after the imports.

Importing the CLI takes about a second. A SIGINT or SIGTERM in that time exits with 130 and the
usual one line (nothing has started yet); `scrutiny.cli.main` takes over the signals after that.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from scrutiny.runtime.interrupts import EXIT_CODE, HANDLED_SIGNALS, interrupt_message


def _before_start(signum: int, frame: FrameType | None) -> None:
    for handled in HANDLED_SIGNALS:
        signal.signal(handled, signal.SIG_IGN)  # one line, however many signals follow
    print(interrupt_message(signum), file=sys.stderr, flush=True)
    raise SystemExit(EXIT_CODE)


def main() -> None:
    for signum in HANDLED_SIGNALS:
        signal.signal(signum, _before_start)
    from scrutiny.cli.main import main as cli_main

    sys.exit(cli_main())
