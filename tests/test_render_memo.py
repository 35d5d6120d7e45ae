"""What the letter renderer remembers between letters changes no result and skips no check."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document

from scrutiny.documents.docx_zip import normalise_docx
from scrutiny.errors import ScrutinyError
from scrutiny.letters import render_memo
from scrutiny.letters.render import find_leftover_tags, render_letter
from scrutiny.letters.samples import sample_context

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _saved_by_python_docx() -> bytes:
    document = Document()
    document.add_paragraph("Dear Natasha Plummer")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_fixed_timestamps_give_the_bytes_normalise_docx_gives() -> None:
    data = _saved_by_python_docx()
    assert render_memo.fixed_timestamps(data) == normalise_docx(data)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert {info.date_time for info in package.infolist()} != {(1980, 1, 1, 0, 0, 0)}


def test_a_zip_with_a_comment_takes_the_slow_way() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_saved_by_python_docx())) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.comment = b"written by hand"
    calls: list[bytes] = []

    def slow_way(data: bytes) -> bytes:
        calls.append(data)
        return data

    render_memo.fixed_timestamps(buffer.getvalue(), slow_way=slow_way)
    assert calls == [buffer.getvalue()]


def test_the_same_letter_gives_the_same_bytes_remembered_or_not(tmp_path: Path) -> None:
    template, context = TEMPLATES / "request_letter.docx", sample_context("request")
    render_memo.forget_everything()
    fresh = render_letter(template, context, tmp_path / "fresh.docx")
    remembered = render_letter(template, context, tmp_path / "remembered.docx")
    other = render_letter(template, sample_context("reminder"), tmp_path / "other.docx")
    again = render_letter(template, context, tmp_path / "again.docx")
    assert fresh.sha256 == remembered.sha256 == again.sha256 != other.sha256  # no letter sees another's


def test_an_edited_template_is_analysed_again(tmp_path: Path) -> None:
    template = tmp_path / "request_letter.docx"
    shutil.copy(TEMPLATES / "request_letter.docx", template)
    render_letter(template, sample_context("request"), tmp_path / "before.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"{{ salutation }}", b"{{ salutaton }}", 1)
            target.writestr(info, data)
    template.write_bytes(buffer.getvalue())
    stat = template.stat()
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    with pytest.raises(ScrutinyError, match="salutaton"):
        render_letter(template, sample_context("request"), tmp_path / "after.docx")


def test_a_part_known_clean_by_name_is_still_read_when_its_bytes_differ(tmp_path: Path) -> None:
    letter = render_letter(TEMPLATES / "request_letter.docx", sample_context("request"), tmp_path / "letter.docx")
    data = letter.path.read_bytes()
    assert find_leftover_tags(data) == []  # every part now remembered as clean
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "word/styles.xml":
                part = part.replace(b"</w:styles>", b"<!-- {{ left }} --></w:styles>")
            target.writestr(info, part)
    assert find_leftover_tags(buffer.getvalue()) == ["word/styles.xml: {{ left }} -->"]


@pytest.mark.parametrize(
    ("source", "problem"),
    [("{{ ''.__class__.__mro__ }}", "unsafe"), ("{{ missing }}", "undefined"), ("{{ items.append(1) }}", "unsafe")],
)
def test_the_remembering_sandbox_checks_every_render(source: str, problem: str) -> None:
    env = render_memo.RENDER_ENV
    assert env.autoescape is True
    for _ in range(2):  # the second time the compiled code is remembered: the check still runs
        with pytest.raises(Exception, match=problem):
            env.from_string(source).render(items=[])
    assert env.from_string("{{ name }}").render(name="A & <B>") == "A &amp; &lt;B&gt;"
