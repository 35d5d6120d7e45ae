"""Convert documents with LibreOffice (DOCX to PDF; legacy .doc/.odt/.rtf to DOCX or PDF).

No LibreOffice process or profile outlives the command that started it: LibreOffice always runs
under a guard process (office_guard.py) that kills it and removes its profile when this process
dies, however it dies (docs/operations-processes.md).

One command converts many documents (20 letters, the passes of a pack), so a command or flow
opens ``libreoffice_session()`` once: LibreOffice then starts once and stays warm, and every
``convert(...)`` in this process uses it. Without a session each conversion starts a fresh
LibreOffice with a throw-away profile, as before. The result appears whole or not at all.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.documents.office_process import Engine, GuardGone, GuardProcess, GuardStartFailed, find_uno_python
from scrutiny.errors import ScrutinyError

TargetFormat = Literal["pdf", "docx"]
logger = logging.getLogger(__name__)

# Where LibreOffice lives when it is not on PATH (Debian, the upstream .deb, macOS).
_KNOWN_LOCATIONS = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)

# writer_pdf_Export options: a tagged PDF for screen readers, with the headings exported as PDF
# bookmarks (the outline). The same options reach both engines: as JSON on the command line
# (LibreOffice 7.4 and later) and as FilterData through UNO.
_PDF_OPTIONS: dict[str, bool] = {"UseTaggedPDF": True, "ExportBookmarks": True, "ExportNotes": False}
_CLI_OPTIONS = {name: {"type": "boolean", "value": str(value).lower()} for name, value in _PDF_OPTIONS.items()}
PDF_FILTER = "pdf:writer_pdf_Export:" + json.dumps(_CLI_OPTIONS, separators=(",", ":"))
DOCX_FILTER = "docx:MS Word 2007 XML"
_FILTERS: dict[TargetFormat, str] = {"pdf": PDF_FILTER, "docx": DOCX_FILTER}
_UNO_FILTERS: dict[TargetFormat, tuple[str, dict[str, bool]]] = {
    "pdf": ("writer_pdf_Export", _PDF_OPTIONS),
    "docx": ("MS Word 2007 XML", {}),
}
_MAGIC: dict[TargetFormat, bytes] = {"pdf": b"%PDF", "docx": b"PK\x03\x04"}
_RECYCLE_AFTER = 200  # conversions before a warm LibreOffice is replaced (bounds its memory growth)


def find_soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _KNOWN_LOCATIONS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def libreoffice_available() -> bool:
    return find_soffice() is not None


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines()]
    # LibreOffice warns about Java on every run; that is never the reason a conversion failed.
    useful = [line for line in lines if line and "javaldx" not in line]
    return useful[-1] if useful else "no output"


class OfficeSession:
    """LibreOffice for many conversions: warm (one LibreOffice over UNO) when it can be, else one per document.

    ``engine``: "auto" (warm when LibreOffice's Python ``uno`` is installed, else one-shot), "uno"
    (warm or fail), "cli" (a fresh ``soffice --convert-to`` per document). Thread-safe: one
    conversion at a time. A LibreOffice that crashes is replaced and the document tried once more.
    """

    def __init__(
        self,
        soffice: str | None = None,
        *,
        engine: Literal["auto", "uno", "cli"] = "auto",
        uno_python: str | None = None,
        start_timeout_s: float = 60,
    ) -> None:
        self.executable = soffice or find_soffice()
        self._engine = engine
        self._uno_python = uno_python
        self._start_timeout_s = start_timeout_s
        self._guard: GuardProcess | None = None
        self._conversions = 0
        self._lock = threading.Lock()
        self._closed = False
        self.owner_pid = os.getpid()

    @property
    def warm(self) -> bool:
        """Whether conversions go to one LibreOffice kept running (known once the first has started)."""
        return self._guard is not None and self._guard.engine == "uno"

    def process_ids(self) -> tuple[int, int | None] | None:
        """(guard pid, LibreOffice pid) of the running warm LibreOffice, for diagnostics and tests."""
        guard = self._guard
        return None if guard is None else (guard.pid, guard.ready.get("office_pid"))

    def start(self) -> None:
        """Start LibreOffice now rather than at the first conversion."""
        if self.executable is None:
            raise ScrutinyError("cannot start LibreOffice: it is not installed")
        with self._lock:
            self._ensure_guard()

    def convert(self, source: Path, target: TargetFormat, out_dir: Path, *, timeout_s: float = 120) -> Path:
        """Write ``out_dir/<source stem>.<target>`` and return its path; ScrutinyError on any failure."""
        label = target.upper()
        if self.executable is None:
            raise ScrutinyError(f"cannot convert {source.name} to {label}: LibreOffice is not installed")
        if not source.is_file():
            raise ScrutinyError(f"cannot convert {source} to {label}: file not found")
        destination = out_dir / f"{source.stem}.{target}"
        filter_name, filter_data = _UNO_FILTERS[target]
        request = {
            "source": str(source.resolve()),  # absolute, so a name starting with "-" is not an option
            "extension": target,
            "cli_filter": _FILTERS[target],
            "filter": filter_name,
            "filter_data": filter_data,
        }
        with self._lock:
            if self._closed:
                raise ScrutinyError(f"cannot convert {source.name} to {label}: the LibreOffice session is closed")
            reply = self._request(request, source, label, timeout_s)
            produced = Path(reply["path"]) if reply.get("ok") else None
            data = produced.read_bytes() if produced is not None and produced.is_file() else b""
            if produced is not None:
                produced.unlink(missing_ok=True)
        if reply.get("spawn_error"):
            raise ScrutinyError(f"cannot run LibreOffice ({self.executable}): {reply['spawn_error']}")
        if not data.startswith(_MAGIC[target]):
            if "exit" in reply:
                detail = f"(exit {reply['exit']}): {_last_line(reply.get('output', ''))}"
            else:
                detail = f": {reply.get('error') or f'it produced no {label}'}"
            raise ScrutinyError(f"LibreOffice could not convert {source.name} to {label} {detail}")
        write_bytes_atomic(destination, data)
        return destination

    def _request(self, request: dict[str, Any], source: Path, label: str, timeout_s: float) -> dict[str, Any]:
        """Send one conversion to the guard; a crashed LibreOffice is replaced once and the document retried."""
        for attempt in (1, 2):
            guard = self._ensure_guard()
            try:
                reply = guard.request(request, timeout_s)
            except GuardGone:
                reply = {"ok": False, "crashed": True, "error": "the LibreOffice guard process was killed"}
            if reply is None:
                self._drop_guard(timed_out=True)
                raise ScrutinyError(f"LibreOffice took longer than {timeout_s:g} s to convert {source.name} to {label}")
            self._conversions += 1
            if not reply.get("crashed"):
                if self.warm and self._conversions >= _RECYCLE_AFTER:
                    self._drop_guard()
                return reply
            self._drop_guard()
            logger.warning("LibreOffice stopped while converting %s (%s); restarting it", source.name, reply["error"])
            if attempt == 2:
                raise ScrutinyError(f"LibreOffice crashed twice converting {source.name} to {label}: {reply['error']}")
        raise AssertionError("unreachable")  # pragma: no cover

    def _ensure_guard(self) -> GuardProcess:
        if self._guard is not None:
            return self._guard
        executable = self.executable or "soffice"
        engine: Engine = "cli" if self._engine == "cli" else "uno"
        python = (self._uno_python or find_uno_python(executable)) if engine == "uno" else None
        try:
            self._guard = GuardProcess.start(engine, executable, python=python, start_timeout_s=self._start_timeout_s)
        except GuardStartFailed as exc:
            if self._engine != "auto":
                raise ScrutinyError(f"LibreOffice ({executable}) did not start: {exc}") from None
            # Slower but still correct: a fresh LibreOffice per document, each under its own guard.
            logger.warning("no warm LibreOffice (%s); converting one document at a time", exc)
            self._engine = "cli"
            try:
                self._guard = GuardProcess.start("cli", executable, python=None, start_timeout_s=self._start_timeout_s)
            except GuardStartFailed as again:
                raise ScrutinyError(f"LibreOffice ({executable}) did not start: {again}") from None
        self._conversions = 0
        return self._guard

    def _drop_guard(self, *, timed_out: bool = False) -> None:
        guard, self._guard = self._guard, None
        if guard is not None:
            guard.kill_for_timeout() if timed_out else guard.stop()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop_guard()

    def __enter__(self) -> OfficeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_active: OfficeSession | None = None
_active_depth = 0
_active_lock = threading.Lock()


@contextmanager
def libreoffice_session(soffice: str | None = None, **options: Any) -> Iterator[OfficeSession]:
    """Keep one LibreOffice warm for every ``convert(...)`` of this process until the block ends.

    Open it once per command or flow run. Nested blocks share the outer session. LibreOffice
    starts at the first conversion and is stopped (and its profile removed) when the block ends,
    or by its guard when this process dies.
    """
    global _active, _active_depth
    with _active_lock:
        if _active is not None and _active.owner_pid == os.getpid():
            _active_depth += 1
            session, owned = _active, False
        else:
            session, owned = OfficeSession(soffice, **options), True
            _active, _active_depth = session, 1
    try:
        yield session
    finally:
        with _active_lock:
            _active_depth -= 1
            if owned:
                _active, _active_depth = None, 0
        if owned:
            session.close()


def active_session() -> OfficeSession | None:
    """The session opened by ``libreoffice_session()`` in this process, if any."""
    session = _active
    return session if session is not None and session.owner_pid == os.getpid() else None


def convert(
    source: Path,
    target: TargetFormat,
    out_dir: Path,
    *,
    timeout_s: float = 120,
    soffice: str | None = None,
) -> Path:
    """Write ``out_dir/<source stem>.<target>`` and return its path.

    Uses the process's open ``libreoffice_session()`` when there is one (and ``soffice`` does not
    ask for another LibreOffice), else a fresh LibreOffice for this one document. Raises
    ScrutinyError when LibreOffice is not installed, fails, produces something that is not a
    ``target`` file, or takes longer than ``timeout_s``.
    """
    session = active_session()
    if session is not None and (soffice is None or soffice == session.executable):
        return session.convert(source, target, out_dir, timeout_s=timeout_s)
    with OfficeSession(soffice, engine="cli") as once:
        return once.convert(source, target, out_dir, timeout_s=timeout_s)
