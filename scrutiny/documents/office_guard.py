"""The guard: a small process that owns one LibreOffice and makes sure it dies with its parent.

Started by the product (scrutiny/documents/office_process.py) as ``python -I office_guard.py``:
under the product's own Python for the ``cli`` engine (one ``soffice --convert-to`` per request),
or under the system Python that has LibreOffice's ``uno`` module for the ``uno`` engine (one
LibreOffice kept warm on a private pipe). Standard library only, so either Python can run it.

It holds when the parent is SIGKILLed: the kernel sends the guard PDEATHSIG_SIGNAL
(prctl(PR_SET_PDEATHSIG)) and a watchdog thread also polls getppid(), so the guard notices;
it then kills LibreOffice's process group (soffice.bin is started directly, with its own
PR_SET_PDEATHSIG of SIGKILL, so it dies even if the guard is SIGKILLed too), kills any orphan
it adopted as a child subreaper, removes LibreOffice's sockets and its own work directory,
and exits. The same clean-up runs on SIGTERM, SIGINT, SIGHUP, end of input and any error.

Protocol (JSON lines): the guard writes {"event": "ready", ...} or {"event": "failed",
"error": ...}; then for each request line it writes one reply line.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import importlib.util
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any, NoReturn

_spec = importlib.util.spec_from_file_location("office_files", Path(__file__).with_name("office_files.py"))
if _spec is None or _spec.loader is None:  # pragma: no cover - the file ships beside this one
    raise SystemExit("office_files.py is missing beside office_guard.py")
files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(files)

PDEATHSIG_SIGNAL = signal.SIGUSR2  # not SIGTERM: the parent's own SIGTERM must still mean "stop"
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_RESTART_EXIT = 81  # soffice.bin asks to be started again (first start on a new profile)
_OFFICE_ARGS = ["--headless", "--invisible", "--nologo", "--nodefault", "--nolockcheck", "--norestore"]


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False  # not Linux: the watchdog's getppid() poll still notices a dead parent


def _die_with_guard(guard_pid: int) -> None:
    """preexec_fn for LibreOffice: SIGKILL when the guard dies, and never outlive a guard already gone."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != guard_pid:
        os._exit(70)


def office_command(executable: str) -> list[str]:
    """soffice.bin itself when ``executable`` is LibreOffice's launcher script, else ``executable``.

    The launcher (soffice, a shell script, exec's oosplash, which forks soffice.bin) would put
    soffice.bin out of reach of PR_SET_PDEATHSIG; starting soffice.bin directly keeps it a child.
    """
    real = Path(os.path.realpath(executable))
    binary = real.with_name("soffice.bin")
    if real.name in ("soffice", "libreoffice") and os.access(binary, os.X_OK):
        return [str(binary)]
    return [executable]


class _Office:
    """One LibreOffice process group under this guard; started only while the guard is not closing."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self, command: list[str], log: Path) -> subprocess.Popen[bytes]:
        env = dict(os.environ, SAL_ENABLE_FILE_LOCKING="1", TMPDIR=str(self.guard.workdir / "tmp"))
        with self.guard.spawn_lock:
            if self.guard.closing:
                raise _Closing()
            with log.open("ab") as handle:
                self.process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    env=env,
                    process_group=0,
                    preexec_fn=functools.partial(_die_with_guard, os.getpid()),
                )
        return self.process

    def kill(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)


class _Closing(Exception):
    pass


class CliEngine:
    """A fresh ``soffice --convert-to`` per request, each with its own profile."""

    name = "cli"

    def __init__(self, guard: Guard, executable: str) -> None:
        self.guard, self.executable, self.office, self.count = guard, executable, _Office(guard), 0

    def start(self, timeout_s: float) -> dict[str, Any]:
        return {}

    def convert(self, request: dict[str, Any]) -> dict[str, Any]:
        self.count += 1
        workdir = self.guard.workdir
        profile, out_dir, log = workdir / f"profile-{self.count}", workdir / "out" / str(self.count), workdir / "log"
        command = office_command(self.executable) + [f"-env:UserInstallation={profile.as_uri()}", *_OFFICE_ARGS]
        command += ["--convert-to", request["cli_filter"], "--outdir", str(out_dir), request["source"]]
        log.write_bytes(b"")
        try:
            for _attempt in range(3):
                process = self.office.spawn(command, log)
                process.wait()
                if process.returncode != _RESTART_EXIT:
                    break
        except OSError as exc:
            return {"ok": False, "spawn_error": exc.strerror or str(exc)}
        finally:
            self.office.kill()  # any helper it left in its group
            files.remove_sockets(workdir, [profile])
            shutil.rmtree(profile, ignore_errors=True)
        produced = out_dir / (Path(request["source"]).stem + "." + request["extension"])
        output = log.read_bytes()[-8192:].decode("utf-8", "replace")
        if produced.is_file():
            return {"ok": True, "path": str(produced), "exit": process.returncode, "output": output}
        return {"ok": False, "exit": process.returncode, "output": output}

    def kill(self) -> None:
        self.office.kill()


class UnoEngine:
    """One LibreOffice started once, listening on a private pipe, driven through UNO."""

    name = "uno"

    def __init__(self, guard: Guard, executable: str) -> None:
        self.guard, self.executable, self.office, self.count = guard, executable, _Office(guard), 0
        self.desktop: Any = None

    def start(self, timeout_s: float) -> dict[str, Any]:
        import uno  # noqa: F401 - LibreOffice's Python bridge: python3-uno on Debian
        from com.sun.star.connection import NoConnectException

        profile, pipe = self.guard.workdir / "profile", files.accept_pipe_name(self.guard.workdir)
        command = office_command(self.executable) + [f"-env:UserInstallation={profile.as_uri()}", *_OFFICE_ARGS]
        command.append(f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext")
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline, restarts = time.monotonic() + timeout_s, 0
        process = self.office.spawn(command, self.guard.workdir / "log")
        while True:
            if process.poll() is not None:
                if process.returncode != _RESTART_EXIT or restarts >= 2:
                    raise RuntimeError(f"LibreOffice exited with {_describe_exit(process.returncode)} on start")
                restarts += 1
                process = self.office.spawn(command, self.guard.workdir / "log")
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"LibreOffice did not answer within {timeout_s:g} s") from None
                time.sleep(0.05)
        self.desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        return {"office_pid": process.pid}

    def convert(self, request: dict[str, Any]) -> dict[str, Any]:
        import uno
        from com.sun.star.beans import PropertyValue

        process = self.office.process
        if process is None or process.poll() is not None:
            return {"ok": False, "crashed": True, "error": "LibreOffice had stopped"}
        self.count += 1
        source = Path(request["source"])
        target = self.guard.workdir / "out" / f"{self.count}-{source.stem}.{request['extension']}"
        target.parent.mkdir(parents=True, exist_ok=True)
        # Documents from outside bodies: never run their macros, never follow their links.
        load = (
            PropertyValue(Name="Hidden", Value=True),
            PropertyValue(Name="ReadOnly", Value=True),
            PropertyValue(Name="MacroExecutionMode", Value=0),
            PropertyValue(Name="UpdateDocMode", Value=0),
        )
        store = [PropertyValue(Name="FilterName", Value=request["filter"]), PropertyValue(Name="Overwrite", Value=True)]
        if request.get("filter_data"):
            data = tuple(PropertyValue(Name=k, Value=v) for k, v in request["filter_data"].items())
            store.append(PropertyValue(Name="FilterData", Value=uno.Any("[]com.sun.star.beans.PropertyValue", data)))
        try:
            document = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(str(source)), "_blank", 0, load)
            if document is None:
                return {"ok": False, "error": "LibreOffice could not open it"}
            try:
                document.storeToURL(uno.systemPathToFileUrl(str(target)), tuple(store))
            finally:
                with contextlib.suppress(Exception):
                    document.close(True)
        except Exception as exc:  # UNO raises its own exception classes, all Exceptions
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(1)
            if process.returncode is not None:
                return {
                    "ok": False,
                    "crashed": True,
                    "error": f"LibreOffice stopped ({_describe_exit(process.returncode)})",
                }
            detail = str(getattr(exc, "Message", "") or exc).strip().splitlines()
            return {"ok": False, "error": (detail[0] if detail else type(exc).__name__)}
        return {"ok": True, "path": str(target)}

    def kill(self) -> None:
        self.office.kill()


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        return f"signal {signal.Signals(-code).name}" if -code in signal.valid_signals() else f"signal {-code}"
    return f"exit {code}"


class Guard:
    def __init__(self, parent_pid: int, engine: str, executable: str, temp_dir: Path) -> None:
        self.parent_pid, self.temp_dir = parent_pid, temp_dir
        self.spawn_lock, self.stop_lock, self.closing = threading.Lock(), threading.Lock(), False
        self.workdir = Path(tempfile.mkdtemp(prefix=files.workdir_prefix(os.getpid()), dir=temp_dir))
        (self.workdir / "tmp").mkdir()
        self.engine: CliEngine | UnoEngine = (UnoEngine if engine == "uno" else CliEngine)(self, executable)

    def stop(self, code: int) -> NoReturn:
        """Kill LibreOffice and every orphan we adopted, remove our files, exit. Any thread may call it."""
        if not self.stop_lock.acquire(blocking=False):
            while True:  # another thread is cleaning up and will exit the process
                time.sleep(1)
        with self.spawn_lock:
            self.closing = True
        self.engine.kill()
        _kill_adopted_children()
        files.remove_sockets(self.workdir)
        shutil.rmtree(self.workdir, ignore_errors=True)
        os._exit(code)

    def watch(self, wakeup: int) -> None:
        """The watchdog thread: stop on SIGTERM/SIGINT/SIGHUP, and when the parent process is gone."""
        while True:
            ready, _, _ = select.select([wakeup], [], [], 0.5)
            for signum in os.read(wakeup, 64) if ready else b"":
                if signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    self.stop(128 + signum)
            # PDEATHSIG also fires when only the parent's spawning thread ends: check the process.
            if os.getppid() != self.parent_pid:
                self.stop(0)


def _kill_adopted_children() -> None:
    """As child subreaper we inherit LibreOffice's orphans (oosplash's soffice.bin, helpers): kill them."""
    me = os.getpid()
    for entry in Path("/proc").glob("[0-9]*"):
        if entry.name.isdigit() and files.parent_pid_of(int(entry.name)) == me:
            files.kill_quietly(int(entry.name))
    with contextlib.suppress(ChildProcessError):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(0.02)


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="office_guard")
    parser.add_argument("engine", choices=("cli", "uno"))
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--soffice", required=True)
    parser.add_argument("--temp-dir", type=Path, required=True)
    parser.add_argument("--start-timeout", type=float, default=60)
    args = parser.parse_args(argv)
    # Handlers first (SIGUSR2's default would kill us before clean-up), then the parent-death signal.
    wakeup_r, wakeup_w = os.pipe()
    os.set_blocking(wakeup_w, False)
    signal.set_wakeup_fd(wakeup_w, warn_on_full_buffer=False)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, PDEATHSIG_SIGNAL):
        signal.signal(signum, lambda *_: None)  # the watchdog thread acts on the wake-up byte
    _prctl(_PR_SET_PDEATHSIG, PDEATHSIG_SIGNAL)
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    if os.getppid() != args.parent:
        return 0  # the parent died before we could watch it
    files.reap_stale_workdirs(args.temp_dir)
    guard = Guard(args.parent, args.engine, args.soffice, args.temp_dir)
    threading.Thread(target=guard.watch, args=(wakeup_r,), daemon=True).start()
    try:
        try:
            details = guard.engine.start(args.start_timeout)
        except ImportError as exc:
            _send({"event": "failed", "error": f"no uno module in {sys.executable}: {exc}", "no_uno": True})
            guard.stop(3)
        except _Closing:
            guard.stop(0)
        except Exception as exc:
            _send({"event": "failed", "error": str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)})
            guard.stop(3)
        _send({"event": "ready", "engine": guard.engine.name, "workdir": str(guard.workdir), **details})
        for line in sys.stdin.buffer:
            reply = guard.engine.convert(json.loads(line))
            _send(reply)
            if reply.get("crashed"):
                break
        guard.stop(0)
    except (_Closing, BrokenPipeError):
        guard.stop(0)
    except BaseException:
        if not guard.closing:  # else the watchdog is removing our files under us: not a fault
            traceback.print_exc()
        guard.stop(1)


if __name__ == "__main__":
    sys.exit(main())
