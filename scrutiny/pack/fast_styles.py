"""docxcompose with the pack's style list read straight from the XML.

For every block it appends, docxcompose lists the pack's style ids through python-docx
(``[s.style_id for s in doc.styles]``), which builds a style object per ``w:style`` element:
with the ~160 styles of a Word document and thousands of blocks in a pack of 40 responses
that listing is most of the assembly time (see benchmarks/pack.py). The composer here sees
the same document through a view whose ``styles`` yields only what docxcompose reads from
that listing (``style_id`` and ``name``, as python-docx reports them); everything else,
lookups and additions included, goes to the real document, so the result is identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.styles import BabelFish
from docx.styles.styles import Styles
from docxcompose.composer import Composer


class StyleRef(NamedTuple):
    style_id: str | None
    name: str | None


def _listing(styles_element: Any) -> list[StyleRef]:
    refs = []
    for element in styles_element.style_lst:
        name = element.find(qn("w:name"))
        value = name.get(qn("w:val")) if name is not None else None
        refs.append(StyleRef(element.get(qn("w:styleId")), BabelFish.internal2ui(value) if value is not None else None))
    return refs


class _ListedStyles(Styles):
    """python-docx's Styles, iterated as (style_id, UI name) pairs listed once per change."""

    def __init__(self, element: Any, listing: list[StyleRef]) -> None:
        super().__init__(element)
        self._listing = listing

    def __iter__(self) -> Iterator[StyleRef]:
        return iter(self._listing)


class _MasterView:
    """The pack's document as the composer sees it: itself, but for a cheap style listing.

    Styles are only ever added while composing, so the listing is rebuilt when the number of
    children of ``w:styles`` changes and reused otherwise.
    """

    def __init__(self, document: DocxDocument) -> None:
        self._document = document
        self._listed_at = -1
        self._listing: list[StyleRef] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._document, name)

    @property
    def styles(self) -> Styles:
        element = self._document.styles.element
        if len(element) != self._listed_at:
            self._listing, self._listed_at = _listing(element), len(element)
        return _ListedStyles(element, self._listing)


def pack_composer(master: DocxDocument) -> Composer:
    """A docxcompose Composer appending to ``master`` (which it changes in place, as usual)."""
    composer = Composer(master)
    composer.doc = _MasterView(master)
    return composer
