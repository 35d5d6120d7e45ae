"""Fuzzing intake: whatever bytes arrive, the answer is an accepted document or one line, never a traceback."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrutiny.intake import IntakeLimits, RefusedDocument, inspect_response
from scrutiny.intake.sniff import OLE_MAGIC
from tests import hostile_files as hostile
from tests import intake_support as support

# INTAKE_FUZZ_EXAMPLES raises the count for a longer hunt by hand; CI runs the default.
FUZZ = settings(
    max_examples=int(os.environ.get("INTAKE_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("fuzz-seeds")
    docx = support.word_docx(folder)
    return {"docx": docx.read_bytes(), "pdf": support.blank_pdf(folder, pages=2).read_bytes()}


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="intake-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _outcome(data: bytes, scratch: Path, name: str) -> str:
    """Run intake once; a traceback (any exception but a refusal) fails the test by propagating."""
    path = scratch / name
    path.write_bytes(data)
    work = scratch / "work"
    try:
        accepted = inspect_response(path, IntakeLimits(), work_dir=work)
    except RefusedDocument as refused:
        message = str(refused)
        assert "\n" not in message and message.startswith(f"{name}: "), message
        assert list(work.iterdir()) == [], "a refusal leaves nothing behind"
        return "refused"
    finally:
        assert path.read_bytes() == data, "the original is never changed"
    assert accepted.kind in ("docx", "pdf") and accepted.path.is_file()
    shutil.rmtree(accepted.path.parent)
    return "accepted"


def _mutate(seed: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    data = bytearray(seed)
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data[:cut] if cut is not None else data)


_EDITS = st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=12)
# Prefixes that send random bytes down each path (RTF is left out: every RTF goes through LibreOffice).
_PREFIXES = st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"%PDF-1.7\n", OLE_MAGIC])


@FUZZ
@given(prefix=_PREFIXES, body=st.binary(max_size=2048))
def test_random_bytes(scratch: Path, prefix: bytes, body: bytes) -> None:
    assert _outcome(prefix + body, scratch, "random.docx") == "refused"


@FUZZ
@given(edits=_EDITS, cut=st.none() | st.integers(min_value=0, max_value=40_000))
def test_mutated_docx(seeds: dict[str, bytes], scratch: Path, edits: list[tuple[int, int]], cut: int | None) -> None:
    _outcome(_mutate(seeds["docx"], edits, cut), scratch, "mutated.docx")


@FUZZ
@given(edits=_EDITS, cut=st.none() | st.integers(min_value=0, max_value=2_000))
def test_mutated_pdf(seeds: dict[str, bytes], scratch: Path, edits: list[tuple[int, int]], cut: int | None) -> None:
    _outcome(_mutate(seeds["pdf"], edits, cut), scratch, "mutated.pdf")


_XML_SNIPPETS = st.sampled_from(
    [b"<", b">", b"&", b"&amp;", b"<!DOCTYPE x>", b"<![CDATA[", b"]]>", b"<?xml?>", b'"', b"\x00", b"\xff", b"<w:t>"]
)


@FUZZ
@given(pieces=st.lists(_XML_SNIPPETS | st.binary(max_size=8), max_size=30), keep=st.booleans())
def test_mutated_document_xml_in_a_valid_container(
    seeds: dict[str, bytes], scratch: Path, pieces: list[bytes], keep: bool
) -> None:
    """The zip is sound; word/document.xml is not: the XML checks must answer, not crash."""
    scratch.joinpath("seed.docx").write_bytes(seeds["docx"])
    body = b"".join(pieces)
    xml = b"<w:document " + hostile.W_NAMESPACE + b"><w:body>" + body + b"</w:body></w:document>" if keep else body
    _outcome(hostile.docx_bytes_with(scratch / "seed.docx", "word/document.xml", xml), scratch, "xml.docx")


def test_fuzzing_reaches_acceptance(seeds: dict[str, bytes], scratch: Path) -> None:
    """The harness itself: untouched seeds are accepted, so refusals above are the checks' doing."""
    assert _outcome(seeds["docx"], scratch, "seed-ok.docx") == "accepted"
    assert _outcome(seeds["pdf"], scratch, "seed-ok.pdf") == "accepted"
