"""How much time and memory rendering one template may take, and the sandbox that enforces the rest.

The Jinja sandbox stops a template reaching into Python, but not one that never ends
(``{% for a in range(100000) %}{% for b in range(100000) %}``, a macro calling itself twice)
or one that asks for ten gigabytes (``{{ salutation.ljust(10**10) }}``). Templates are edited
by officers and a daily run must not hang or be killed over one, so a render runs:

- under a time limit: past it, an exception is raised in the rendering thread (between two
  Python instructions: the template's compiled code is Python), and the render fails with one
  line instead of holding the run for ever;
- under a memory limit: the process's address space may grow by ``MEMORY_HEADROOM_BYTES``
  while it renders (Linux ``RLIMIT_AS``, set back afterwards), so a huge allocation fails at
  once with ``MemoryError`` instead of swapping or waking the OOM killer;
- in a sandbox that refuses numbers too large to mean anything in a letter (a width, a count,
  an exponent), so no single operation runs for minutes inside C where the time limit cannot
  reach it.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

TIME_LIMIT_S = 20.0  # a letter renders in well under a second
MEMORY_HEADROOM_BYTES = 512 << 20
LARGEST_NUMBER = 100_000  # no width, count or repetition in a letter comes near it
LARGEST_RESULT = 10_000_000  # characters or items one repetition may make
LARGEST_POWER_BITS = 10_000


class RenderTimeUp(BaseException):
    """Raised inside a render that ran past TIME_LIMIT_S (a BaseException, so no library swallows it)."""


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """The letter sandbox: immutable values, strict undefined names, autoescape, and bounded numbers."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=True)
        self.filters = {name: _checked(name, function) for name, function in self.filters.items()}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(left, int) and isinstance(right, int):
            if abs(left) > 1 and right > 0 and right * abs(left).bit_length() > LARGEST_POWER_BITS:
                raise SecurityError(f"{left} ** {right} is too large a number for a template")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, str | list | tuple) and isinstance(count, int):
                    if len(sequence) * count > LARGEST_RESULT:
                        raise SecurityError(
                            f"repeating {len(sequence)} item(s) {count} times is too much for a template"
                        )
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # Jinja's own signature
        _check_numbers(getattr(__obj, "__name__", "a call"), args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def _check_numbers(what: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > LARGEST_NUMBER:
            raise SecurityError(f"{what}: the number {value} is too large for a template (at most {LARGEST_NUMBER})")


def _checked(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    # The filtered value comes first (after the context or environment, for filters given one);
    # only the arguments after it are widths and counts.
    skip = 2 if getattr(function, "jinja_pass_arg", None) is not None else 1

    @functools.wraps(function)  # keeps Jinja's pass_context / pass_environment marks
    def filter_with_limits(*args: Any, **kwargs: Any) -> Any:
        _check_numbers(f"filter {name}", args[skip:], kwargs)
        return function(*args, **kwargs)

    return filter_with_limits


# --------------------------------------------------------------------------------------
# Time and memory


@contextmanager
def render_limits() -> Iterator[None]:
    """Run the body under the time and memory limits; RenderTimeUp or MemoryError when one is passed."""
    with _time_limit(TIME_LIMIT_S), _memory_cap(MEMORY_HEADROOM_BYTES):
        yield


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Have `exception` raised in that thread at its next Python instruction; None withdraws one still pending."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception is not None else None
    )


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Past `seconds`, raise RenderTimeUp in this thread, again every quarter second until the body
    ends: one landing in a garbage-collector callback or a __del__ is swallowed by Python."""
    target = threading.get_ident()
    lock = threading.Lock()
    running = [True]
    stop = threading.Event()

    def watch() -> None:
        if stop.wait(seconds):
            return
        while True:
            with lock:
                if not running[0]:
                    return
                _raise_in(target, RenderTimeUp)
            if stop.wait(0.25):
                return

    watchdog = threading.Thread(target=watch, name="render-time-limit", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        while True:  # an exception raised by the watchdog in here must not stop the clean-up
            try:
                with lock:
                    running[0] = False
                stop.set()
                _raise_in(target, None)  # withdraw one still pending, so it cannot go off later
                break
            except RenderTimeUp:
                continue


_cap_lock = threading.Lock()
_cap_holders = [0, 0, 0]  # renders under the cap now, the soft limit to restore, and whether one is set


@contextmanager
def _memory_cap(headroom: int) -> Iterator[None]:
    try:
        import resource

        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0])
        size = pages * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        yield  # not Linux: the time limit and the sandbox's number limits still hold
        return
    with _cap_lock:
        if _cap_holders[0] == 0:
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            cap = size + headroom if hard == resource.RLIM_INFINITY else min(size + headroom, hard)
            tighter = soft != resource.RLIM_INFINITY and soft <= cap
            if not tighter:
                resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
            _cap_holders[1:] = [soft, 0 if tighter else 1]
        _cap_holders[0] += 1
    try:
        yield
    finally:
        with _cap_lock:
            _cap_holders[0] -= 1
            if _cap_holders[0] == 0 and _cap_holders[2]:
                resource.setrlimit(resource.RLIMIT_AS, (_cap_holders[1], resource.getrlimit(resource.RLIMIT_AS)[1]))
