"""Progress for long commands: one line per step as it happens, a bar for per-item work.

Flows and services report without knowing about terminals or arguments:

    from scrutiny import progress

    progress.step("Planning the annual updates")              # one line, now
    with progress.step("Starting a temporary Prefect server"):  # a line now, and one with the time at the end
        ...
    with progress.track(total=7, label="Writing letters") as bar:
        bar.advance("lih-2027-01-25-mopac")

The CLI installs a reporter around a command with `with progress.reporting(mode):`. Modes:
`auto` (a rich bar on a terminal, plain lines otherwise), `tty`, `plain` (lines written and
flushed at once: pipes, logs, tests) and `quiet` (nothing). Everything goes to stderr, so stdout
stays the command's result. With no reporter installed every call is a silent no-op, so library
code and tests need no set-up. Calls are thread-safe: Prefect tasks may run in worker threads.
"""

from __future__ import annotations

import contextvars
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import IO, TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["MODES", "Bar", "Mode", "Reporter", "Step", "current", "format_seconds", "reporting", "step", "track"]

Mode = Literal["auto", "tty", "plain", "quiet"]
MODES: tuple[Mode, ...] = ("auto", "tty", "plain", "quiet")


def format_seconds(seconds: float) -> str:
    """'0.4 s', '3.2 s', '14 s', '2 min 5 s': short enough for a progress line."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


class Step:
    """One step of a command. A bare `step()` is one line; used as a context manager it also
    reports, on exit, how long it took (or that it failed)."""

    def __init__(self, reporter: Reporter, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.finished: float | None = None
        self._reporter = reporter

    @property
    def elapsed(self) -> float:
        """Seconds since the step started, or its duration once finished."""
        return (self.finished if self.finished is not None else time.monotonic()) - self.started

    def __enter__(self) -> Step:
        self._reporter._step_managed(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._reporter._step_ended(self, failed=exc_type is not None)


class Bar:
    """Counted work (letters, packs): `advance(item)` once per item done."""

    def __init__(self, reporter: Reporter, label: str, total: int) -> None:
        self.label = label
        self.total = max(0, total)
        self.completed = 0
        self.started = time.monotonic()
        self.finished: float | None = None
        self._reporter = reporter

    @property
    def elapsed(self) -> float:
        return (self.finished if self.finished is not None else time.monotonic()) - self.started

    def advance(self, item: str = "", n: int = 1) -> None:
        """Count `n` more items done; `item` names the last one (e.g. a letter's ID)."""
        self._reporter._bar_advanced(self, item, n)


class Reporter:
    """The quiet reporter; subclasses draw. All bookkeeping happens under one lock."""

    def __init__(self, *, keep_timings: bool = True) -> None:
        self._lock = threading.RLock()
        self._open_bare: Step | None = None
        self._keep_timings = keep_timings
        self.timings: list[tuple[str, float]] = []  # (label, seconds) of every finished step

    # -- the API flows call (through the module functions) -----------------------------

    def step(self, label: str) -> Step:
        with self._lock:
            self._finish_bare()
            started = Step(self, label)
            self._open_bare = started
            self._show_step(started)
            return started

    @contextmanager
    def track(self, total: int, label: str) -> Iterator[Bar]:
        bar = Bar(self, label, total)
        if total == 0:  # nothing to do is not worth a line
            yield bar
            return
        with self._lock:
            self._show_bar_start(bar)
        failed = True
        try:
            yield bar
            failed = False
        finally:
            with self._lock:
                bar.finished = time.monotonic()
                self._show_bar_end(bar, failed=failed)

    def close(self) -> None:
        with self._lock:
            self._finish_bare()

    # -- bookkeeping ---------------------------------------------------------------------

    def _finish_bare(self) -> None:
        # A bare step lasts until the next step starts or reporting ends; it prints no second line.
        if self._open_bare is not None:
            self._record(self._open_bare)
            self._open_bare = None

    def _record(self, finished: Step) -> None:
        if finished.finished is None:
            finished.finished = time.monotonic()
            if self._keep_timings:
                self.timings.append((finished.label, finished.elapsed))

    def _step_managed(self, managed: Step) -> None:
        with self._lock:
            if self._open_bare is managed:
                self._open_bare = None

    def _step_ended(self, ended: Step, *, failed: bool) -> None:
        with self._lock:
            self._record(ended)
            self._show_step_end(ended, failed=failed)

    def _bar_advanced(self, bar: Bar, item: str, n: int) -> None:
        with self._lock:
            bar.completed += n
            self._show_bar_advance(bar, item)

    # -- drawing (nothing, for the quiet reporter) ---------------------------------------

    def _show_step(self, started: Step) -> None:
        pass

    def _show_step_end(self, ended: Step, *, failed: bool) -> None:
        pass

    def _show_bar_start(self, bar: Bar) -> None:
        pass

    def _show_bar_advance(self, bar: Bar, item: str) -> None:
        pass

    def _show_bar_end(self, bar: Bar, *, failed: bool) -> None:
        pass


def _step_end_text(ended: Step, failed: bool) -> str:
    verb = "failed after" if failed else "done in"
    return f"{ended.label}: {verb} {format_seconds(ended.elapsed)}"


def _bar_end_text(bar: Bar, failed: bool) -> str:
    verb = "stopped after" if failed else "done in"
    return f"{bar.label}: {bar.completed} of {bar.total} {verb} {format_seconds(bar.elapsed)}"


class PlainReporter(Reporter):
    """Whole lines, written and flushed at once: no escape codes, safe for pipes and logs."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        self._stream = stream

    def _line(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def _show_step(self, started: Step) -> None:
        self._line(f"{started.label} …")

    def _show_step_end(self, ended: Step, *, failed: bool) -> None:
        self._line(_step_end_text(ended, failed))

    def _show_bar_start(self, bar: Bar) -> None:
        self._line(f"{bar.label}: {bar.total} to do …")

    def _show_bar_advance(self, bar: Bar, item: str) -> None:
        self._line(f"{bar.label} {bar.completed}/{bar.total}" + (f": {item}" if item else ""))

    def _show_bar_end(self, bar: Bar, *, failed: bool) -> None:
        self._line(_bar_end_text(bar, failed))


class TerminalReporter(Reporter):
    """Step lines and live rich bars on a terminal. One rich Progress is shared by all open
    bars, because rich allows one live display at a time."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        from rich.console import Console  # imported here: quiet and plain runs never pay for rich

        self._console = Console(file=stream, force_terminal=True, highlight=False, soft_wrap=True)
        self._progress: Progress | None = None
        self._tasks: dict[int, TaskID] = {}

    def _print(self, text: str, style: str = "") -> None:
        from rich.text import Text

        self._console.print(Text(text, style=style))  # Text: a label's [brackets] are not markup

    def _show_step(self, started: Step) -> None:
        self._print(f"{started.label} …", "bold")

    def _show_step_end(self, ended: Step, *, failed: bool) -> None:
        self._print(_step_end_text(ended, failed), "red" if failed else "dim")

    def _live(self) -> Progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[item]}", markup=False),
                console=self._console,
                # Never capture print(): the command's result must stay on stdout.
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._progress.start()
        return self._progress

    def _show_bar_start(self, bar: Bar) -> None:
        self._tasks[id(bar)] = self._live().add_task(bar.label, total=bar.total, item="")

    def _show_bar_advance(self, bar: Bar, item: str) -> None:
        # Drawn now, not at the next tick: a quick run of items would otherwise show none of them.
        self._live().update(self._tasks[id(bar)], completed=bar.completed, item=item, refresh=True)

    def _show_bar_end(self, bar: Bar, *, failed: bool) -> None:
        live = self._live()
        live.update(self._tasks.pop(id(bar)), completed=bar.completed, item="stopped" if failed else "")
        if not self._tasks:  # the last open bar: draw it finished and leave it on the screen
            live.stop()
            self._progress = None

    def close(self) -> None:
        with self._lock:
            super().close()
            if self._progress is not None:
                self._progress.stop()
                self._progress = None


# -- the installed reporter ---------------------------------------------------------------

_QUIET = Reporter(keep_timings=False)  # shared by everything run without reporting(): keeps nothing
_CURRENT: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar("scrutiny_progress", default=None)
# Threads started without a copy of the context (a bare threading.Thread) see the innermost
# reporter installed in the process; Prefect's task runner copies the context itself.
_INSTALLED: list[Reporter] = []
_INSTALLED_LOCK = threading.Lock()


def current() -> Reporter:
    """The reporter for this context: the one `reporting()` installed, else a quiet one."""
    found = _CURRENT.get()
    if found is not None:
        return found
    with _INSTALLED_LOCK:
        return _INSTALLED[-1] if _INSTALLED else _QUIET


def step(label: str) -> Step:
    """Report that a step starts; use it with `with` to report its time at the end too."""
    return current().step(label)


def track(total: int, label: str) -> AbstractContextManager[Bar]:
    """A bar for `total` items: `with progress.track(total=7, label="Writing letters") as bar:`."""
    return current().track(total, label)


def make_reporter(mode: Mode, stream: IO[str]) -> Reporter:
    """The reporter for a mode; `auto` draws bars only when the stream is a terminal."""
    if mode == "quiet":
        return Reporter()
    if mode == "plain":
        return PlainReporter(stream)
    if mode == "tty" or (mode == "auto" and _is_terminal(stream)):
        return TerminalReporter(stream)
    if mode == "auto":
        return PlainReporter(stream)
    raise ValueError(f"progress mode {mode!r} is not one of {', '.join(MODES)}")


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream is not a terminal
        return False


@contextmanager
def reporting(mode: Mode = "auto", stream: IO[str] | None = None) -> Iterator[Reporter]:
    """Install a reporter (on stderr unless told) for the duration of the block."""
    reporter = make_reporter(mode, stream if stream is not None else sys.stderr)
    token = _CURRENT.set(reporter)
    with _INSTALLED_LOCK:
        _INSTALLED.append(reporter)
    try:
        yield reporter
    finally:
        reporter.close()
        _CURRENT.reset(token)
        with _INSTALLED_LOCK:
            _INSTALLED.remove(reporter)
