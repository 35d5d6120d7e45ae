"""Response intake: real documents accepted, hostile ones refused in one line with bounded memory."""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document

from scrutiny.documents import libreoffice
from scrutiny.errors import ScrutinyError
from scrutiny.intake import AcceptedDocument, IntakeLimits, RefusedDocument, inspect_response
from scrutiny.intake.model import MB
from scrutiny.settings import Settings
from tests import hostile_files as hostile
from tests import intake_support as support

MEMORY_LIMIT_MB = 500


@dataclass(frozen=True)
class Originals:
    docx: Path
    pdf: Path
    doc: Path
    odt: Path
    rtf: Path


@pytest.fixture(scope="session")
def originals(tmp_path_factory: pytest.TempPathFactory) -> Originals:
    """A Word response, its PDF print and its .doc, .odt and .rtf saves, made once by LibreOffice."""
    folder = tmp_path_factory.mktemp("originals")
    docx = support.word_docx(folder)
    return Originals(
        docx=docx,
        pdf=support.printed_pdf(docx, folder),
        doc=support.legacy_doc(docx, folder),
        odt=support.opendocument_text(docx, folder),
        rtf=support.rich_text(docx, folder),
    )


def _fingerprint(path: Path) -> tuple[str, int, int]:
    info = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), info.st_size, info.st_mtime_ns


def _assert_one_line_naming(message: str, name: str) -> None:
    assert "\n" not in message and "Traceback" not in message, message
    assert message.startswith(f"{name}: "), message


# --- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "detected", "kind", "converted"),
    [
        ("docx", "docx", "docx", False),
        ("pdf", "pdf", "pdf", False),
        ("doc", "doc", "docx", True),
        ("odt", "odt", "docx", True),
        ("rtf", "rtf", "docx", True),
    ],
)
def test_real_documents_are_accepted(
    originals: Originals, tmp_path: Path, which: str, detected: str, kind: str, converted: bool
) -> None:
    original: Path = getattr(originals, which)
    before = _fingerprint(original)
    accepted = inspect_response(original, IntakeLimits(), work_dir=tmp_path / "work")
    assert (accepted.detected_type, accepted.kind, accepted.converted) == (detected, kind, converted)
    assert accepted.original_name == original.name
    assert accepted.path.is_file() and accepted.path.is_relative_to(tmp_path / "work")
    assert accepted.path.suffix == f".{kind}"
    assert accepted.sha256 == hashlib.sha256(accepted.path.read_bytes()).hexdigest()
    assert _fingerprint(original) == before, "the original must be left exactly as it was"
    if kind == "pdf":
        assert accepted.pages == 1
    else:
        assert accepted.pages is None
        text = "\n".join(p.text for p in Document(str(accepted.path)).paragraphs)
        assert "monitoring groups" in text
    if not converted:
        assert accepted.sha256 == before[0], "an unconverted document is stored byte for byte"


def test_type_comes_from_the_bytes_not_the_name(originals: Originals, tmp_path: Path) -> None:
    disguised = {
        "response.docx": originals.pdf.read_bytes(),
        "response.pdf": originals.docx.read_bytes(),
        "legacy.docx": originals.doc.read_bytes(),
        "no-extension": originals.docx.read_bytes(),
    }
    results: dict[str, AcceptedDocument] = {}
    for name, data in disguised.items():
        (tmp_path / name).write_bytes(data)
        results[name] = inspect_response(tmp_path / name, IntakeLimits(), work_dir=tmp_path / "work")
    assert results["response.docx"].kind == "pdf" and results["response.docx"].path.suffix == ".pdf"
    assert results["response.pdf"].kind == "docx" and results["response.pdf"].path.suffix == ".docx"
    assert (results["legacy.docx"].detected_type, results["legacy.docx"].converted) == ("doc", True)
    assert results["no-extension"].detected_type == "docx"


def test_messages_use_the_given_name(originals: Originals, tmp_path: Path) -> None:
    saved = tmp_path / "attachment-0001.bin"
    saved.write_bytes(b"\x7fELF" + bytes(100))
    with pytest.raises(RefusedDocument) as refused:
        inspect_response(saved, IntakeLimits(), work_dir=tmp_path / "work", name="police response.docx")
    _assert_one_line_naming(str(refused.value), "police response.docx")
    accepted = inspect_response(originals.docx, IntakeLimits(), work_dir=tmp_path / "work", name="Our response.docx")
    assert accepted.original_name == "Our response.docx" and accepted.path.name == "Our response.docx"


# --- refused, each in a child process whose peak memory the kernel reports -------------------


@dataclass(frozen=True)
class Hostile:
    build: Callable[[Originals, Path], Path]
    reason: str
    limits: dict[str, object] | None = None


HOSTILE: dict[str, Hostile] = {
    "zip-bomb": Hostile(lambda o, d: hostile.zip_bomb_docx(d), "would inflate to more than 200 MB"),
    "zip-bomb-within-size-limit": Hostile(
        lambda o, d: hostile.zip_bomb_docx(d, inflated_bytes=150 * MB), ":1, more than the limit of 100:1 (a zip bomb?)"
    ),
    "zip-bomb-lying-header": Hostile(lambda o, d: hostile.lying_zip_bomb_docx(d), "damaged zip container"),
    "external-entity": Hostile(lambda o, d: hostile.external_entity_docx(o.docx, d), "declares a DTD"),
    "entity-expansion": Hostile(lambda o, d: hostile.entity_expansion_docx(o.docx, d), "declares a DTD"),
    "docm": Hostile(lambda o, d: hostile.docm(o.docx, d), "contains macros (word/vbaProject.bin)"),
    "docm-renamed-docx": Hostile(lambda o, d: hostile.docm_renamed_docx(o.docx, d), "contains macros"),
    "macro-content-type": Hostile(lambda o, d: hostile.macro_content_type_only_docx(o.docx, d), "macro-enabled"),
    "encrypted-pdf": Hostile(lambda o, d: hostile.encrypted_pdf(o.pdf, d), "the PDF is encrypted"),
    "restricted-pdf": Hostile(lambda o, d: hostile.restricted_pdf(o.pdf, d), "the PDF is encrypted"),
    "encrypted-docx": Hostile(lambda o, d: hostile.encrypted_docx(o.docx, d), "password-protected (encrypted)"),
    "executable-renamed-docx": Hostile(lambda o, d: hostile.executable_renamed_docx(d), "an executable program"),
    "empty": Hostile(lambda o, d: hostile.empty_file(d), "the file is empty"),
    "html-renamed-docx": Hostile(lambda o, d: hostile.html_renamed_docx(d), "a web page"),
    "text-renamed-pdf": Hostile(lambda o, d: hostile.plain_text_renamed_pdf(d), "plain text"),
    "workbook-renamed-docx": Hostile(lambda o, d: hostile.workbook_renamed_docx(d), "an Excel workbook"),
    "too-many-entries": Hostile(lambda o, d: hostile.many_entries_docx(o.docx, d), "more than the limit of 2000"),
    "deeply-nested": Hostile(lambda o, d: hostile.deeply_nested_docx(o.docx, d), "nested more than 512 deep"),
    "remote-template": Hostile(
        lambda o, d: hostile.remote_template_docx(o.docx, d), "links to an outside attachedTemplate"
    ),
    "oversized": Hostile(lambda o, d: hostile.oversized_file(d), "more than the limit of 25 MB"),
    "odt-with-macros": Hostile(lambda o, d: hostile.odt_with_macros(o.odt, d), "contains macros (Basic/"),
    "rtf-with-object": Hostile(lambda o, d: hostile.rtf_with_object(d), "embeds objects"),
    "pdf-over-page-limit": Hostile(
        lambda o, d: support.blank_pdf(d, pages=400), "the PDF has 400 pages, more than the limit of 300"
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_files_are_refused_in_one_line_with_bounded_memory(
    originals: Originals, tmp_path: Path, case: str
) -> None:
    spec = HOSTILE[case]
    path = spec.build(originals, tmp_path / "incoming")
    before = _fingerprint(path)
    result = support.probe_intake(path, tmp_path / "work", limits=spec.limits)
    assert result.outcome == "refused", f"{case} was accepted as {result.message}"
    assert result.exit_code == 2
    _assert_one_line_naming(result.message, path.name)
    assert spec.reason in result.message
    assert result.stderr == "", "a refusal prints nothing but its one line"
    assert result.peak_rss_mb < MEMORY_LIMIT_MB, f"{case}: peak RSS {result.peak_rss_mb:.0f} MB"
    assert result.children_peak_rss_mb == 0, "a hostile file is refused before LibreOffice is started"
    assert _fingerprint(path) == before, "the original must be left exactly as it was"
    assert list((tmp_path / "work").iterdir()) == [], "a refusal leaves nothing behind"


def test_the_memory_probe_sees_what_a_naive_reader_would_use(tmp_path: Path) -> None:
    """The measurement can fail: inflating a bomb's first 600 MB the naive way is over the limit."""
    bomb = hostile.zip_bomb_docx(tmp_path, inflated_bytes=700 * MB)
    naive = (
        "import sys, zipfile\n"
        "with zipfile.ZipFile(sys.argv[1]) as archive, archive.open('word/document.xml') as part:\n"
        "    data = part.read(600 * 1024 * 1024)\n"
        "result = {'read': len(data)}\n"
    )
    result, _ = support.run_measured(naive, str(bomb))
    assert result["read"] == 600 * MB
    assert int(str(result["peak_kb"])) / 1024 > MEMORY_LIMIT_MB
    refused = support.probe_intake(bomb, tmp_path / "work")
    assert refused.outcome == "refused" and refused.peak_rss_mb < MEMORY_LIMIT_MB


def test_the_zip_bomb_is_a_real_one(tmp_path: Path) -> None:
    """The factory's bomb is a valid zip whose CRC checks out, so the refusal is not of a broken file."""
    bomb = hostile.zip_bomb_docx(tmp_path, inflated_bytes=64 * MB)
    with zipfile.ZipFile(bomb) as archive:
        assert archive.testzip() is None
        info = archive.getinfo("word/document.xml")
    assert info.file_size > 64 * MB - MB and info.compress_size < info.file_size / 500
    assert hostile.zip_entry_sizes(hostile.zip_bomb_docx(tmp_path))["word/document.xml"][0] > 3 * hostile.GIB


def test_libreoffice_missing_is_one_line(originals: Originals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)  # as on a machine without LibreOffice
    for original in (originals.doc, originals.odt, originals.rtf):
        with pytest.raises(RefusedDocument, match="LibreOffice, which is not installed") as refused:
            inspect_response(original, IntakeLimits(), work_dir=tmp_path / "work")
        _assert_one_line_naming(str(refused.value), original.name)
    assert inspect_response(originals.docx, IntakeLimits(), work_dir=tmp_path / "work").kind == "docx"


def test_a_word_document_without_text_is_refused(tmp_path: Path) -> None:
    Document().save(str(tmp_path / "blank.docx"))
    with pytest.raises(RefusedDocument, match=r"^blank\.docx: the Word document has no text$"):
        inspect_response(tmp_path / "blank.docx", IntakeLimits(), work_dir=tmp_path / "work")


def test_pdf_page_limit_and_empty_pdf(tmp_path: Path) -> None:
    support.blank_pdf(tmp_path, pages=3, name="three.pdf")
    support.blank_pdf(tmp_path, pages=0, name="none.pdf")
    accepted = inspect_response(tmp_path / "three.pdf", IntakeLimits(max_pdf_pages=3), work_dir=tmp_path / "work")
    assert accepted.pages == 3
    with pytest.raises(RefusedDocument, match="the PDF has 3 pages, more than the limit of 2"):
        inspect_response(tmp_path / "three.pdf", IntakeLimits(max_pdf_pages=2), work_dir=tmp_path / "work")
    with pytest.raises(RefusedDocument, match="the PDF has no pages"):
        inspect_response(tmp_path / "none.pdf", IntakeLimits(), work_dir=tmp_path / "work")


def test_zip_limits_apply_to_ordinary_documents(originals: Originals, tmp_path: Path) -> None:
    with pytest.raises(RefusedDocument, match="entries, more than the limit of 3"):
        inspect_response(originals.docx, IntakeLimits(max_zip_entries=3), work_dir=tmp_path / "work")
    with pytest.raises(RefusedDocument, match=r"inflate to more than 19\.53 kB when unzipped"):
        inspect_response(originals.docx, IntakeLimits(max_uncompressed_bytes=20_000), work_dir=tmp_path / "work")
    with pytest.raises(RefusedDocument, match=r"kB, more than the limit of 10 kB$"):
        inspect_response(originals.docx, IntakeLimits(max_file_bytes=10 * 1024), work_dir=tmp_path / "work")


def test_special_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.docx"
    os.mkfifo(fifo)
    with pytest.raises(RefusedDocument, match=r"^pipe\.docx: not a regular file$"):
        inspect_response(fifo, IntakeLimits(), work_dir=tmp_path / "work")
    with pytest.raises(RefusedDocument, match=r"^missing\.pdf: file not found"):
        inspect_response(tmp_path / "missing.pdf", IntakeLimits(), work_dir=tmp_path / "work")
    (tmp_path / "folder.docx").mkdir()
    with pytest.raises(RefusedDocument, match="a folder, not a document"):
        inspect_response(tmp_path / "folder.docx", IntakeLimits(), work_dir=tmp_path / "work")


def test_refusals_are_scrutiny_errors_with_exit_code_2() -> None:
    refused = RefusedDocument("x.docx: the file is empty")
    assert isinstance(refused, ScrutinyError) and refused.exit_code == 2


def test_limits_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert IntakeLimits.from_settings(Settings()) == IntakeLimits()
    for name, value in {
        "SCRUTINY_INTAKE_MAX_MB": "10",
        "SCRUTINY_INTAKE_MAX_ZIP_ENTRIES": "500",
        "SCRUTINY_INTAKE_MAX_UNCOMPRESSED_MB": "50",
        "SCRUTINY_INTAKE_MAX_COMPRESSION_RATIO": "40",
        "SCRUTINY_INTAKE_MAX_PDF_PAGES": "30",
        "SCRUTINY_INTAKE_CONVERT_TIMEOUT_S": "15",
    }.items():
        monkeypatch.setenv(name, value)
    assert IntakeLimits.from_settings(Settings()) == IntakeLimits(
        max_file_bytes=10 * MB,
        max_zip_entries=500,
        max_uncompressed_bytes=50 * MB,
        max_compression_ratio=40.0,
        max_pdf_pages=30,
        convert_timeout_s=15.0,
    )
