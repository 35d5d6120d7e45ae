"""Ctrl-C and SIGTERM: one exception in the main thread, cleanup that is not cut short, a bounded exit.

The first SIGINT or SIGTERM raises `Interrupted` where the main thread is, so `finally` blocks
run: open transactions roll back, temporary files are removed, the temporary Prefect server is
stopped. Later signals are ignored while that happens. Code that must finish once started (stopping
a server, draining Prefect's clients) runs under `interrupts_deferred()`. In the command's own
process a deadline then guarantees the exit, whatever the engine's threads are waiting for.

Prefect's flow engine discards a BaseException that arrives after a flow's own code returned
(while it tears the run down), and the command would carry on. An `Interrupted` that is freed
before the CLI acknowledged it was swallowed like that, so it is raised again.
"""

from __future__ import annotations

import _thread
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TextIO

EXIT_CODE = 130
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM reached the command (a KeyboardInterrupt, so `except Exception` lets it pass)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    def __del__(self) -> None:
        # Freed without reaching the CLI: something swallowed it. A helper thread raises a new one
        # in the main thread shortly (not from here: an exception in __del__ is only printed).
        if _state.active and not _state.acknowledged:
            _state.redeliver = True
            _state.redeliver_soon.set()


class _State:
    def __init__(self) -> None:
        self.active = False
        self.received: int | None = None
        self.raised = False
        self.redeliver = False
        self.acknowledged = False
        self.deferred = 0
        self.exit_deadline_s: float | None = None
        self.reported = False
        self.report_lock = threading.Lock()
        self.redeliver_soon = threading.Event()


_state = _State()


def interrupt_message(signum: int | None) -> str:
    name = signal.Signals(signum).name if signum is not None else "interrupt"
    return (
        f"scrutiny: interrupted ({name}): finished work is kept and nothing half-written is left; "
        "run the command again to complete it"
    )


def received_signal() -> int | None:
    """The signal that interrupted the command, if one did."""
    return _state.received


def report_interrupted(stream: TextIO | None = None) -> None:
    """Print the one line an interrupted command leaves, once, whoever gets there first.

    Called by the CLI when the interruption reached it: from then on nothing is raised again.
    """
    _state.acknowledged = True
    with _state.report_lock:
        if _state.reported:
            return
        _state.reported = True
    line = interrupt_message(_state.received) + "\n"
    if stream is not None:
        stream.write(line)
        stream.flush()
    else:  # from the deadline thread: no buffered stream whose lock the main thread may hold
        os.write(2, line.encode())


@contextmanager
def interrupts_handled(*, exit_deadline_s: float | None = None) -> Iterator[None]:
    """Turn SIGINT and SIGTERM into one `Interrupted` for the duration of a command.

    `exit_deadline_s` is for the command's own process only: that long after the first signal
    it exits with code 130 even if some thread still waits (never set it inside a test runner).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are delivered to the main thread only; nothing to install here
        return
    _reset()
    _state.exit_deadline_s = exit_deadline_s
    previous = {signum: signal.getsignal(signum) for signum in HANDLED_SIGNALS}
    for signum in HANDLED_SIGNALS:
        signal.signal(signum, _handle)
    _state.active = True
    try:
        yield
    finally:
        _state.active = False
        if exit_deadline_s is None:  # in-process use: give the caller its handlers back
            for signum, handler in previous.items():
                signal.signal(signum, handler)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Let the block finish; a signal received inside is raised when it ends."""
    _state.deferred += 1
    try:
        yield
    finally:
        _state.deferred -= 1
    if (
        _state.deferred == 0
        and _state.active
        and _state.received is not None
        and not (_state.raised or _state.acknowledged)
    ):
        _state.raised = True
        raise Interrupted(_state.received)


def _handle(signum: int, frame: FrameType | None) -> None:
    if not _state.active or _state.acknowledged:
        return  # the command has finished, or is already stopping: let it
    if _state.received is None:
        _state.received = signum
        threading.Thread(target=_redeliver_when_swallowed, name="scrutiny-interrupt-redelivery", daemon=True).start()
        if _state.exit_deadline_s is not None:
            _exit_after(_state.exit_deadline_s, EXIT_CODE, report=True)
    elif _state.redeliver:
        _state.redeliver = False
    else:
        return  # a second Ctrl-C while the first is being handled
    if _state.deferred == 0:
        _state.raised = True
        raise Interrupted(_state.received)
    _state.raised = False  # raised when the deferred block ends


def _redeliver_when_swallowed() -> None:
    while _state.active and not _state.acknowledged:
        if _state.redeliver_soon.wait(timeout=0.5):
            _state.redeliver_soon.clear()
            time.sleep(0.05)  # let the main thread leave whatever freed the exception
            if _state.active and not _state.acknowledged and _state.received is not None:
                _thread.interrupt_main(signal.Signals(_state.received))  # runs _handle in the main thread


def exit_within(seconds: float, code: int) -> None:
    """In the command's own process: if the interpreter has not exited `seconds` from now, exit hard.

    The engine's at-exit hooks wait without a bound for a server that may be gone; this bounds them.
    """
    _exit_after(seconds, code, report=False)


def _exit_after(seconds: float, code: int, *, report: bool) -> None:
    def expire(*_: Any) -> None:
        time.sleep(seconds)
        if report:
            report_interrupted()
        os._exit(code)

    threading.Thread(target=expire, name="scrutiny-exit-deadline", daemon=True).start()


def _reset() -> None:
    _state.received = None
    _state.raised = False
    _state.redeliver = False
    _state.acknowledged = False
    _state.deferred = 0
    _state.reported = False
    _state.redeliver_soon.clear()


__all__ = [
    "EXIT_CODE",
    "Interrupted",
    "exit_within",
    "interrupt_message",
    "interrupts_deferred",
    "interrupts_handled",
    "received_signal",
    "report_interrupted",
]
