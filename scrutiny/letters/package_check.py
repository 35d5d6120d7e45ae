"""A cheap proof that a rendered DOCX opens again in Word, without loading it into python-docx.

Rendering can only break a package in a few ways: a part that is no longer well-formed XML (text
a template pushed between tags), a relationship pointing at a part that is not there, or a main
document with no content type. Opening the result in python-docx finds the same, but builds the
whole object tree, about 4.5 ms a letter; this reads what could have changed and remembers the
parts already found good by name, CRC and size (styles, theme, numbering: the same in every letter).
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

from scrutiny.letters.render_memo import part_known_wellformed, remember_wellformed_part

_CONTENT_TYPES = "[Content_Types].xml"
_PACKAGE_RELS = "_rels/.rels"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_WORD_MAIN_TYPES = (  # a document, a template; python-docx opens both
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
# Rendered documents are our own output, but the parser still never fetches or expands anything.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class BrokenPackage(ValueError):
    """The rendered bytes would not open as a Word document; the message says why."""


def check_package_opens(data: bytes) -> None:
    """Raise BrokenPackage naming the first problem that would stop the document opening."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BrokenPackage(f"not a zip package ({exc})") from None
    with package:
        names = set(package.namelist())
        for required in (_CONTENT_TYPES, _PACKAGE_RELS):
            if required not in names:
                raise BrokenPackage(f"{required} is missing")
        trees: dict[str, etree._Element] = {}
        for info in package.infolist():
            name = info.filename
            if not name.endswith((".xml", ".rels")):
                continue
            is_index = name == _CONTENT_TYPES or name.endswith(".rels")  # read below: always parsed
            if not is_index and part_known_wellformed(name, info.CRC, info.file_size):
                continue
            try:
                tree = etree.fromstring(package.read(info), _PARSER)
            except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError) as exc:
                raise BrokenPackage(f"part {name} is not well-formed XML ({exc})") from None
            if is_index:
                trees[name] = tree
            else:
                remember_wellformed_part(name, info.CRC, info.file_size)
        main = _check_relationships(trees, names)
        _check_content_type(trees[_CONTENT_TYPES], main)


def _check_relationships(trees: dict[str, etree._Element], names: set[str]) -> str:
    """Every internal relationship names a part in the package; returns the main document's name."""
    main = None
    for rels_name, tree in trees.items():
        if not rels_name.endswith(".rels"):
            continue
        # "word/_rels/document.xml.rels" describes "word/document.xml": targets are relative to "word/".
        source_dir = posixpath.dirname(posixpath.dirname(rels_name))
        for relationship in tree.iter(f"{_RELS_NS}Relationship"):
            if relationship.get("TargetMode") == "External":
                continue
            target = relationship.get("Target") or ""
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(source_dir, target))
            if resolved not in names:
                raise BrokenPackage(f"{rels_name} points at {target!r}, which is not in the package")
            if rels_name == _PACKAGE_RELS and relationship.get("Type") == _OFFICE_DOCUMENT:
                main = resolved
    if main is None:
        raise BrokenPackage(f"{_PACKAGE_RELS} names no main document")
    return main


def _check_content_type(types: etree._Element, main: str) -> None:
    """The main part is typed as a Word document body (an override, else its extension's default)."""
    overrides = {
        o.get("PartName", "").lstrip("/"): o.get("ContentType", "") for o in types.iter(f"{_TYPES_NS}Override")
    }
    defaults = {d.get("Extension", "").lower(): d.get("ContentType", "") for d in types.iter(f"{_TYPES_NS}Default")}
    content_type = overrides.get(main) or defaults.get(posixpath.splitext(main)[1].lstrip(".").lower(), "")
    if not content_type.startswith(_WORD_MAIN_TYPES):
        raise BrokenPackage(f"the main document {main} is not typed as a Word document ({content_type or 'no type'})")
