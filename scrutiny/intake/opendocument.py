"""Checks for an OpenDocument text (.odt) before LibreOffice converts it to DOCX."""

from __future__ import annotations

import zipfile

from scrutiny.intake.model import RefusedDocument
from scrutiny.intake.xml_parts import MAX_SMALL_PART_BYTES, check_xml_stream, parse_small_part
from scrutiny.intake.zip_limits import ReadBudget, read_entry, stream_entry

MIMETYPE = "mimetype"
MANIFEST = "META-INF/manifest.xml"
TEXT_TYPES = {"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.text-template"}
_MACRO_FOLDERS = ("basic/", "scripts/")
_XML_EXTENSIONS = (".xml", ".rdf")


def opendocument_type(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: ReadBudget, name: str) -> str:
    """The media type in the ``mimetype`` entry, which every OpenDocument file starts with."""
    raw = read_entry(archive, info, budget, name, max_bytes=256)
    return raw.decode("ascii", "replace").strip()


def check_odt(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], media_type: str, budget: ReadBudget, name: str
) -> None:
    if media_type not in TEXT_TYPES:
        kind = media_type.rsplit(".", 1)[-1] if media_type.startswith("application/vnd.oasis.opendocument.") else ""
        described = f"an OpenDocument {kind}" if kind else f"a zip archive of type {media_type[:60]!r}"
        raise RefusedDocument(f"{name}: {described}, not a text document")
    by_name = {info.filename: info for info in entries}
    for part in by_name:
        if part.lower().startswith(_MACRO_FOLDERS):
            raise RefusedDocument(
                f"{name}: the document contains macros ({part}); ask for a copy saved as .docx or PDF"
            )
    manifest = by_name.get(MANIFEST)
    if manifest is not None:
        root = parse_small_part(
            read_entry(archive, manifest, budget, name, max_bytes=MAX_SMALL_PART_BYTES), name=name, part=MANIFEST
        )
        if any(element.tag.endswith("}encryption-data") for element in root.iter()):
            raise RefusedDocument(
                f"{name}: the document is encrypted (password-protected); ask for an unprotected copy"
            )
    if "content.xml" not in by_name:
        raise RefusedDocument(f"{name}: damaged OpenDocument file (no content.xml)")
    for info in entries:
        if info.filename.lower().endswith(_XML_EXTENSIONS):
            check_xml_stream(stream_entry(archive, info, budget, name), name=name, part=info.filename)
