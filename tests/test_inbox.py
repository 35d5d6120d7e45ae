"""The drop folder: .eml files and bare documents listed, parsed, and moved to done/ without loss."""

from __future__ import annotations

import os
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from scrutiny.errors import ScrutinyError
from scrutiny.intake.inbox import InboxEntry, iter_inbox, move_to_done


def _eml(subject: str, *, message_id: str | None = "<response-1@example.org>") -> bytes:
    message = EmailMessage()
    message["From"] = "Community Safety Partnership <csp@example.org>"
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    message.set_content("Please find our annual update attached.\nOur ref: lih-2027-01-25-csp\n")
    message.add_attachment(b"%PDF-1.7 update", maintype="application", subtype="pdf", filename="CSP update.pdf")
    return message.as_bytes()


def test_lists_emails_and_documents_by_name(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "b-response.eml").write_bytes(_eml("Our ref: lih-2027-01-25-csp"))
    (inbox / "a lih-2027-01-25-mopac response.pdf").write_bytes(b"%PDF-1.7")
    for ignored in (".hidden.eml", "~$response.docx", "copying.docx.part"):
        (inbox / ignored).write_bytes(b"x")
    (inbox / "done").mkdir()
    (inbox / "done" / "old.eml").write_bytes(_eml("already processed"))
    (inbox / "subfolder").mkdir()
    os.symlink("/etc/hostname", inbox / "link.pdf")

    entries = list(iter_inbox(inbox))
    assert [(e.name, e.kind) for e in entries] == [
        ("a lih-2027-01-25-mopac response.pdf", "document"),
        ("b-response.eml", "eml"),
    ]
    document, email = entries
    assert document.message is None and document.key.startswith("file:")
    assert email.message is not None and email.key == "<response-1@example.org>"
    assert email.message.subject == "Our ref: lih-2027-01-25-csp"
    assert "lih-2027-01-25-csp" in email.message.text
    assert email.message.attachments == (("CSP update.pdf", b"%PDF-1.7 update"),)


def test_an_email_without_message_id_is_keyed_by_its_bytes(tmp_path: Path) -> None:
    same = _eml("no id", message_id=None)
    (tmp_path / "x.eml").write_bytes(same)
    (tmp_path / "y.eml").write_bytes(same)
    (tmp_path / "z.eml").write_bytes(_eml("no id", message_id=None))  # another MIME boundary: other bytes
    first, second, third = iter_inbox(tmp_path)
    assert first.key.startswith("sha256:") and first.key == second.key, "the same bytes are the same message"
    assert third.key != first.key


def test_too_large_emails_are_reported_not_read(tmp_path: Path) -> None:
    (tmp_path / "big.eml").write_bytes(_eml("big") + b"x" * 5000)
    (entry,) = iter_inbox(tmp_path, max_message_bytes=1000)
    assert entry.message is None and entry.problem is not None and "more than the limit of 1000 bytes" in entry.problem


def test_files_still_being_written_wait_for_the_next_sweep(tmp_path: Path) -> None:
    (tmp_path / "new.pdf").write_bytes(b"%PDF")
    (tmp_path / "old.pdf").write_bytes(b"%PDF")
    an_hour_ago = time.time() - 3600
    os.utime(tmp_path / "old.pdf", (an_hour_ago, an_hour_ago))
    assert [e.name for e in iter_inbox(tmp_path, min_age_s=60)] == ["old.pdf"]


def test_a_missing_inbox_is_empty_and_a_file_is_an_error(tmp_path: Path) -> None:
    assert list(iter_inbox(tmp_path / "absent")) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(ScrutinyError, match="not a folder"):
        list(iter_inbox(tmp_path / "file"))


def test_move_to_done_never_overwrites(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    moved: list[Path] = []
    for content in (b"first", b"second", b"third"):
        (inbox / "response.eml").write_bytes(content)
        moved.append(move_to_done(inbox / "response.eml", inbox))
    assert [p.name for p in moved] == ["response.eml", "response-2.eml", "response-3.eml"]
    assert [p.read_bytes() for p in moved] == [b"first", b"second", b"third"]
    assert all(p.parent == inbox / "done" for p in moved)
    assert not (inbox / "response.eml").exists()
    assert list(iter_inbox(inbox)) == [], "done/ is not swept again"


def test_move_failure_is_one_line_and_keeps_the_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "done").write_text("a file where the folder should be")
    (inbox / "r.pdf").write_bytes(b"%PDF")
    with pytest.raises(ScrutinyError, match=r"^inbox: cannot move r\.pdf to "):
        move_to_done(inbox / "r.pdf", inbox)
    assert (inbox / "r.pdf").read_bytes() == b"%PDF"


def test_entry_name() -> None:
    assert InboxEntry(path=Path("/x/y.eml"), kind="eml", key="k").name == "y.eml"
