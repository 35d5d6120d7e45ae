"""Where each agenda item starts in the PDF, read from the bookmarks LibreOffice makes from headings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from scrutiny.errors import ScrutinyError


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


def heading_pages(pdf: Path, headings: list[tuple[int, str]]) -> tuple[dict[int, int], int]:
    """Start page of each item, given ``(item number, heading text)`` in document order.

    Headings are matched in order, each after the previous match, so an appended response
    whose own heading happens to repeat an item title cannot steal that item's page.
    """
    bookmarks, page_count = read_bookmarks(pdf)
    pages: dict[int, int] = {}
    position = 0
    for number, heading in headings:
        wanted = _collapse(heading)
        for index in range(position, len(bookmarks)):
            if bookmarks[index].title == wanted:
                pages[number] = bookmarks[index].page
                position = index + 1
                break
        else:
            raise ScrutinyError(
                f"{pdf}: no bookmark for item {number} heading '{wanted}'; "
                "is the item title still a Heading 1 paragraph in the template?"
            )
    return pages, page_count


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
