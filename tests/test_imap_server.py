"""The Dovecot fixture is a real IMAP server: imap-tools logs in, appends, fetches, flags and moves on it."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from imap_tools import MailboxLoginError, MailBoxUnencrypted, MailMessageFlags

from tests.imap_server import DovecotServer, ImapAccount, group_alive


def _message(subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Stop and Search Monitoring Group <ssmg@example.org>"
    message["To"] = "scrutiny@example.gov.uk"
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@example.org>"
    message.set_content("Please find our response attached.")
    message.add_attachment(b"%PDF-1.7 not really", maintype="application", subtype="pdf", filename="response.pdf")
    return message.as_bytes()


def test_imap_tools_round_trip(imap_account: ImapAccount) -> None:
    imap_account.append(_message("Our ref: lih-2027-01-25-mopac"))
    with MailBoxUnencrypted(imap_account.host, imap_account.port, timeout=30).login(
        imap_account.user, imap_account.password
    ) as mailbox:
        mailbox.append(_message("second message"), "INBOX")
        fetched = list(mailbox.fetch(mark_seen=False))
        assert [m.subject for m in fetched] == ["Our ref: lih-2027-01-25-mopac", "second message"]
        assert fetched[0].attachments[0].filename == "response.pdf"
        assert fetched[0].text.strip() == "Please find our response attached."

        first = fetched[0].uid
        assert first is not None
        mailbox.flag(first, MailMessageFlags.FLAGGED, True)
        assert MailMessageFlags.FLAGGED in next(mailbox.fetch(f"UID {first}", mark_seen=False)).flags

        mailbox.folder.create("Scrutiny/Unmatched")
        mailbox.move(first, "Scrutiny/Unmatched")
        assert [m.subject for m in mailbox.fetch(mark_seen=False)] == ["second message"]

    moved = imap_account.messages("Scrutiny/Unmatched")
    assert len(moved) == 1 and b"lih-2027-01-25-mopac" in moved[0][1]
    assert "\\Flagged" in moved[0][0]
    assert "Scrutiny/Unmatched" in imap_account.folders()


def test_each_account_is_its_own_mailbox(imap_server: DovecotServer) -> None:
    first, second = imap_server.add_account(), imap_server.add_account()
    first.append(_message("for the first"))
    assert [len(first.messages()), len(second.messages())] == [1, 0]


def test_wrong_password_is_refused(imap_server: DovecotServer) -> None:
    with pytest.raises(MailboxLoginError):
        MailBoxUnencrypted(imap_server.host, imap_server.port, timeout=30).login(imap_server.user, "not-the-password")
    imap_server.append(_message("the default account works"))
    with MailBoxUnencrypted(imap_server.host, imap_server.port, timeout=30).login(
        imap_server.user, imap_server.password
    ) as mailbox:
        assert "the default account works" in [m.subject for m in mailbox.fetch(mark_seen=False)]


def test_stopping_leaves_no_process_and_no_files() -> None:
    server = DovecotServer()
    server.start()
    assert server.process is not None
    pgid, root = server.process.pid, server.root
    account = server.add_account()
    account.append(_message("before stopping"))
    server.stop()
    assert not group_alive(pgid), "a Dovecot process outlived stop()"
    assert not root.exists()
