"""Run the real `scrutiny` command in its own process and find every process it left behind.

A process started by the product is recognised by an environment marker that every child
inherits (it survives re-parenting to PID 1), by ancestry while the command lives, and by the
ports its descendants listen on; never by name, since other people run the same programs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.request import urlopen

SCRUTINY = str(Path(sys.executable).parent / "scrutiny")
PREFECT = str(Path(sys.executable).parent / "prefect")
MARKER_VARIABLE = "SCRUTINY_TEST_PROCESS_MARKER"


@dataclass(frozen=True)
class ProcessEntry:
    pid: int
    ppid: int
    start_ticks: int
    cmdline: str


def process_table() -> dict[int, ProcessEntry]:
    table: dict[int, ProcessEntry] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue  # a zombie holds nothing but its table entry
        table[int(entry.name)] = ProcessEntry(int(entry.name), int(fields[1]), int(fields[19]), cmdline)
    return table


def marked_processes(marker: str) -> list[ProcessEntry]:
    """Live processes whose environment carries `marker`."""
    found = []
    needle = f"{MARKER_VARIABLE}={marker}".encode()
    for pid, entry in process_table().items():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(entry)
    return found


def descendants(root: int) -> list[ProcessEntry]:
    table = process_table()
    children: dict[int, list[ProcessEntry]] = {}
    for entry in table.values():
        children.setdefault(entry.ppid, []).append(entry)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.pid)
    return found


def alive(entry: ProcessEntry) -> bool:
    current = process_table().get(entry.pid)
    return current is not None and current.start_ticks == entry.start_ticks


def listening_ports(pids: list[int]) -> set[int]:
    """TCP ports in LISTEN state whose socket one of `pids` holds open."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    return {port for port, inode in _listening_sockets() if inode in inodes}


def port_listening(port: int) -> bool:
    return any(found == port for found, _inode in _listening_sockets())


def _listening_sockets() -> list[tuple[int, str]]:
    sockets = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A":  # TCP_LISTEN
                sockets.append((int(parts[1].rsplit(":", 1)[1], 16), parts[9]))
    return sockets


def wait_until_gone(marker: str, timeout_s: float) -> list[ProcessEntry]:
    """Poll until no marked process is left; return what is still there at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = marked_processes(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@dataclass
class RunningCommand:
    """One `scrutiny` process in its own process group, its stderr read line by line as it comes."""

    process: subprocess.Popen[bytes]
    marker: str
    started: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    _reader: threading.Thread | None = None
    _new_line: threading.Condition = field(default_factory=threading.Condition)

    def start_reading(self) -> None:
        def read() -> None:
            assert self.process.stderr is not None
            for raw in self.process.stderr:
                with self._new_line:
                    self.lines.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))
                    self._new_line.notify_all()
            with self._new_line:
                self._new_line.notify_all()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()

    def wait_for_line(self, starts_with: str, timeout_s: float) -> bool:
        """True once a line of stderr starts so; False if the command ended or time ran out first."""
        deadline = time.monotonic() + timeout_s
        with self._new_line:
            while True:
                if any(line.startswith(starts_with) for _, line in self.lines):
                    return True
                if self.process.poll() is not None or time.monotonic() > deadline:
                    return any(line.startswith(starts_with) for _, line in self.lines)
                self._new_line.wait(timeout=0.1)

    def has_line(self, starts_with: str) -> bool:
        with self._new_line:
            return any(line.startswith(starts_with) for _, line in self.lines)

    def finish(self, timeout_s: float) -> int:
        code = self.process.wait(timeout=timeout_s)
        if self._reader is not None:
            self._reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code

    @property
    def stderr(self) -> str:
        with self._new_line:
            return "\n".join(line for _, line in self.lines)


def command_environment(
    home: Path,
    database_url: str,
    tmpdir: Path,
    marker: str,
    api_url: str | None = None,
    settings: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of an officer's shell: this test's home and database, no Prefect settings
    but the API's, and any further `settings` (``SCRUTINY_SMTP_HOST``, ...) the test gives."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SCRUTINY_"))}
    env.update(
        {
            "SCRUTINY_HOME": str(home),
            "SCRUTINY_DATABASE_URL": database_url,
            "SCRUTINY_PDF": "false",  # PDFs (LibreOffice) are not what these tests are about
            "TMPDIR": str(tmpdir),
            MARKER_VARIABLE: marker,
        }
    )
    if api_url is not None:
        env["PREFECT_API_URL"] = api_url
    env.update(settings or {})
    return env


def start_command(
    args: list[str],
    home: Path,
    database_url: str,
    tmpdir: Path,
    api_url: str | None = None,
    settings: Mapping[str, str] | None = None,
) -> RunningCommand:
    marker = uuid.uuid4().hex
    tmpdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [SCRUTINY, *args],
        env=command_environment(home, database_url, tmpdir, marker, api_url, settings),
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
    )
    command = RunningCommand(process=process, marker=marker, started=time.monotonic())
    command.start_reading()
    return command


def run_command(
    args: list[str],
    home: Path,
    database_url: str,
    tmpdir: Path,
    api_url: str | None = None,
    timeout_s: float = 300,
    settings: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    tmpdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [SCRUTINY, *args],
        env=command_environment(home, database_url, tmpdir, uuid.uuid4().hex, api_url, settings),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def prefect_server(prefect_home: Path, log_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A plain `prefect server start` in its own session, stopped (and waited for) on the way out."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        {"PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"}
    )
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        api = f"http://127.0.0.1:{port}/api"
        try:
            deadline = time.monotonic() + 180
            while not _healthy(api):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"prefect server did not start; see {log_path}")
                time.sleep(0.5)
            yield api, server
        finally:
            if server.poll() is None:
                os.killpg(server.pid, 15)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, 9)
                    server.wait()


def _healthy(api: str) -> bool:
    try:
        with urlopen(f"{api}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def leftover_files(folder: Path) -> list[str]:
    """Everything under `folder`, relative, for a message."""
    if not folder.exists():
        return []
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def half_written_files(home: Path) -> list[str]:
    """Temporary files of the atomic writer (`.NAME.XXXX.tmp`) left in the home."""
    return sorted(str(p.relative_to(home)) for p in home.rglob(".*.tmp") if ".prefect" not in p.parts)
