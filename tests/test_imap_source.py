"""ImapSource against the real Dovecot test server: reading, flagging, moving, and one-line failures."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from typing import Any

import pytest

from scrutiny.errors import ScrutinyError
from scrutiny.intake.imap import ImapSource, imap_configured
from scrutiny.settings import Settings
from tests.imap_server import DovecotServer, ImapAccount


def _email(subject: str, *, attachment: bytes | None = None, html: bool = False) -> bytes:
    message = EmailMessage()
    message["From"] = "MOPAC <mopac@example.org>"
    message["To"] = "scrutiny@example.gov.uk"
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    if html:
        message.set_content("<p>Our ref: <b>lih-2027-01-25-mopac</b></p>", subtype="html")
    else:
        message.set_content("Dear Chair,\n\nOur response is attached.\n")
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="MOPAC response.pdf")
    return message.as_bytes().replace(b"\n", b"\r\n")


def _source(account: ImapAccount, **options: Any) -> ImapSource:
    return ImapSource(
        host=account.host, port=account.port, user=account.user, password=account.password, use_ssl=False, **options
    )


def test_messages_are_read_whole_and_left_unseen(imap_account: ImapAccount) -> None:
    first = _email("Our ref: lih-2027-01-25-mopac", attachment=b"%PDF-1.7 response")
    second = _email("Re: request", html=True)
    imap_account.append(first)
    imap_account.append(second)
    with _source(imap_account) as source:
        messages = list(source.messages())
    assert [m.subject for m in messages] == ["Our ref: lih-2027-01-25-mopac", "Re: request"]
    assert messages[0].raw == first and messages[1].raw == second
    assert messages[0].attachments == (("MOPAC response.pdf", b"%PDF-1.7 response"),)
    assert messages[0].text.strip() == "Dear Chair,\n\nOur response is attached."
    assert "lih-2027-01-25-mopac" in messages[1].text and "<b>" not in messages[1].text
    assert messages[0].message_id and messages[0].message_id.endswith("@example.org>")
    assert messages[0].uid != messages[1].uid and not messages[0].oversized
    assert all("\\Seen" not in flags for flags, _ in imap_account.messages()), "reading must not mark seen"


def test_flag_and_move_creates_the_folder_and_touches_nothing_else(imap_account: ImapAccount) -> None:
    imap_account.append(_email("unmatched"))
    imap_account.append(_email("deleted by the officer, not yet expunged"), flags=["\\Deleted"])
    with _source(imap_account) as source:
        uid = next(m.uid for m in source.messages() if m.subject == "unmatched")
        source.flag_and_move(uid, "Scrutiny/Unmatched", "no reference found")
    moved = imap_account.messages("Scrutiny/Unmatched")
    assert len(moved) == 1 and "\\Flagged" in moved[0][0] and b"Subject: unmatched" in moved[0][1]
    remaining = imap_account.messages()
    assert len(remaining) == 1 and "\\Deleted" in remaining[0][0], "another message must not be expunged"
    assert "Scrutiny/Unmatched" in imap_account.folders()


def test_mark_done_with_and_without_a_done_folder(imap_server: DovecotServer) -> None:
    stays, moves = imap_server.add_account(), imap_server.add_account()
    for account, done_folder in ((stays, None), (moves, "Scrutiny/Collected")):
        account.append(_email("collected"))
        with _source(account, done_folder=done_folder) as source:
            source.mark_done(next(source.messages()).uid)
    assert [flags for flags, _ in stays.messages()] == [frozenset({"\\Seen"})]
    assert moves.messages() == []
    assert [flags for flags, _ in moves.messages("Scrutiny/Collected")] == [frozenset({"\\Seen"})]


def test_move_without_the_move_extension(imap_account: ImapAccount) -> None:
    """Servers without MOVE: copy, then expunge only that message by UID."""
    imap_account.append(_email("to move"))
    imap_account.append(_email("someone else's deleted message"), flags=["\\Deleted"])
    with _source(imap_account) as source:
        client = source._mailbox().client
        client.capabilities = tuple(c for c in client.capabilities if c != "MOVE")
        uid = next(m.uid for m in source.messages() if m.subject == "to move")
        source.flag_and_move(uid, "Scrutiny/Unmatched", "test")
    assert len(imap_account.messages("Scrutiny/Unmatched")) == 1
    assert [b"someone else" in raw for _, raw in imap_account.messages()] == [True]


def test_oversized_messages_are_listed_not_fetched(imap_account: ImapAccount) -> None:
    imap_account.append(_email("big", attachment=b"x" * 20_000))
    with _source(imap_account, max_message_bytes=10_000) as source:
        (message,) = list(source.messages())
    assert message.oversized and message.subject == "big" and message.raw == b"" and message.attachments == ()
    assert message.size > 10_000 and message.message_id


def test_from_settings(imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not imap_configured(Settings())
    for name, value in {
        "SCRUTINY_IMAP_HOST": imap_account.host,
        "SCRUTINY_IMAP_PORT": str(imap_account.port),
        "SCRUTINY_IMAP_USER": imap_account.user,
        "SCRUTINY_IMAP_PASSWORD": imap_account.password,
        "SCRUTINY_IMAP_SSL": "false",
        "SCRUTINY_IMAP_DONE_FOLDER": "Done",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert imap_configured(settings)
    imap_account.append(_email("from settings"))
    with ImapSource.from_settings(settings) as source:
        assert source.unmatched_folder == "Scrutiny/Unmatched" and source.folder == "INBOX"
        source.mark_done(next(source.messages()).uid)
    assert len(imap_account.messages("Done")) == 1


def _one_line_without(secret: str, error: ScrutinyError) -> str:
    message = str(error)
    assert "\n" not in message and secret not in message, message
    return message


def test_failures_are_one_line_and_never_show_the_password(imap_account: ImapAccount) -> None:
    wrong = "Wr0ng-Password-123"
    with pytest.raises(ScrutinyError) as login:
        ImapSource(
            host=imap_account.host, port=imap_account.port, user=imap_account.user, password=wrong, use_ssl=False
        ).connect()
    assert "login failed for user" in _one_line_without(wrong, login.value)

    with pytest.raises(ScrutinyError) as tls:  # TLS spoken to a plaintext port
        ImapSource(
            host=imap_account.host, port=imap_account.port, user=imap_account.user, password=wrong, timeout_s=5
        ).connect()
    assert "cannot connect" in _one_line_without(wrong, tls.value)

    with pytest.raises(ScrutinyError) as folder:
        _source(imap_account, folder="No/Such/Folder").connect()
    assert "folder 'No/Such/Folder' not found" in _one_line_without(imap_account.password, folder.value)


def test_nothing_listening(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ScrutinyError, match=rf"^IMAP 127\.0\.0\.1:{port}: cannot connect"):
        ImapSource(host="127.0.0.1", port=port, user="u", password="p", use_ssl=False, timeout_s=5).connect()


def test_settings_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ScrutinyError, match="SCRUTINY_IMAP_HOST is not set"):
        ImapSource.from_settings(Settings())
    monkeypatch.setenv("SCRUTINY_IMAP_HOST", "127.0.0.1")
    with pytest.raises(ScrutinyError, match="SCRUTINY_IMAP_USER is not set"):
        ImapSource.from_settings(Settings())
    monkeypatch.setenv("SCRUTINY_IMAP_USER", "officer")
    source = ImapSource.from_settings(Settings())  # no password yet: asked for only when connecting
    with pytest.raises(
        ScrutinyError, match="no IMAP password: set SCRUTINY_IMAP_PASSWORD or SCRUTINY_IMAP_PASSWORD_BLOCK"
    ):
        source.connect()


@pytest.mark.prefect
def test_password_from_a_prefect_secret_block(
    prefect_harness: None, imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.system import Secret
    from pydantic import SecretStr

    block = f"imap-password-{uuid.uuid4().hex[:8]}"
    for name, value in {
        "SCRUTINY_IMAP_HOST": imap_account.host,
        "SCRUTINY_IMAP_PORT": str(imap_account.port),
        "SCRUTINY_IMAP_USER": imap_account.user,
        "SCRUTINY_IMAP_PASSWORD_BLOCK": block,
        "SCRUTINY_IMAP_SSL": "false",
    }.items():
        monkeypatch.setenv(name, value)
    source = ImapSource.from_settings(Settings())  # built before the block exists: it is read lazily
    with pytest.raises(ScrutinyError, match=f"Prefect Secret block '{block}' not found"):
        source.connect()
    Secret(value=SecretStr(imap_account.password)).save(block)
    imap_account.append(_email("via the block"))
    with source:
        assert [m.subject for m in source.messages()] == ["via the block"]
