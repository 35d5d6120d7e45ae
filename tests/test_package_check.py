"""The check that a rendered letter opens again: what python-docx would refuse, it refuses too."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from scrutiny.letters import render_memo
from scrutiny.letters.package_check import BrokenPackage, check_package_opens
from scrutiny.letters.render import render_letter
from scrutiny.letters.samples import sample_context

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def letter_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("letter") / "request.docx"
    render_letter(ROOT / "templates" / "request_letter.docx", sample_context("request"), out)
    return out.read_bytes()


def _rewrite(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The package with each part passed through ``change`` (None drops the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = change(info.filename, source.read(info))
            if body is not None:
                target.writestr(info.filename, body)
    return out.getvalue()


def _python_docx_refuses(data: bytes) -> bool:
    try:
        docx.Document(io.BytesIO(data))
    except Exception:
        return True
    return False


def test_a_rendered_letter_passes_and_opens_in_python_docx(letter_bytes: bytes) -> None:
    check_package_opens(letter_bytes)
    check_package_opens(letter_bytes)  # the second time from what it remembered
    assert not _python_docx_refuses(letter_bytes)


def test_a_broken_body_is_found_even_after_a_good_one_of_the_same_name(letter_bytes: bytes) -> None:
    check_package_opens(letter_bytes)  # remembers the good word/document.xml
    broken = _rewrite(
        letter_bytes,
        lambda name, body: body.replace(b"</w:body>", b"<w:p></w:body>") if name == "word/document.xml" else body,
    )
    with pytest.raises(BrokenPackage, match=r"^part word/document.xml is not well-formed XML \("):
        check_package_opens(broken)
    assert _python_docx_refuses(broken)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda name, body: None if name == "word/styles.xml" else body,
            "points at 'styles.xml', which is not in the package",
        ),
        (lambda name, body: None if name == "[Content_Types].xml" else body, r"\[Content_Types\].xml is missing"),
        (lambda name, body: None if name == "_rels/.rels" else body, "_rels/.rels is missing"),
        (
            lambda name, body: b"<Types" if name == "[Content_Types].xml" else body,
            r"part \[Content_Types\].xml is not well-formed",
        ),
        (
            lambda name, body: (
                body.replace(b'PartName="/word/document.xml"', b'PartName="/word/other.xml"')
                if name == "[Content_Types].xml"
                else body
            ),
            r"the main document word/document.xml is not typed as a Word document \(application/xml\)",
        ),
    ],
    ids=["missing part", "no content types", "no package relationships", "broken content types", "main part untyped"],
)
def test_what_would_stop_the_document_opening_is_named(
    letter_bytes: bytes, change: Callable[[str, bytes], bytes | None], problem: str
) -> None:
    broken = _rewrite(letter_bytes, change)
    with pytest.raises(BrokenPackage, match=problem):
        check_package_opens(broken)
    assert _python_docx_refuses(broken)


def test_not_a_zip_is_refused() -> None:
    with pytest.raises(BrokenPackage, match=r"^not a zip package"):
        check_package_opens(b"PK\x03\x04 not really")


def test_an_external_link_is_not_a_missing_part(letter_bytes: bytes) -> None:
    link = (
        b'<Relationship Id="rIdWeb" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'hyperlink" Target="https://hackney.example/scrutiny" TargetMode="External"/></Relationships>'
    )
    linked = _rewrite(
        letter_bytes,
        lambda name, body: body.replace(b"</Relationships>", link) if name == "word/_rels/document.xml.rels" else body,
    )
    render_memo.forget_everything()
    check_package_opens(linked)
    assert not _python_docx_refuses(linked)
