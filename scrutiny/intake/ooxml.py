"""Checks for a Word (OOXML) document, run after the zip container passed its limits."""

from __future__ import annotations

import posixpath
import zipfile
from urllib.parse import unquote

from scrutiny.intake.model import RefusedDocument
from scrutiny.intake.xml_parts import MAX_SMALL_PART_BYTES, Relationship, check_xml_stream, parse_small_part
from scrutiny.intake.zip_limits import ReadBudget, read_entry, stream_entry

CONTENT_TYPES = "[Content_Types].xml"
PACKAGE_RELS = "_rels/.rels"
WORD_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
}
_MACRO_PART_NAMES = {"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin"}
# Linked from outside the file, these make Word (or LibreOffice) fetch content when it is opened.
_UNSAFE_EXTERNAL_TYPES = {"attachedTemplate", "subDocument", "frame", "oleObject"}
_XML_EXTENSIONS = (".xml", ".rels", ".vml")


def check_docx(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], budget: ReadBudget, name: str) -> None:
    by_name = {info.filename: info for info in entries}
    _refuse_macro_parts(by_name, name)
    defaults, overrides = _content_types(archive, by_name, budget, name)
    _refuse_macro_types([*defaults.values(), *overrides.values()], name)
    main = _main_part(archive, by_name, budget, name)
    main_type = overrides.get("/" + main.lower()) or defaults.get(posixpath.splitext(main)[1].lstrip(".").lower(), "")
    if main_type not in WORD_MAIN_TYPES:
        raise RefusedDocument(f"{name}: {_describe_office_type(main_type)}, not a Word document")
    has_text = False
    for info in entries:
        part_type = overrides.get("/" + info.filename.lower()) or defaults.get(
            posixpath.splitext(info.filename)[1].lstrip(".").lower(), ""
        )
        if not (info.filename.lower().endswith(_XML_EXTENSIONS) or part_type.endswith("xml")):
            continue
        summary = check_xml_stream(stream_entry(archive, info, budget, name), name=name, part=info.filename)
        if info.filename == main:
            has_text = summary.has_text
        if info.filename.endswith(".rels"):
            _check_relationships(info.filename, summary.relationships, by_name, name)
    if not has_text:
        raise RefusedDocument(f"{name}: the Word document has no text")


def _refuse_macro_parts(by_name: dict[str, zipfile.ZipInfo], name: str) -> None:
    for part in by_name:
        if posixpath.basename(part).lower() in _MACRO_PART_NAMES:
            raise RefusedDocument(
                f"{name}: the document contains macros ({part}); ask for a copy saved as .docx or PDF"
            )


def _refuse_macro_types(content_types: list[str], name: str) -> None:
    for content_type in content_types:
        lowered = content_type.lower()
        if "macroenabled" in lowered or "vbaproject" in lowered:
            raise RefusedDocument(
                f"{name}: the document is macro-enabled ({content_type}); ask for a copy saved as .docx or PDF"
            )


def _content_types(
    archive: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], budget: ReadBudget, name: str
) -> tuple[dict[str, str], dict[str, str]]:
    info = by_name.get(CONTENT_TYPES)
    if info is None:
        raise RefusedDocument(f"{name}: a zip archive without {CONTENT_TYPES}, not a Word document")
    root = parse_small_part(
        read_entry(archive, info, budget, name, max_bytes=MAX_SMALL_PART_BYTES), name=name, part=CONTENT_TYPES
    )
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        content_type = element.get("ContentType", "")
        if tag == "Default":
            defaults[element.get("Extension", "").lower()] = content_type
        elif tag == "Override":
            overrides[element.get("PartName", "").lower()] = content_type
    return defaults, overrides


def _main_part(archive: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], budget: ReadBudget, name: str) -> str:
    info = by_name.get(PACKAGE_RELS)
    if info is None:
        raise RefusedDocument(f"{name}: damaged Word document (no {PACKAGE_RELS})")
    root = parse_small_part(
        read_entry(archive, info, budget, name, max_bytes=MAX_SMALL_PART_BYTES), name=name, part=PACKAGE_RELS
    )
    for element in root:
        if element.get("Type", "").endswith("/officeDocument") and element.get("TargetMode", "") != "External":
            target = _resolve("", element.get("Target", ""))
            if target not in by_name:
                raise RefusedDocument(f"{name}: damaged Word document (main part {target!r} is missing)")
            return target
    raise RefusedDocument(f"{name}: not a Word document (no main document part)")


def _check_relationships(
    rels_part: str, relationships: list[Relationship], by_name: dict[str, zipfile.ZipInfo], name: str
) -> None:
    # word/_rels/document.xml.rels describes word/document.xml: targets are relative to word/.
    source_dir = posixpath.dirname(posixpath.dirname(rels_part))
    for relationship in relationships:
        kind = relationship.type.rsplit("/", 1)[-1]
        if relationship.external:
            if kind in _UNSAFE_EXTERNAL_TYPES:
                raise RefusedDocument(
                    f"{name}: the document links to an outside {kind} ({relationship.target[:80]}), "
                    "which Word would fetch when opening it"
                )
            continue
        target = _resolve(source_dir, relationship.target)
        if target not in by_name:
            raise RefusedDocument(f"{name}: damaged Word document ({rels_part} refers to missing part {target!r})")


def _resolve(source_dir: str, target: str) -> str:
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(source_dir, target))


def _describe_office_type(content_type: str) -> str:
    if "spreadsheetml" in content_type:
        return "an Excel workbook"
    if "presentationml" in content_type:
        return "a PowerPoint presentation"
    if content_type:
        return f"an Office document of type {content_type}"
    return "an Office package with no main document type"
