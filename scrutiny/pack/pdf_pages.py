"""Where each agenda item starts in the PDF, read from the bookmarks LibreOffice makes from headings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from scrutiny.errors import ScrutinyError
from scrutiny.pack.compose import Mark, MarkKey


@dataclass(frozen=True)
class Bookmark:
    title: str
    page: int  # 1-based
    level: int  # 0 = top level (Heading 1)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def read_bookmarks(pdf: Path) -> tuple[list[Bookmark], int]:
    """The PDF's outline in document order, and its page count."""
    try:
        reader = PdfReader(str(pdf))
        found: list[Bookmark] = []

        def walk(nodes: list[Any], level: int) -> None:
            for node in nodes:
                if isinstance(node, list):
                    walk(node, level + 1)
                    continue
                page = reader.get_destination_page_number(node)
                if page is not None and page >= 0:
                    found.append(Bookmark(_collapse(str(node.title)), page + 1, level))

        walk(reader.outline, 0)
        return found, len(reader.pages)
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise ScrutinyError(f"{pdf}: could not read the PDF's bookmarks ({exc})") from exc


def mark_pages(pdf: Path, marks: list[Mark]) -> tuple[dict[MarkKey, int], int]:
    """The page each mark starts on, and the PDF's page count.

    Headings are matched to bookmarks in order, each after the previous match, so an appended
    response whose own heading happens to repeat an item title cannot steal that item's page.
    Pages reserved for a PDF response end just before whatever comes next (every item and
    response starts on a new page), or at the end of the document.
    """
    bookmarks, page_count = read_bookmarks(pdf)
    pages: dict[MarkKey, int] = {}
    position = 0
    for mark in marks:
        if mark.reserved_pages:
            continue
        wanted = _collapse(mark.title)
        for index in range(position, len(bookmarks)):
            if bookmarks[index].title == wanted:
                pages[mark.key] = bookmarks[index].page
                position = index + 1
                break
        else:
            raise ScrutinyError(
                f"{pdf}: no bookmark for the heading '{wanted}'; "
                "is the item title still a Heading 1 paragraph in the template?"
            )
    next_start = page_count + 1
    for mark in reversed(marks):
        if mark.reserved_pages:
            pages[mark.key] = next_start - mark.reserved_pages
        next_start = pages[mark.key]
    return pages, page_count


def item_starts(pages: dict[MarkKey, int]) -> dict[int, int]:
    """Item number -> the page the item starts on."""
    return {number: page for (number, index), page in pages.items() if index == 0}


def page_ranges(starts: dict[int, int], page_count: int) -> dict[int, str]:
    """Front-sheet labels: "7–20" for an item that runs over several pages, "7" for one that
    fits on its first page (or shares that page with the next item)."""
    numbers = sorted(starts)
    labels: dict[int, str] = {}
    for index, number in enumerate(numbers):
        start = starts[number]
        end = starts[numbers[index + 1]] - 1 if index + 1 < len(numbers) else page_count
        labels[number] = f"{start}–{end}" if end > start else str(start)
    return labels
