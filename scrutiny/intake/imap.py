"""Collect response e-mails from an IMAP mailbox with imap-tools.

Messages are read without marking them seen; a collected one is marked seen (and moved to the
done folder when one is set); one that matches nothing is flagged and moved to the unmatched
folder. Nothing is ever deleted or expunged but the message a move takes away. Folder names use
"/" for the hierarchy, whatever separator the server uses.
"""

from __future__ import annotations

import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import cast

from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted, MailMessage
from imap_tools.errors import ImapToolsError, MailboxFolderSelectError, MailboxLoginError
from imap_tools.utils import encode_folder

from scrutiny.errors import ScrutinyError
from scrutiny.intake.messages import ReceivedMessage, parse_message
from scrutiny.intake.model import MB
from scrutiny.settings import Settings

log = logging.getLogger(__name__)

_NETWORK_ERRORS = (OSError, socket.timeout, ssl.SSLError, imaplib.IMAP4.error, ImapToolsError)
_LIST_DELIMITER = re.compile(rb'^\([^)]*\) (?:NIL|"((?:[^"\\]|\\.)*)")')


@dataclass(frozen=True)
class ImapMessage(ReceivedMessage):
    uid: str
    size: int
    flags: tuple[str, ...] = ()
    # Too large to fetch: only the headers were read, so text, attachments and raw are empty.
    oversized: bool = False

    @property
    def key(self) -> str:
        if self.oversized and not self.message_id:
            return f"imap:{self.uid}:{self.size}"  # no bytes to hash
        return super().key


class _RawMailMessage(MailMessage):
    """imap-tools' message, keeping the bytes the server sent."""

    def __init__(self, fetch_data: list) -> None:  # type: ignore[type-arg]
        super().__init__(fetch_data)
        self.raw: bytes = self._get_message_data_parts(fetch_data)[0]


class _RawMailBox(MailBox):
    email_message_class = _RawMailMessage


class _RawMailBoxUnencrypted(MailBoxUnencrypted):
    email_message_class = _RawMailMessage


class ImapSource:
    """One IMAP folder to collect from; use it as a context manager (it logs in and out)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        user: str,
        password: str | Callable[[], str],
        folder: str = "INBOX",
        unmatched_folder: str = "Scrutiny/Unmatched",
        done_folder: str | None = None,
        use_ssl: bool = True,
        timeout_s: float = 30.0,
        max_message_bytes: int = 51 * MB,
    ) -> None:
        self.host, self.port, self.user = host, port, user
        self._password = password
        self.folder, self.unmatched_folder, self.done_folder = folder, unmatched_folder, done_folder
        self.use_ssl, self.timeout_s, self.max_message_bytes = use_ssl, timeout_s, max_message_bytes
        self._box: BaseMailBox | None = None
        self._delimiter = "/"
        self._secret = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapSource:
        if not settings.imap_host:
            raise ScrutinyError("SCRUTINY_IMAP_HOST is not set: there is no mailbox to collect responses from")
        if not settings.imap_user:
            raise ScrutinyError(f"SCRUTINY_IMAP_USER is not set: cannot log in to {settings.imap_host}")
        return cls(
            host=settings.imap_host,
            port=settings.imap_port,
            user=settings.imap_user,
            password=lambda: imap_password(settings),  # a Secret block is loaded only when connecting
            folder=settings.imap_folder,
            unmatched_folder=settings.imap_unmatched_folder,
            done_folder=settings.imap_done_folder,
            use_ssl=settings.imap_ssl,
            # An attachment at the size limit grows by a third in base64; leave room for the rest.
            max_message_bytes=int(settings.intake_max_mb * MB * 2) + MB,
        )

    # --- connection ----------------------------------------------------------------------

    def __enter__(self) -> ImapSource:
        self.connect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def connect(self) -> None:
        where = f"IMAP {self.host}:{self.port}"
        password = self._password() if callable(self._password) else self._password
        self._secret = password
        try:
            box: BaseMailBox = (
                _RawMailBox(self.host, self.port, timeout=self.timeout_s, ssl_context=ssl.create_default_context())
                if self.use_ssl
                else _RawMailBoxUnencrypted(self.host, self.port, timeout=self.timeout_s)
            )
        except _NETWORK_ERRORS as exc:
            raise ScrutinyError(f"{where}: cannot connect ({self._reason(exc)})") from None
        try:
            box.login(self.user, password, initial_folder=None)
        except MailboxLoginError:
            self._abandon(box)
            raise ScrutinyError(
                f"{where}: login failed for user {self.user!r} (check SCRUTINY_IMAP_USER and the password)"
            ) from None
        except _NETWORK_ERRORS as exc:
            self._abandon(box)
            raise ScrutinyError(f"{where}: cannot log in ({self._reason(exc)})") from None
        self._box = box
        try:
            self._refresh_capabilities()
            self._delimiter = self._hierarchy_delimiter()
            box.folder.set(self._server_name(self.folder))
        except MailboxFolderSelectError:
            self.close()
            raise ScrutinyError(f"{where}: folder {self.folder!r} not found (SCRUTINY_IMAP_FOLDER)") from None
        except _NETWORK_ERRORS as exc:
            self.close()
            raise ScrutinyError(f"{where}: cannot open folder {self.folder!r} ({self._reason(exc)})") from None

    def close(self) -> None:
        box, self._box = self._box, None
        if box is not None:
            try:
                box.logout()
            except _NETWORK_ERRORS:
                self._abandon(box)

    @staticmethod
    def _abandon(box: BaseMailBox) -> None:
        try:
            box.client.shutdown()
        except _NETWORK_ERRORS:
            pass

    def _reason(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        if self._secret:
            text = text.replace(self._secret, "***")
        return text[:160]

    def _mailbox(self) -> BaseMailBox:
        if self._box is None:
            raise ScrutinyError(f"IMAP {self.host}:{self.port}: not connected")
        return self._box

    def _refresh_capabilities(self) -> None:
        """imaplib keeps the capabilities from before login; servers announce more (MOVE, UIDPLUS) after."""
        client = self._mailbox().client
        status, data = client.capability()
        if status == "OK" and data and isinstance(data[0], bytes):
            client.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())

    def _hierarchy_delimiter(self) -> str:
        status, data = self._mailbox().client.list('""', '""')
        if status == "OK" and data and isinstance(data[0], bytes):
            found = _LIST_DELIMITER.match(data[0])
            if found and found.group(1):
                return found.group(1).decode("ascii", "replace").replace("\\\\", "\\")
        return "/"

    def _server_name(self, folder: str) -> str:
        return folder.replace("/", self._delimiter) if self._delimiter != "/" else folder

    def _run(self, what: str, action: Callable[[], object]) -> None:
        try:
            action()
        except _NETWORK_ERRORS as exc:
            raise ScrutinyError(f"IMAP {self.host}:{self.port}: {what} failed ({self._reason(exc)})") from None

    # --- reading -------------------------------------------------------------------------

    def messages(self) -> Iterator[ImapMessage]:
        """Every message now in the folder, oldest first, each fetched when its turn comes."""
        box = self._mailbox()
        try:
            headers = list(box.fetch("ALL", mark_seen=False, headers_only=True, bulk=50))
        except _NETWORK_ERRORS as exc:
            raise ScrutinyError(
                f"IMAP {self.host}:{self.port}: listing {self.folder!r} failed ({self._reason(exc)})"
            ) from None
        for header in headers:
            if header.uid is None:
                continue
            if header.size_rfc822 > self.max_message_bytes:
                yield self._oversized(header)
                continue
            try:
                fetched = next(box.fetch(mark_seen=False, uid_list=[header.uid]), None)
            except _NETWORK_ERRORS as exc:
                raise ScrutinyError(
                    f"IMAP {self.host}:{self.port}: fetching a message failed ({self._reason(exc)})"
                ) from None
            if not isinstance(fetched, _RawMailMessage):
                continue  # gone since the listing (another client moved it)
            parsed = parse_message(fetched.raw)
            yield ImapMessage(
                message_id=parsed.message_id,
                subject=parsed.subject,
                sender=parsed.sender,
                text=parsed.text,
                attachments=parsed.attachments,
                raw=parsed.raw,
                uid=header.uid,
                size=header.size_rfc822,
                flags=tuple(header.flags),
            )

    def _oversized(self, header: MailMessage) -> ImapMessage:
        found: tuple[str, ...] = header.headers.get("message-id") or ("",)  # type: ignore[no-untyped-call]
        message_id = found[0].strip() or None
        return ImapMessage(
            message_id=message_id,
            subject=" ".join(header.subject.split()),
            sender=header.from_,
            text="",
            attachments=(),
            raw=b"",
            uid=str(header.uid),
            size=header.size_rfc822,
            flags=tuple(header.flags),
            oversized=True,
        )

    # --- acting on a message -------------------------------------------------------------

    def flag_and_move(self, uid: str, folder: str, reason: str) -> None:
        """Leave a message for an officer: flagged, in ``folder`` (created when missing)."""
        log.info("IMAP message %s moved to %s: %s", uid, folder, reason)
        self._store(uid, "+FLAGS", "(\\Flagged)")
        self._move(uid, folder)

    def mark_done(self, uid: str) -> None:
        """A collected message: seen, and moved to the done folder when one is set."""
        self._store(uid, "+FLAGS", "(\\Seen)")
        if self.done_folder:
            self._move(uid, self.done_folder)

    def _store(self, uid: str, how: str, flags: str) -> None:
        client = self._mailbox().client
        self._run(f"flagging message {uid}", lambda: _expect_ok(client.uid("STORE", uid, how, flags)))

    def _ensure_folder(self, folder: str) -> str:
        box = self._mailbox()
        name = self._server_name(folder)
        if not box.folder.exists(name):
            self._run(f"creating folder {folder!r}", lambda: box.folder.create(name))
            self._run(f"subscribing to folder {folder!r}", lambda: box.folder.subscribe(name, True))
        return name

    def _move(self, uid: str, folder: str) -> None:
        client = self._mailbox().client
        target = encode_folder(self._ensure_folder(folder)).decode("ascii")  # modified UTF-7, quoted
        if "MOVE" in client.capabilities:
            self._run(f"moving message {uid}", lambda: _expect_ok(client.uid("MOVE", uid, target)))
            return
        # No MOVE: copy, then remove this one message only (UID EXPUNGE), never the folder's others.
        if "UIDPLUS" not in client.capabilities:
            raise ScrutinyError(
                f"IMAP {self.host}:{self.port}: the server supports neither MOVE nor UIDPLUS; cannot move message {uid}"
            )
        self._run(f"copying message {uid}", lambda: _expect_ok(client.uid("COPY", uid, target)))
        self._store(uid, "+FLAGS", "(\\Deleted)")
        self._run(f"moving message {uid}", lambda: _expect_ok(client.uid("EXPUNGE", uid)))


def _expect_ok(result: tuple[str, list[object]]) -> None:
    status, detail = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"{status} {detail!r}")


def imap_password(settings: Settings) -> str:
    """From the environment, or from a Prefect Secret block; never from the repository."""
    if settings.imap_password:
        return settings.imap_password
    if settings.imap_password_block:
        from prefect.blocks.system import Secret

        try:
            secret = cast("Secret[str]", Secret.load(settings.imap_password_block))  # sync call: not a coroutine
            return str(secret.get())
        except ValueError:
            raise ScrutinyError(f"Prefect Secret block {settings.imap_password_block!r} not found") from None
    raise ScrutinyError("no IMAP password: set SCRUTINY_IMAP_PASSWORD or SCRUTINY_IMAP_PASSWORD_BLOCK")


def imap_configured(settings: Settings) -> bool:
    return bool(settings.imap_host)
