"""Graft a tagged PDF response's structure tree into the pack's, so screen readers read it.

pypdf keeps the structure tree of the document it clones (the LibreOffice pack) but not that
of pages merged into it: it never copies another file's ``/StructTreeRoot``, and it drops
``/StructParents`` from pages it adds. The pack's reserved pages carry only artifacts (the
footer), so the marked-content IDs a response page brings clash with nothing. This module
copies the response's structure elements under one ``/Sect`` (titled with the response's
heading) in the pack's ``/Document`` element, at the place of the reserved pages, and gives
each page, and each form XObject with marked content of its own, a new parent-tree key.

Not carried: links' ``/OBJR`` references (pypdf copies annotations without ``/StructParent``),
element IDs and attribute classes. When either tree has a shape this does not handle, nothing
is linked in and the response stays untagged; the pack's own tree is never changed half-way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

# Standard structure types (ISO 32000-1, 14.8.4): a role-mapped type is resolved to one of
# these, so the pack's role map never needs merging.
_STANDARD = frozenset(
    "Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private P H H1 H2 H3 H4 H5 H6 "
    "L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote Note Reference BibEntry Code Link Annot "
    "Ruby RB RT RP Warichu WT WP Figure Formula Form".split()
)
_TEXT_KEYS = ("/Alt", "/ActualText", "/E", "/Lang", "/T")


class _Unsupported(Exception):
    """A tree shape the graft does not handle: leave the response untagged."""


def _numbers(tree: Any) -> dict[int, Any]:
    """A number tree as a dict (``/Nums`` at any depth under ``/Kids``)."""
    node = tree.get_object()
    found: dict[int, Any] = {}
    nums = node.get("/Nums")
    if nums is not None:
        nums = nums.get_object()
        for index in range(0, len(nums) - 1, 2):
            found[int(nums[index])] = nums[index + 1]
    for kid in node.get("/Kids") or []:
        found.update(_numbers(kid))
    return found


def _forms(resources: Any, seen: set[int]) -> Iterator[tuple[IndirectObject, StreamObject]]:
    """Every form XObject reachable from a resource dictionary (nested forms too), once each."""
    if resources is None:
        return
    xobjects = resources.get_object().get("/XObject")
    for ref in xobjects.get_object().values() if xobjects is not None else []:
        if not isinstance(ref, IndirectObject) or ref.idnum in seen:
            continue
        seen.add(ref.idnum)
        stream = ref.get_object()
        if isinstance(stream, StreamObject) and stream.get("/Subtype") == "/Form":
            yield ref, stream
            yield from _forms(stream.get("/Resources"), seen)


class _Grafter:
    def __init__(self, writer: PdfWriter, source: PdfReader, targets: list[PageObject], title: str) -> None:
        self.writer = writer
        self.source = source
        self.targets = targets
        self.title = title
        catalog: Any = source.trailer["/Root"]  # pypdf objects are dynamic
        tree: Any = catalog["/StructTreeRoot"].get_object()
        role_map = tree.get("/RoleMap")
        self.role_map = {str(k): v for k, v in role_map.get_object().items()} if role_map is not None else {}
        self.source_tree = tree
        self.source_parents = _numbers(tree["/ParentTree"]) if "/ParentTree" in tree else {}
        self.pages: dict[int, IndirectObject] = {}
        for page, target in zip(source.pages, targets):
            if page.indirect_reference is None or target.indirect_reference is None:
                raise _Unsupported("page without a reference")
            self.pages[page.indirect_reference.idnum] = target.indirect_reference
        # The response's form XObjects as pypdf copied them onto the pack's pages, by their source key.
        self.forms: dict[int, tuple[IndirectObject, StreamObject]] = {}
        seen: set[int] = set()
        for target in targets:
            for ref, stream in _forms(target.get("/Resources"), seen):
                if "/StructParents" in stream:
                    self.forms[int(cast(Any, stream["/StructParents"]))] = (ref, stream)
        self.clones: dict[int, IndirectObject] = {}  # source element idnum -> grafted element

    def _page(self, ref: Any) -> IndirectObject | None:
        return self.pages.get(ref.idnum) if isinstance(ref, IndirectObject) else None

    def _stream(self, ref: Any) -> IndirectObject | None:
        stream = ref.get_object() if isinstance(ref, IndirectObject) else None
        key = stream.get("/StructParents") if isinstance(stream, StreamObject) else None
        return self.forms[int(key)][0] if key is not None and int(key) in self.forms else None

    def kid(self, kid: Any, parent: IndirectObject) -> PdfObject | None:
        if isinstance(kid, NumberObject):
            return NumberObject(int(kid))
        node = kid.get_object()
        if not isinstance(node, DictionaryObject):
            return None
        if node.get("/Type") == "/OBJR":
            return None  # the annotation lost its /StructParent when pypdf copied it
        if node.get("/Type") == "/MCR":
            mcr = DictionaryObject({NameObject("/Type"): NameObject("/MCR"), NameObject("/MCID"): node["/MCID"]})
            page = self._page(node.get("/Pg"))
            if page is not None:
                mcr[NameObject("/Pg")] = page
            if "/Stm" in node:
                stream = self._stream(node["/Stm"])
                if stream is None:
                    return None
                mcr[NameObject("/Stm")] = stream
            return mcr
        return self.element(kid, parent) if "/S" in node else None

    def element(self, ref: Any, parent: IndirectObject) -> IndirectObject:
        node = ref.get_object()
        clone = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/StructElem"),
                NameObject("/S"): NameObject(self._standard(str(node["/S"]))),
                NameObject("/P"): parent,
            }
        )
        clone_ref = self.writer._add_object(clone)
        if isinstance(ref, IndirectObject):
            self.clones[ref.idnum] = clone_ref
        page = self._page(node.get("/Pg"))
        if page is not None:
            clone[NameObject("/Pg")] = page
        for key in _TEXT_KEYS:
            if key in node:
                clone[NameObject(key)] = TextStringObject(str(node[key]))
        if "/A" in node:
            clone[NameObject("/A")] = node["/A"].clone(self.writer)
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else ArrayObject()
        grafted = (self.kid(k, clone_ref) for k in (kids if isinstance(kids, ArrayObject) else [kids]))
        clone[NameObject("/K")] = ArrayObject(k for k in grafted if k is not None)
        return clone_ref

    def _standard(self, name: str) -> str:
        seen: set[str] = set()
        while name.lstrip("/") not in _STANDARD and name in self.role_map and name not in seen:
            seen.add(name)
            name = str(self.role_map[name])
        return name if name.lstrip("/") in _STANDARD else "/Span"

    def _parent_array(self, key: int) -> ArrayObject:
        entry = self.source_parents.get(key)
        entry = entry.get_object() if entry is not None else ArrayObject()
        if not isinstance(entry, ArrayObject):
            raise _Unsupported("a page's parent-tree entry is not an array")
        return ArrayObject(
            self.clones.get(e.idnum, NullObject()) if isinstance(e, IndirectObject) else NullObject() for e in entry
        )

    def graft(self) -> None:
        root: Any = self.writer.root_object["/StructTreeRoot"].get_object()
        parent_tree: Any = root["/ParentTree"].get_object()
        if "/Kids" in parent_tree or "/Nums" not in parent_tree:
            raise _Unsupported("the pack's parent tree is not a flat /Nums array")
        document = _document_element(root)
        section = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/StructElem"),
                NameObject("/S"): NameObject("/Sect"),
                NameObject("/P"): document.indirect_reference,
                NameObject("/T"): TextStringObject(self.title),
            }
        )
        language = cast(Any, self.source.trailer["/Root"]).get("/Lang")
        if language:
            section[NameObject("/Lang")] = TextStringObject(str(language))
        section_ref = self.writer._add_object(section)  # pypdf has no public way to add an object
        tops: Any = self.source_tree.get("/K")
        tops = tops.get_object() if tops is not None else ArrayObject()
        tops = tops if isinstance(tops, ArrayObject) else ArrayObject([tops])
        if len(tops) == 1 and self._standard(str(tops[0].get_object().get("/S", ""))) == "/Document":
            tops = (
                tops[0].get_object().get("/K", ArrayObject()).get_object()
            )  # a Document inside the pack's: its content
        grafted = (self.kid(k, section_ref) for k in (tops if isinstance(tops, ArrayObject) else [tops]))
        section[NameObject("/K")] = ArrayObject(k for k in grafted if k is not None)
        holders: list[tuple[DictionaryObject, ArrayObject]] = [
            (target, self._parent_array(int(cast(Any, page["/StructParents"]))))
            for page, target in zip(self.source.pages, self.targets)
            if "/StructParents" in page
        ]
        holders += [(stream, self._parent_array(key)) for key, (_, stream) in self.forms.items()]
        kids, position = _insertion_point(self.writer, document, self.targets[-1])
        # Everything is built and checked; only now is the pack's tree changed.
        nums: Any = parent_tree["/Nums"]
        used = [int(nums[i]) for i in range(0, len(nums), 2)]
        next_key = max([*used, int(root.get("/ParentTreeNextKey", 0)) - 1]) + 1
        for holder, array in holders:
            nums.extend([NumberObject(next_key), array])
            holder[NameObject("/StructParents")] = NumberObject(next_key)
            next_key += 1
        if "/ParentTreeNextKey" in root:
            root[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)
        kids.insert(position, section_ref)


def _document_element(root: DictionaryObject) -> DictionaryObject:
    """The tree's single top element (LibreOffice: ``/Document``), its kids made an array."""
    top: Any = root["/K"].get_object()
    if isinstance(top, ArrayObject):
        if len(top) != 1:
            raise _Unsupported("the pack's tree has several top elements")
        top = top[0].get_object()
    if not isinstance(top, DictionaryObject) or top.indirect_reference is None:
        raise _Unsupported("the pack's top element is not an indirect dictionary")
    if not isinstance(top.get("/K", ArrayObject()).get_object(), ArrayObject):
        raise _Unsupported("the pack's top element has a single kid")
    return top


def _first_page(node: Any, page_index: dict[int, int], depth: int = 0) -> int | None:
    node = node.get_object() if isinstance(node, IndirectObject) else node
    if not isinstance(node, DictionaryObject) or depth > 50:
        return None
    page = node.get("/Pg")
    if isinstance(page, IndirectObject) and page.idnum in page_index:
        return page_index[page.idnum]
    kids: Any = node.get("/K")
    kids = kids.get_object() if kids is not None else []
    for kid in kids if isinstance(kids, ArrayObject) else [kids]:
        found = _first_page(kid, page_index, depth + 1)
        if found is not None:
            return found
    return None


def _insertion_point(writer: PdfWriter, document: DictionaryObject, last: PageObject) -> tuple[ArrayObject, int]:
    """Where the section goes: before the first element that starts after the response's last page."""
    page_index = {p.indirect_reference.idnum: i for i, p in enumerate(writer.pages) if p.indirect_reference}
    if last.indirect_reference is None or last.indirect_reference.idnum not in page_index:
        raise _Unsupported("reserved page not in the pack")
    after = page_index[last.indirect_reference.idnum]
    if "/K" not in document:
        document[NameObject("/K")] = ArrayObject()
    kids: Any = document["/K"].get_object()
    for position, kid in enumerate(kids):
        start = _first_page(kid, page_index)
        if start is not None and start > after:
            return kids, position
    return kids, len(kids)


def graft_structure(writer: PdfWriter, source: PdfReader, targets: list[PageObject], title: str) -> bool:
    """Graft ``source``'s structure tree for the pages laid onto ``targets``; False if it has none
    or a shape this does not handle (the response then stays untagged)."""
    if "/StructTreeRoot" not in cast(Any, source.trailer["/Root"]) or "/StructTreeRoot" not in writer.root_object:
        return False
    try:
        _Grafter(writer, source, targets, title).graft()
    except (_Unsupported, PyPdfError, KeyError, TypeError, ValueError, AttributeError, IndexError):
        return False
    return True
