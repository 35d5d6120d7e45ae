"""Parse the XML parts of a document as a stream, refusing DTDs, entities and runaway structure.

defusedxml's expat reader refuses any DOCTYPE (so no entity, internal or external, can be
declared); the handler bounds nesting depth; a pre-scan bounds the distance between two tags,
so no single tag or text run can make the parser buffer a large part of the file at once.
Memory stays flat whatever the part's size.
"""

from __future__ import annotations

import xml.sax
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NoReturn
from xml.etree.ElementTree import Element
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl

import defusedxml
import defusedxml.ElementTree
from defusedxml.expatreader import DefusedExpatParser

from scrutiny.intake.model import MB, RefusedDocument

MAX_DEPTH = 512
# No tag or text run in an office document comes near this; base64 image data in VML is the largest seen.
MAX_SPAN_BETWEEN_TAGS = 16 * MB
# Small parts read whole (content types, relationships, manifests) never need more than this.
MAX_SMALL_PART_BYTES = 4 * MB


@dataclass(frozen=True)
class Relationship:
    type: str
    target: str
    external: bool


@dataclass
class XmlSummary:
    has_text: bool = False
    relationships: list[Relationship] = field(default_factory=list)


class _Handler(ContentHandler):
    def __init__(self, summary: XmlSummary, refuse: _Refuser) -> None:
        super().__init__()
        self._summary = summary
        self._refuse = refuse
        self._depth = 0

    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802 (SAX API)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            self._refuse(f"elements nested more than {MAX_DEPTH} deep")
        if name.rsplit(":", 1)[-1] == "Relationship":
            self._summary.relationships.append(
                Relationship(
                    type=attrs.get("Type", ""),
                    target=attrs.get("Target", ""),
                    external=attrs.get("TargetMode", "").lower() == "external",
                )
            )

    def endElement(self, name: str) -> None:  # noqa: N802 (SAX API)
        self._depth -= 1

    def characters(self, content: str) -> None:
        if not self._summary.has_text and content.strip():
            self._summary.has_text = True


class _Refuser:
    def __init__(self, name: str, part: str) -> None:
        self.name = name
        self.part = part

    def __call__(self, problem: str) -> NoReturn:
        raise RefusedDocument(f"{self.name}: part {self.part!r} {problem}")


def check_xml_stream(chunks: Iterable[bytes], *, name: str, part: str) -> XmlSummary:
    """Parse one XML part fed in chunks; refuse it with a one-line reason when it is unsafe or broken."""
    refuse = _Refuser(name, part)
    summary = XmlSummary()
    parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(_Handler(summary, refuse))
    span = _SpanCounter()
    try:
        for chunk in chunks:
            if span.add(chunk) > MAX_SPAN_BETWEEN_TAGS:
                refuse(f"has more than {MAX_SPAN_BETWEEN_TAGS // MB} MB between two tags")
            parser.feed(chunk)
        parser.close()
    except defusedxml.DTDForbidden:
        refuse("declares a DTD, which could define entities (XXE, entity expansion)")
    except defusedxml.EntitiesForbidden:
        refuse("declares XML entities")
    except defusedxml.ExternalReferenceForbidden:
        refuse("refers to an external entity")
    except xml.sax.SAXParseException as exc:
        refuse(f"is not well-formed XML (line {exc.getLineNumber()}: {exc.getMessage()})")
    except (xml.sax.SAXException, ValueError, UnicodeError) as exc:
        refuse(f"is not readable XML ({type(exc).__name__})")
    return summary


class _SpanCounter:
    """The longest run of bytes without a "<" so far, across chunks.

    A run inside one chunk is at most a chunk long, far below the limit, so only runs that
    span chunk boundaries need counting.
    """

    def __init__(self) -> None:
        self._open_run = 0  # bytes since the last "<"

    def add(self, chunk: bytes) -> int:
        first = chunk.find(b"<")
        if first < 0:
            self._open_run += len(chunk)
            return self._open_run
        longest = self._open_run + first
        self._open_run = len(chunk) - chunk.rfind(b"<") - 1
        return max(longest, self._open_run)


def parse_small_part(data: bytes, *, name: str, part: str) -> Element:
    """A small XML part (already read within its bound) as an element tree, without DTDs or entities."""
    refuse = _Refuser(name, part)
    try:
        root: Element = defusedxml.ElementTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        return root
    except defusedxml.DTDForbidden:
        refuse("declares a DTD, which could define entities (XXE, entity expansion)")
    except defusedxml.EntitiesForbidden:
        refuse("declares XML entities")
    except defusedxml.ExternalReferenceForbidden:
        refuse("refers to an external entity")
    except Exception as exc:  # ParseError and the few others ElementTree raises on broken input
        refuse(f"is not well-formed XML ({type(exc).__name__})")
