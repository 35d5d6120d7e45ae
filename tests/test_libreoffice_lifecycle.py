"""No LibreOffice outlives the command that started it, and nothing of ours stays on disk.

Real LibreOffice throughout. A victim Python process converts letters, warm or one at a time,
and is killed at seeded random moments; then the process table and the temporary folder are
compared with what they were. Processes are told apart by an environment variable the victim
passes down (guard, soffice.bin and any helper inherit it), never by name; zombies are dead
processes still waiting for PID 1 to collect them and do not count.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from scrutiny.documents import office_files
from scrutiny.documents.libreoffice import OfficeSession, convert, libreoffice_available, libreoffice_session
from scrutiny.errors import ScrutinyError
from scrutiny.letters.render import render_letter
from scrutiny.letters.samples import sample_context
from tests.counts import note

ROOT = Path(__file__).resolve().parents[1]
TAG_VARIABLE = "SCRUTINY_LIFECYCLE_TRIAL"
SEED = 20261201
SIGKILL_TRIALS = 12

VICTIM = """
import logging, sys
from pathlib import Path
mode, letter, out, log = sys.argv[1:5]
logging.basicConfig(filename=log, level=logging.DEBUG, format="%(message)s")
from scrutiny.documents.libreoffice import convert, libreoffice_session
print("ready", flush=True)
if mode == "warm":
    with libreoffice_session() as office:
        while True:
            convert(Path(letter), "pdf", Path(out))
else:
    while True:
        convert(Path(letter), "pdf", Path(out))
"""


@pytest.fixture(scope="module", autouse=True)
def need_libreoffice() -> None:
    if not libreoffice_available():
        pytest.fail("LibreOffice (soffice) is required: scripts/setup.sh installs libreoffice-writer-nogui")


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("letter") / "request.docx"
    render_letter(ROOT / "templates" / "request_letter.docx", sample_context("request"), out)
    return out


@pytest.fixture(scope="module")
def long_document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A document LibreOffice needs a few seconds for, so a signal can land mid-conversion."""
    document = docx.Document()
    for number in range(600):
        document.add_heading(f"Section {number}", level=2)
        document.add_paragraph("The Commission asks for a written update on stop and search. " * 12)
    path = tmp_path_factory.mktemp("long") / "long.docx"
    document.save(str(path))
    return path


@pytest.fixture
def tagged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A private temporary folder, and a tag every process we start inherits."""
    tag = uuid.uuid4().hex
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv(TAG_VARIABLE, tag)
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr("tempfile.tempdir", None)  # re-read TMPDIR
    yield tag


def _process_table() -> dict[int, bytes]:
    """Live processes (zombies excluded) and their environment."""
    table = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if "\nState:\tZ" in (entry / "status").read_text():
                continue
            table[int(entry.name)] = (entry / "environ").read_bytes()
        except (OSError, ValueError):
            continue
    return table


def _ours(tag: str, before: dict[int, bytes] | None = None) -> list[str]:
    marker = f"{TAG_VARIABLE}={tag}".encode()
    found = []
    for pid, environ in _process_table().items():
        if pid == os.getpid() or marker not in environ.split(b"\0"):
            continue
        if before is None or pid not in before:
            found.append(
                f"{pid} {Path(f'/proc/{pid}/comm').read_text().strip() if Path(f'/proc/{pid}').exists() else '?'}"
            )
    return found


def _our_dirs(temp: Path) -> list[str]:
    return sorted(p.name for p in temp.glob(office_files.WORKDIR_PREFIX + "*"))


def _leftover_sockets(workdirs: list[Path]) -> list[str]:
    """LibreOffice's sockets in /tmp for the profiles of these work directories that still exist."""
    left = []
    for workdir in workdirs:
        profiles = [workdir / "profile"] + [workdir / f"profile-{n}" for n in range(1, 100)]
        for profile in profiles:
            pipe = office_files.accept_pipe_name(workdir)
            left += [str(p) for p in office_files.office_socket_paths(profile.as_uri(), pipe) if p.exists()]
    return left


def _wait_until_clean(
    tag: str, temp: Path, before: dict[int, bytes], seconds: float = 10
) -> tuple[list[str], list[str]]:
    deadline = time.monotonic() + seconds
    while True:
        processes, dirs = _ours(tag, before), _our_dirs(temp)
        if (not processes and not dirs) or time.monotonic() > deadline:
            return processes, dirs
        time.sleep(0.2)


def _run_victim(mode: str, letter: Path, tmp_path: Path, index: int) -> tuple[subprocess.Popen[str], Path]:
    log = tmp_path / f"victim-{index}.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    victim = subprocess.Popen(
        [sys.executable, "-c", VICTIM, mode, str(letter), str(tmp_path / "out"), str(log)],
        stdout=subprocess.PIPE,
        stderr=(tmp_path / f"victim-{index}.stderr").open("w"),  # a SIGINT's traceback lands here
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert victim.stdout is not None and victim.stdout.readline().strip() == "ready"
    return victim, log


def _logged_workdirs(log: Path) -> list[Path]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [Path(line.rsplit("work directory ", 1)[1]) for line in lines if "work directory " in line]


def test_a_killed_command_leaves_no_libreoffice_and_no_profile(
    letter: Path, tagged: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL (what the OOM killer sends) at seeded random moments, plus SIGTERM and SIGINT."""
    temp = Path(os.environ["TMPDIR"])
    rng = random.Random(SEED)
    trials = [("warm" if n % 2 == 0 else "once", signal.SIGKILL, rng.uniform(0.0, 3.5)) for n in range(SIGKILL_TRIALS)]
    trials += [
        (mode, signum, rng.uniform(1.0, 3.0)) for mode in ("warm", "once") for signum in (signal.SIGTERM, signal.SIGINT)
    ]
    started_office, killed = 0, []
    for index, (mode, signum, delay) in enumerate(trials):
        before = _process_table()
        victim, log = _run_victim(mode, letter, tmp_path, index)
        time.sleep(delay)
        seen = _ours(tagged, before)  # what the command had started when it was killed
        started_office += any("soffice" in p for p in seen)
        victim.send_signal(signum)
        victim.wait(30)
        assert victim.stdout is not None
        victim.stdout.close()
        processes, dirs = _wait_until_clean(tagged, temp, before)
        assert processes == [], f"trial {index} ({mode}, {signum.name} after {delay:.2f} s) left {processes}"
        assert dirs == [], f"trial {index} ({mode}, {signum.name} after {delay:.2f} s) left {dirs}"
        assert _leftover_sockets(_logged_workdirs(log)) == []
        killed.append(signum.name)
    note(
        f"\nlifecycle: {len(trials)} kill trials ({killed.count('SIGKILL')} SIGKILL), LibreOffice running in {started_office}"
    )
    assert killed.count("SIGKILL") >= 10
    assert started_office >= len(trials) // 2  # the kills really landed while LibreOffice ran


def test_a_conversion_that_times_out_leaves_nothing(
    long_document: Path, letter: Path, tagged: str, tmp_path: Path
) -> None:
    temp = Path(os.environ["TMPDIR"])
    before = _process_table()
    with libreoffice_session() as office:
        office.start()
        guard_pid, office_pid = office.process_ids() or (0, None)
        with pytest.raises(ScrutinyError, match=r"^LibreOffice took longer than 0.5 s to convert long.docx to PDF$"):
            office.convert(long_document, "pdf", tmp_path / "out", timeout_s=0.5)
        assert not _alive(guard_pid) and office_pid is not None and not _alive(office_pid)
        assert _our_dirs(temp) == []
        # The next conversion gets a fresh LibreOffice.
        assert office.convert(letter, "pdf", tmp_path / "out").read_bytes().startswith(b"%PDF")
        assert office.process_ids() != (guard_pid, office_pid)
    with pytest.raises(ScrutinyError, match="took longer than 0.5 s"):
        convert(long_document, "pdf", tmp_path / "once", timeout_s=0.5)  # one-shot, no session
    assert _wait_until_clean(tagged, temp, before) == ([], [])


def _alive(pid: int) -> bool:
    return office_files.process_start_time(pid) is not None


def _crash(pid: int) -> None:
    """SIGSEGV, as a real crash; then SIGKILL if it still lives after 3 s.

    LibreOffice handles SIGSEGV itself (crash report, emergency save) and on a loaded machine that
    handler can hang: a hang is the time limit's case, tested on its own; here the process must end.
    """
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGSEGV)
    deadline = time.monotonic() + 3
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):  # it ended just now
            os.kill(pid, signal.SIGKILL)


def _segv_when_converting(office: OfficeSession, times: int, after_s: float = 0.6) -> threading.Thread:
    """Send SIGSEGV to soffice.bin ``after_s`` into each conversion, for ``times`` LibreOffice processes."""

    def run() -> None:
        seen: set[int] = set()
        while len(seen) < times:
            ids = office.process_ids()
            if ids and ids[1] and ids[1] not in seen:
                time.sleep(after_s)
                seen.add(ids[1])
                _crash(ids[1])
            time.sleep(0.02)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_crashed_libreoffice_is_restarted_once_then_the_error_is_one_line(
    long_document: Path, tagged: str, tmp_path: Path
) -> None:
    temp = Path(os.environ["TMPDIR"])
    before = _process_table()
    with libreoffice_session() as office:
        office.start()
        first = office.process_ids()
        killer = _segv_when_converting(office, times=1)
        result = office.convert(long_document, "pdf", tmp_path / "out", timeout_s=60)
        killer.join(5)
        assert result.read_bytes().startswith(b"%PDF")  # converted by the restarted LibreOffice
        assert office.process_ids() != first and first is not None and not _alive(first[0])
        assert len(_our_dirs(temp)) == 1  # the crashed one's profile is gone, the new one's in use

        killer = _segv_when_converting(office, times=2)
        with pytest.raises(ScrutinyError) as failure:
            office.convert(long_document, "pdf", tmp_path / "again", timeout_s=60)
        killer.join(5)
        message = str(failure.value)
        assert message.startswith("LibreOffice crashed twice converting long.docx to PDF: LibreOffice stopped (signal ")
        assert "\n" not in message
        assert not (tmp_path / "again").exists()
    assert _wait_until_clean(tagged, temp, before) == ([], [])


def test_a_crash_in_a_one_shot_conversion_is_one_line_and_leaves_nothing(
    long_document: Path, tagged: str, tmp_path: Path
) -> None:
    temp = Path(os.environ["TMPDIR"])
    before = _process_table()

    def segv_soffice() -> None:
        # Crash the first soffice.bin seen alive for 0.5 s: on a new profile the first one may exit at
        # once to be restarted (exit 81), and its successor must then be caught before it finishes.
        first_seen: dict[int, float] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = time.monotonic()
            for pid in (int(p.split()[0]) for p in _ours(tagged, before) if p.endswith("soffice.bin")):
                if now - first_seen.setdefault(pid, now) >= 0.5 and _alive(pid):
                    _crash(pid)
                    return
            time.sleep(0.02)

    killer = threading.Thread(target=segv_soffice, daemon=True)
    killer.start()
    with pytest.raises(ScrutinyError, match=r"^LibreOffice could not convert long.docx to PDF \(exit -\d+\): "):
        convert(long_document, "pdf", tmp_path / "out", timeout_s=60)
    killer.join(5)
    assert _wait_until_clean(tagged, temp, before) == ([], [])


def test_a_stale_profile_lock_from_a_crash_does_not_block(letter: Path, tagged: str, tmp_path: Path) -> None:
    """Guard and LibreOffice both SIGKILLed (nobody left to clean up): the next start reaps the rest."""
    temp = Path(os.environ["TMPDIR"])
    before = _process_table()
    session = OfficeSession()
    session.start()
    ids = session.process_ids()
    assert ids is not None and ids[1] is not None
    guard = session._guard
    assert guard is not None
    workdir = guard.workdir
    os.kill(ids[0], signal.SIGKILL)
    guard._process.wait(10)
    deadline = time.monotonic() + 10
    while _alive(ids[1]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(ids[1])  # soffice.bin's own parent-death signal
    assert (workdir / "profile" / ".lock").is_file()  # the lock a crash leaves behind
    session._guard = None  # forget it without the clean-up a normal close would do

    with libreoffice_session() as office:
        assert office.convert(letter, "pdf", tmp_path / "out").read_bytes().startswith(b"%PDF")
        assert office.warm
        assert not workdir.exists()
        assert _leftover_sockets([workdir]) == []
    assert _wait_until_clean(tagged, temp, before) == ([], [])


def test_a_session_survives_the_thread_that_started_it(letter: Path, tagged: str, tmp_path: Path) -> None:
    """PR_SET_PDEATHSIG follows the thread that forked: a Prefect worker thread ending must not kill LibreOffice."""
    with libreoffice_session() as office:
        starter = threading.Thread(target=office.start)
        starter.start()
        starter.join()
        ids = office.process_ids()
        time.sleep(1.5)  # longer than the guard's parent check
        assert office.convert(letter, "pdf", tmp_path / "out").is_file()
        assert office.process_ids() == ids


def test_the_socket_names_match_what_libreoffice_binds(tagged: str) -> None:
    """The clean-up removes sockets by name; check the names against a running LibreOffice."""
    with libreoffice_session() as office:
        office.start()
        guard = office._guard
        assert guard is not None
        expected = office_files.office_socket_paths(
            (guard.workdir / "profile").as_uri(), office_files.accept_pipe_name(guard.workdir)
        )
        bound = {
            line.split()[-1] for line in Path("/proc/net/unix").read_text().splitlines()[1:] if len(line.split()) >= 8
        }
        assert {str(p) for p in expected} <= bound
    assert not any(p.exists() for p in expected)


def test_the_warm_converter_converts_many_documents_that_read_back(tagged: str, tmp_path: Path) -> None:
    sources = []
    for number in range(6):
        context = sample_context("request")
        path = tmp_path / "letters" / f"letter-{number}.docx"
        render_letter(ROOT / "templates" / "request_letter.docx", context, path)
        sources.append(path)
    once = convert(sources[0], "pdf", tmp_path / "once")
    with libreoffice_session() as office:
        pdfs = [convert(source, "pdf", tmp_path / "pdf") for source in sources]
        assert office.warm
        ids = office.process_ids()
    assert ids is not None and not _alive(ids[0])
    texts = [_pdftotext(pdf) for pdf in pdfs]
    assert all("Dear Chief Superintendent Conway" in text and "Recommendation 15" in text for text in texts), texts[0][
        :300
    ]
    assert texts[0] == _pdftotext(once)  # the warm engine lays out exactly as soffice --convert-to does
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == [f"letter-{n}.pdf" for n in range(6)]


def _pdftotext(pdf: Path) -> str:
    try:
        done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    except FileNotFoundError:
        pytest.fail("pdftotext is required: scripts/setup.sh installs poppler-utils")
    return done.stdout


def test_without_uno_a_session_converts_one_document_at_a_time(letter: Path, tagged: str, tmp_path: Path) -> None:
    """The product's own Python has no ``uno``: "auto" falls back to a fresh LibreOffice per document."""
    temp = Path(os.environ["TMPDIR"])
    before = _process_table()
    with libreoffice_session(uno_python=sys.executable) as office:
        first = convert(letter, "pdf", tmp_path / "a")
        second = convert(letter, "docx", tmp_path / "b")
        assert not office.warm
    assert first.read_bytes().startswith(b"%PDF") and second.read_bytes().startswith(b"PK\x03\x04")
    with pytest.raises(ScrutinyError, match=r"^LibreOffice \(.*\) did not start: no uno module in "):
        with OfficeSession(engine="uno", uno_python=sys.executable) as strict:
            strict.start()
    assert _wait_until_clean(tagged, temp, before) == ([], [])
