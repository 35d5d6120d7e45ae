"""Progress reporting: lines arrive while the command works, plain output has no escape codes,
quiet prints nothing, a terminal gets a bar, and threads can report at once."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import queue
import re
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrutiny import progress

ANSI = re.compile(r"\x1b[\[\]()#;?]*[0-9;]*[A-Za-z]")

# Waits for a line on stdin after each report, so the test can prove the report arrived while
# the process was still running. stderr is swapped for a block-buffered stream: the reporter
# must flush each line itself.
SCRIPT = """
import io, sys, time
from scrutiny import progress

if sys.argv[2] == "buffered":
    sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), encoding="utf-8", line_buffering=False)

def wait():
    sys.stdin.readline()

with progress.reporting(sys.argv[1]):
    progress.step("Planning the annual updates")
    wait()
    with progress.track(total=3, label="Writing letters") as bar:
        for org in ("mopac", "met-ce-bcu", "csp"):
            time.sleep(0.05)
            bar.advance(f"lih-2027-01-25-{org}")
            wait()
    with progress.step("Assembling the pack"):
        time.sleep(0.1)
    wait()
print("RESULT")
"""


@pytest.fixture()
def script(tmp_path: Path) -> Path:
    path = tmp_path / "uses_progress.py"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


@pytest.fixture()
def process_cleanup() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def _line_reader(stream: io.BufferedReader, lines: queue.Queue[tuple[float, str | None]]) -> None:
    for raw in iter(stream.readline, b""):
        lines.put((time.monotonic(), raw.decode("utf-8")))
    lines.put((time.monotonic(), None))


def test_lines_arrive_while_the_command_runs(script: Path, process_cleanup: list[subprocess.Popen[bytes]]) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(script), "auto", "buffered"],  # auto on a pipe: plain lines
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process_cleanup.append(proc)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    lines: queue.Queue[tuple[float, str | None]] = queue.Queue()
    threading.Thread(target=_line_reader, args=(proc.stderr, lines), daemon=True).start()
    expected = [
        ("Planning the annual updates …", True),
        ("Writing letters: 3 to do …", False),
        ("Writing letters 1/3: lih-2027-01-25-mopac", True),
        ("Writing letters 2/3: lih-2027-01-25-met-ce-bcu", True),
        ("Writing letters 3/3: lih-2027-01-25-csp", True),
        ("Writing letters: 3 of 3 done in", False),
        ("Assembling the pack …", False),
        ("Assembling the pack: done in", True),
    ]
    arrivals = []
    for text, then_answer in expected:
        arrived, line = lines.get(timeout=60)  # a report still in a buffer would never come
        assert line is not None, f"stderr closed before {text!r}"
        assert line.startswith(text), line
        assert proc.poll() is None, f"{text!r} came only when the process ended"
        assert not ANSI.search(line), repr(line)
        arrivals.append(arrived)
        if then_answer:
            proc.stdin.write(b"\n")
            proc.stdin.flush()
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    ended = time.monotonic()
    assert lines.get(timeout=10)[1] is None  # nothing else on stderr
    assert all(arrived < ended for arrived in arrivals) and arrivals == sorted(arrivals)
    assert re.fullmatch(r"Assembling the pack: done in \d+\.\d s\n", line)
    assert proc.stdout.read() == b"RESULT\n"  # stdout stays the result


def _run(script: Path, mode: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, str(script), mode, "line"], input=b"\n" * 10, capture_output=True, timeout=120, check=False
    )


def test_plain_mode_has_no_escape_codes(script: Path) -> None:
    done = _run(script, "plain")
    assert done.returncode == 0 and done.stdout == b"RESULT\n"
    text = done.stderr.decode("utf-8")
    assert len(text.splitlines()) == 8 and "Writing letters 3/3: lih-2027-01-25-csp" in text
    assert "\x1b" not in text


def test_quiet_prints_nothing(script: Path) -> None:
    done = _run(script, "quiet")
    assert done.returncode == 0
    assert done.stderr == b"" and done.stdout == b"RESULT\n"


def test_a_terminal_gets_a_bar(script: Path, process_cleanup: list[subprocess.Popen[bytes]]) -> None:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    try:
        proc = subprocess.Popen(
            [sys.executable, str(script), "auto", "line"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=follower,
            env={**{k: v for k, v in os.environ.items() if k != "NO_COLOR"}, "TERM": "xterm-256color"},
        )
        process_cleanup.append(proc)
        os.close(follower)
        follower = -1
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"\n" * 10)
        proc.stdin.close()
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed its end of the terminal
                break
            if not chunk:
                break
            drawn += chunk
        assert proc.wait(timeout=60) == 0
        assert proc.stdout.read() == b"RESULT\n"
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    text = drawn.decode("utf-8", errors="replace")
    assert "\x1b[" in text  # drawn, not printed
    plain = ANSI.sub("", text)
    assert "━" in plain and "3/3" in plain and "lih-2027-01-25-csp" in plain
    assert "Planning the annual updates" in plain and re.search(r"Assembling the pack: done in \d+\.\d s", plain)


# -- in the same process -------------------------------------------------------------------


def test_plain_lines_and_timings() -> None:
    out = io.StringIO()
    with progress.reporting("plain", stream=out) as reporter:
        progress.step("Reading the committee file")
        with progress.step("Starting a temporary Prefect server") as server:
            time.sleep(0.05)
        with pytest.raises(RuntimeError), progress.track(total=2, label="Writing packs") as bar:
            bar.advance()
            raise RuntimeError("disk full")
        with pytest.raises(RuntimeError), progress.step("Sending e-mail"):
            raise RuntimeError("no server")
    lines = out.getvalue().splitlines()
    assert lines[:4] == [
        "Reading the committee file …",
        "Starting a temporary Prefect server …",
        lines[2],
        "Writing packs: 2 to do …",
    ]
    assert re.fullmatch(r"Starting a temporary Prefect server: done in 0\.\d s", lines[2])
    assert lines[4] == "Writing packs 1/2"
    assert re.fullmatch(r"Writing packs: 1 of 2 stopped after \d+\.\d s", lines[5])
    assert lines[6] == "Sending e-mail …" and lines[7].startswith("Sending e-mail: failed after ")
    assert len(lines) == 8
    assert server.elapsed >= 0.05 and server.finished is not None
    labels = [label for label, _ in reporter.timings]
    assert labels == ["Reading the committee file", "Starting a temporary Prefect server", "Sending e-mail"]


def test_without_a_reporter_nothing_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert progress.current() is progress.current()  # the shared quiet one
    with progress.step("Working") as working, progress.track(total=1, label="Items") as bar:
        bar.advance("one")
    assert bar.completed == 1 and working.finished is not None
    assert capsys.readouterr() == ("", "")
    assert progress.current().timings == []  # a long-lived worker never accumulates them


def test_threads_report_whole_lines() -> None:
    out = io.StringIO()
    with progress.reporting("plain", stream=out), progress.track(total=400, label="Letters") as bar:

        def work(worker: int) -> None:
            for n in range(50):
                bar.advance(f"w{worker}-{n}")

        # Bare threads start with an empty context: they find the reporter all the same.
        seen: list[progress.Reporter] = []
        threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
        threads.append(threading.Thread(target=lambda: seen.append(progress.current())))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    lines = out.getvalue().splitlines()
    counted = [line for line in lines if re.fullmatch(r"Letters \d+/400: w\d-\d+", line)]
    assert len(counted) == 400 and len(lines) == 402
    assert [int(line.split()[1].split("/")[0]) for line in counted] == list(range(1, 401))
    assert lines[-1].startswith("Letters: 400 of 400 done in")
    assert seen and isinstance(seen[0], progress.PlainReporter)


def test_reporting_restores_the_outer_reporter() -> None:
    outer_out, inner_out = io.StringIO(), io.StringIO()
    with progress.reporting("plain", stream=outer_out) as outer:
        with progress.reporting("quiet") as inner:
            assert progress.current() is inner
            progress.step("hidden")
        with progress.reporting("plain", stream=inner_out):
            progress.step("inner")
        assert progress.current() is outer
        progress.step("outer")
    assert not isinstance(progress.current(), progress.PlainReporter)
    assert outer_out.getvalue() == "outer …\n" and inner_out.getvalue() == "inner …\n"


def test_auto_is_plain_off_a_terminal_and_modes_are_checked() -> None:
    assert isinstance(progress.make_reporter("auto", io.StringIO()), progress.PlainReporter)
    assert isinstance(progress.make_reporter("tty", io.StringIO()), progress.TerminalReporter)
    with pytest.raises(ValueError, match="progress mode 'loud' is not one of auto, tty, plain, quiet"):
        progress.make_reporter("loud", io.StringIO())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.04, "0.0 s"), (3.24, "3.2 s"), (14.4, "14 s"), (119.4, "119 s"), (125, "2 min 5 s")]
)
def test_format_seconds(seconds: float, text: str) -> None:
    assert progress.format_seconds(seconds) == text
