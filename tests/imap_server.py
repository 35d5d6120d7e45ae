"""A real IMAP server for tests: a private Dovecot instance on 127.0.0.1 and a free port.

Everything it uses lives in one temporary folder: its configuration, base_dir (sockets and
pid file), state, mail (Maildir, one folder per user) and log. Users come from a passwd-file,
which Dovecot re-reads when it changes, so each test can have a mailbox of its own on the one
server the session starts. Plaintext login without TLS is allowed: it only listens on loopback.

Dovecot refuses to run its login processes as root and to deliver mail as uid 0, so under
root (as in CI) the login processes run as ``dovenull`` and mail is owned by ``dovecot``
(both created by Debian's package; ``nobody`` otherwise). As another user, everything runs as
that user.
"""

from __future__ import annotations

import imaplib
import itertools
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 10.0
_POOL_SIZE = 200
_instances = itertools.count(1)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _account(*candidates: str) -> pwd.struct_passwd:
    for name in candidates:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError(f"none of the system users {', '.join(candidates)} exists for Dovecot to run as")


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox on the test server, and plain-imaplib helpers independent of the code under test."""

    host: str
    port: int
    user: str
    password: str

    def _connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=30)
        client.login(self.user, self.password)
        return client

    def append(self, message: bytes, folder: str = "INBOX", flags: Sequence[str] = ()) -> None:
        """Deliver an RFC 822 message into ``folder`` (created if missing), as a mail server would."""
        client = self._connect()
        try:
            client.create(_quoted(folder))  # answers NO when it exists; that is fine
            status, detail = cast(Any, client.append)(
                _quoted(folder),
                f"({' '.join(flags)})" if flags else None,
                None,
                message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
            )
            if status != "OK":
                raise RuntimeError(f"APPEND to {folder} failed: {detail!r}")
        finally:
            client.logout()

    def messages(self, folder: str = "INBOX") -> list[tuple[frozenset[str], bytes]]:
        """Every message in ``folder``: its flags (without \\Recent) and its bytes, read without marking anything seen."""
        client = self._connect()
        try:
            status, _ = client.select(_quoted(folder), readonly=True)
            if status != "OK":
                return []
            _, data = client.uid("SEARCH", "ALL")
            found: list[tuple[frozenset[str], bytes]] = []
            for uid in data[0].split():
                _, parts = client.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                header, body = parts[0]  # type: ignore[misc]
                flags = imaplib.ParseFlags(header)
                # \Recent only says which session saw it first; it is not the message's state.
                found.append((frozenset(flag.decode() for flag in flags) - {"\\Recent"}, body))
            return found
        finally:
            client.logout()

    def folders(self) -> list[str]:
        client = self._connect()
        try:
            _, listing = client.list()
            return [line.decode().rsplit(' "/" ', 1)[-1].strip('"') for line in listing if isinstance(line, bytes)]
        finally:
            client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class DovecotServer:
    """Start and stop one private Dovecot; ``add_account`` creates mailboxes while it runs."""

    def __init__(self) -> None:
        executable = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not os.access(executable, os.X_OK):
            raise RuntimeError("Dovecot is needed for the IMAP tests: run SCRUTINY_SETUP_TESTS=1 scripts/setup.sh")
        self.executable = executable
        self.host = "127.0.0.1"
        self.port = 0
        self.root = Path(tempfile.mkdtemp(prefix="scrutiny-dovecot-"))
        # Dovecot's unprivileged processes must reach the sockets and mail below this folder.
        self.root.chmod(0o755)
        self.passwd = self.root / "passwd"
        self.log = self.root / "dovecot.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.instance = f"scrutiny-test-{os.getpid()}-{next(_instances)}"
        self.account: ImapAccount | None = None
        self._unused: list[ImapAccount] = []

    # The session's own mailbox, for tests that need just one.
    @property
    def user(self) -> str:
        return self._default().user

    @property
    def password(self) -> str:
        return self._default().password

    def append(self, message: bytes, folder: str = "INBOX", flags: Sequence[str] = ()) -> None:
        self._default().append(message, folder, flags)

    def _default(self) -> ImapAccount:
        if self.account is None:
            raise RuntimeError("the Dovecot test server is not running")
        return self.account

    def _users(self) -> tuple[str, str, pwd.struct_passwd]:
        """The login user, the internal user and the owner of the mail."""
        if os.geteuid() == 0:
            mail = _account("dovecot", "nobody")
            return _account("dovenull", "nobody").pw_name, mail.pw_name, mail
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me

    def _write_config(self) -> Path:
        login_user, internal_user, mail = self._users()
        mail_root = self.root / "mail"
        mail_root.mkdir(exist_ok=True)
        os.chown(mail_root, mail.pw_uid, mail.pw_gid)
        config = self.root / "dovecot.conf"
        config.write_text(
            f"""# Private Dovecot for the scrutiny tests; nothing here is shared with a system instance.
instance_name = {self.instance}
base_dir = {self.root / "run"}
state_dir = {self.root / "state"}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests try wrong passwords on purpose: answer at once, and no growing penalty for 127.0.0.1
# (the auth process finds no anvil-auth-penalty socket it may use, and so keeps no penalties).
auth_failure_delay = 0
log_path = {self.log}
info_log_path = {self.log}
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {mail.pw_uid}
last_valid_uid = 0
mail_uid = {mail.pw_uid}
mail_gid = {mail.pw_gid}
mail_location = maildir:~/Maildir:LAYOUT=fs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd}
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={mail_root}/%u
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""",
            encoding="utf-8",
        )
        return config

    def start(self) -> None:
        for _attempt in range(3):
            self.port = _free_port()
            config = self._write_config()
            self._write_accounts()
            self.process = subprocess.Popen(
                [self.executable, "-F", "-c", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() can account for every child
            )
            if self._wait_until_ready():
                return
            self.stop(remove=False)
            if "in use" not in self._log_text():
                break
        log = self._log_text()
        self.stop()
        raise RuntimeError(f"Dovecot did not start; its log:\n{log}")

    def _wait_until_ready(self) -> bool:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=2) as connection:
                    if connection.recv(64).startswith(b"* OK"):
                        return True
            except OSError:
                time.sleep(0.1)
        return False

    def _log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else "(no log)"

    def add_account(self) -> ImapAccount:
        """A mailbox no other test has used (from the pool written before the server started)."""
        if not self._unused:
            raise RuntimeError(f"all {_POOL_SIZE} test mailboxes are in use: raise _POOL_SIZE in tests/imap_server.py")
        return self._unused.pop(0)

    def _write_accounts(self) -> None:
        # All accounts exist before Dovecot starts: it re-reads a changed passwd-file at most once a
        # second, so an account added while it runs could be refused for a moment.
        accounts = [ImapAccount(self.host, self.port, "officer", secrets.token_urlsafe(12))]
        accounts += [
            ImapAccount(self.host, self.port, f"mailbox{number:03d}", secrets.token_urlsafe(12))
            for number in range(1, _POOL_SIZE + 1)
        ]
        self.passwd.write_text("".join(f"{a.user}:{{PLAIN}}{a.password}\n" for a in accounts), encoding="utf-8")
        self.account, self._unused = accounts[0], accounts[1:]

    def stop(self, *, remove: bool = True) -> None:
        """SIGTERM the master (it stops its children), wait, then make sure its whole group is gone."""
        process, self.process = self.process, None
        self.account, self._unused = None, []
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            _wait_for_group_to_exit(process.pid)
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for_group_to_exit(pgid: int) -> None:
    deadline = time.monotonic() + _STOP_TIMEOUT_S
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[DovecotServer]:
    """One Dovecot for the whole run, stopped (every process of it) at the end, even on failure."""
    server = DovecotServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_account(imap_server: DovecotServer) -> ImapAccount:
    """A fresh, empty mailbox on the session's server: host, port, user, password and helpers."""
    return imap_server.add_account()
