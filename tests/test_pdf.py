"""PDF conversion with LibreOffice: a real conversion, and the failure paths with stand-ins."""

from __future__ import annotations

import contextlib
import stat
import time
from pathlib import Path

import pytest

from scrutiny.documents import libreoffice
from scrutiny.documents.libreoffice import libreoffice_session
from scrutiny.documents.pdf import convert_to_pdf, libreoffice_available
from scrutiny.errors import ScrutinyError
from scrutiny.letters.render import render_letter
from scrutiny.letters.samples import sample_context

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture
def letter(tmp_path: Path) -> Path:
    out = tmp_path / "letters" / "request.docx"
    render_letter(TEMPLATES / "request_letter.docx", sample_context("request"), out)
    return out


@pytest.fixture
def need_libreoffice() -> None:
    """Never a skip: scripts/setup.sh installs LibreOffice, so its absence is a failure."""
    if not libreoffice_available():
        pytest.fail("LibreOffice (soffice) is required: scripts/setup.sh installs libreoffice-writer-nogui")


def _fake_soffice(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-soffice"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.mark.parametrize("warm", [False, True], ids=["one-shot", "warm"])
def test_letter_converts_to_a_tagged_bookmarked_pdf(
    tmp_path: Path, letter: Path, need_libreoffice: None, warm: bool
) -> None:
    out_dir = tmp_path / "pdf"
    with libreoffice_session() if warm else contextlib.nullcontext() as office:
        result = convert_to_pdf(letter, out_dir)
        assert office is None or office.warm  # the warm engine really served it
    assert result == out_dir / "request.pdf"
    data = result.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/StructTreeRoot" in data  # tagged PDF, for screen readers
    assert b"/Outlines" in data  # headings exported as bookmarks
    assert sorted(p.name for p in out_dir.iterdir()) == ["request.pdf"]  # no temp files left


def test_two_conversions_at_once_do_not_collide(tmp_path: Path, letter: Path, need_libreoffice: None) -> None:
    """Each run has its own LibreOffice profile, so parallel Prefect tasks can convert."""
    from concurrent.futures import ThreadPoolExecutor

    second = letter.with_name("second.docx")
    second.write_bytes(letter.read_bytes())
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda d: convert_to_pdf(d, tmp_path / "pdf"), [letter, second]))
    assert [r.name for r in results if r] == ["request.pdf", "second.pdf"]
    assert all(r.read_bytes().startswith(b"%PDF") for r in results if r)


def test_no_libreoffice_means_no_pdf(tmp_path: Path, letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scrutiny.documents.libreoffice.shutil.which", lambda name: None)
    monkeypatch.setattr(libreoffice, "_KNOWN_LOCATIONS", ())
    assert libreoffice_available() is False
    assert convert_to_pdf(letter, tmp_path / "pdf") is None


def test_failed_conversion_is_one_line_and_writes_nothing(tmp_path: Path, letter: Path) -> None:
    # Like the real soffice: reports the error and still exits 0.
    fake = _fake_soffice(tmp_path, 'echo "Error: source file could not be loaded"; exit 0')
    out_dir = tmp_path / "pdf"
    with pytest.raises(
        ScrutinyError,
        match=r"^LibreOffice could not convert request.docx to PDF \(exit 0\): "
        r"Error: source file could not be loaded$",
    ):
        convert_to_pdf(letter, out_dir, soffice=fake)
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_conversion_that_hangs_is_stopped(tmp_path: Path, letter: Path) -> None:
    fake = _fake_soffice(tmp_path, "sleep 30 & wait")
    started = time.monotonic()
    with pytest.raises(ScrutinyError, match="LibreOffice took longer than 0.5 s to convert request.docx"):
        convert_to_pdf(letter, tmp_path / "pdf", timeout_s=0.5, soffice=fake)
    assert time.monotonic() - started < 5


def test_input_must_be_a_docx(tmp_path: Path) -> None:
    text = tmp_path / "notes.docx"
    text.write_text("plain text, which LibreOffice would otherwise happily convert")
    with pytest.raises(ScrutinyError, match="not a Word .docx file"):
        convert_to_pdf(text, tmp_path, soffice="/bin/false")
    with pytest.raises(ScrutinyError, match="file not found"):
        convert_to_pdf(tmp_path / "missing.docx", tmp_path, soffice="/bin/false")


def test_pdf_benchmark_measures_both_converters(need_libreoffice: None) -> None:
    """benchmarks/pdf.py keeps working (a smoke run: nothing about time is asserted)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_pdf", TEMPLATES.parent / "benchmarks" / "pdf.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.measure_pdf_ratio(2)
    assert result["letters"] == 2 and result["warm"] is True
    assert result["pdf_ratio"] == pytest.approx(result["product_s_per_letter"] / result["fresh_s_per_letter"])
    assert result["pdf_ratio"] > 0
