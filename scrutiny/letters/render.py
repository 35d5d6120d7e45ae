"""Render a Word letter template with a letter's context, safely and atomically.

Templates are edited by officers, so they are treated as untrusted: Jinja runs in an
immutable sandbox with strict undefined names, and every value is XML-escaped.
"""

from __future__ import annotations

import hashlib
import io
import re
import types
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.documents.naming import safe_slug
from scrutiny.errors import ScrutinyError
from scrutiny.letters import render_limits as limits
from scrutiny.letters.context import TEMPLATE_VARIABLES, LetterContext
from scrutiny.letters.kinds import KINDS
from scrutiny.letters.package_check import BrokenPackage, check_package_opens
from scrutiny.letters.render_limits import LimitedSandbox, RenderTimeUp, render_limits
from scrutiny.letters.render_memo import (
    RENDER_ENV,
    fixed_timestamps,
    open_and_analyse,
    part_known_clean,
    remember_clean_part,
)

_TAG_OPENERS = ("{{", "{%", "{#")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class RenderedDocument:
    path: Path
    sha256: str


def make_jinja_env() -> ImmutableSandboxedEnvironment:
    """The only environment templates are rendered in.

    The sandbox refuses ``{{ ''.__class__ }}`` and friends, StrictUndefined turns a misspelt
    name into an error instead of a blank, and autoescape makes ``&``, ``<``, ``>`` and quotes
    in names come out as text rather than breaking the document's XML; numbers too large for a
    letter are refused (``render_limits``).
    """
    return LimitedSandbox()


def letter_title(context: LetterContext) -> str:
    """The document title, e.g. "Request for written evidence: Stop and search annual update (Recommendation 15)"."""
    headings = "; ".join(section.heading for section in context.sections)
    return f"{KINDS[context.kind].title}: {headings}"


def _template_line(exc: BaseException) -> int | None:
    """The template line of a Jinja error: given for syntax errors, else from the traceback."""
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    line: int | None = None
    tb: types.TracebackType | None = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render_failure(name: str, template: DocxTemplate, exc: Exception) -> ScrutinyError:
    part_obj = getattr(template, "current_rendering_part", None)
    label = str(part_obj.partname).lstrip("/") if part_obj is not None else "document"
    if label == "word/document.xml":
        label = "body"
    lineno = _template_line(exc)
    place = f"{label} line {lineno}" if lineno is not None else label
    if isinstance(exc, TemplateSyntaxError):
        problem = f"syntax error: {exc.message}"
    elif isinstance(exc, SecurityError):
        problem = f"refused by the sandbox: {exc}"
    elif isinstance(exc, UndefinedError):
        problem = f"unknown variable: {exc.message}"
    elif isinstance(exc, TemplateError):
        problem = f"template error: {exc.message}"
    elif isinstance(exc, MemoryError):
        problem = f"needed more memory than a template may use ({limits.MEMORY_HEADROOM_BYTES >> 20} MB)"
    elif isinstance(exc, RecursionError):
        problem = "calls itself without end (a macro that calls itself?)"
    else:
        problem = f"could not be rendered ({type(exc).__name__}: {exc})"
    return ScrutinyError(f"template {name}: {place}: {problem}")


def _paragraph_texts(xml: bytes) -> list[str]:
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError:
        return []  # not XML after all: the raw-text scan still looks at it
    return ["".join(t.text or "" for t in p.iter(f"{_W}t")) for p in root.iter(f"{_W}p")]


def find_leftover_tags(docx_bytes: bytes) -> list[str]:
    """Template tags still present in a rendered DOCX, as "part: text" strings.

    Looks at the raw XML of every part (body, headers, footers, notes, properties) and at
    each paragraph's joined text, because Word may have split an unrendered tag over runs.
    """
    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as package:
        for info in package.infolist():
            name = info.filename
            if not name.endswith(".xml") and not name.endswith(".rels"):
                continue
            if part_known_clean(name, info.CRC, info.file_size):
                continue  # the same bytes as a part already found free of braces (styles, theme, ...)
            data = package.read(info)
            if b"{" not in data and b"&#" not in data:
                remember_clean_part(name, info.CRC, info.file_size)
                continue  # no brace, not even as a character reference: no tag can be left here
            text = data.decode("utf-8", errors="replace")
            hits = (
                [p for p in _paragraph_texts(data) if any(t in p for t in _TAG_OPENERS)]
                if name.startswith("word/")
                else []
            )
            if hits:
                found.append(f"{name}: {' '.join(hits[0].split())[:70]}")
            elif any(t in text for t in _TAG_OPENERS):
                at = min(text.find(t) for t in _TAG_OPENERS if t in text)
                found.append(f"{name}: {re.sub(r'<[^>]+>', ' ', text[at : at + 120]).strip()[:70]}")
    return found


def _set_properties(template: DocxTemplate, context: LetterContext, created: datetime | None) -> None:
    props = template.docx.core_properties
    props.title = letter_title(context)
    props.author = context.letterhead.committee_name
    props.last_modified_by = context.letterhead.committee_name
    props.language = "en-GB"
    reviews = sorted(
        {
            f"{s.recommendation.review_title} ({s.recommendation.review_year})"
            for s in context.sections
            if s.recommendation
        }
    )
    props.subject = "; ".join(reviews) or context.sections[0].heading
    props.identifier = context.reference
    numbers = [str(s.recommendation.number) for s in context.sections if s.recommendation]
    props.keywords = "; ".join(["scrutiny", context.kind, *(f"recommendation {n}" for n in numbers)])
    props.comments = ""
    props.revision = 1
    if created is not None:
        props.created = created
        props.modified = created


def render_letter(
    template: Path,
    context: LetterContext,
    out_path: Path,
    *,
    created: datetime | None = None,
) -> RenderedDocument:
    """Render ``template`` with ``context`` into ``out_path``; returns the path and SHA-256.

    The file appears whole or not at all. The same template, context and ``created`` give the
    same bytes, so a re-run can recognise a letter it has already produced. Any problem with
    the template is a one-line ScrutinyError naming the template.
    """
    data = _render_bytes(
        template,
        context.template_data(),
        TEMPLATE_VARIABLES,
        lambda docx_template: _set_properties(docx_template, context, created),
    )
    write_bytes_atomic(out_path, data)
    return RenderedDocument(path=out_path, sha256=hashlib.sha256(data).hexdigest())


def check_letter_renders(template: Path, context: LetterContext) -> None:
    """Render ``template`` with ``context`` in memory only, raising what `render_letter` would.

    Nothing touches the disk, so a command killed during the check leaves nothing behind.
    """
    _render_bytes(template, context.template_data(), TEMPLATE_VARIABLES, None)


def render_template_data(
    template: Path, data: Mapping[str, Any], variables: Mapping[str, str], out_path: Path
) -> RenderedDocument:
    """Render any checked template (e.g. an agenda-pack sheet) with plain ``data`` into
    ``out_path``, under the same rules as a letter: ``variables`` is what it may use."""
    rendered = _render_bytes(template, data, variables, None)
    write_bytes_atomic(out_path, rendered)
    return RenderedDocument(path=out_path, sha256=hashlib.sha256(rendered).hexdigest())


def _render_bytes(
    template: Path,
    data: Mapping[str, Any],
    variables: Mapping[str, str],
    before_save: Callable[[DocxTemplate], None] | None,
) -> bytes:
    try:
        with render_limits():
            return _render_within_limits(template, data, variables, before_save)
    except RenderTimeUp:
        raise ScrutinyError(
            f"template {template.name}: took longer than {limits.TIME_LIMIT_S:g} s to render (a loop or a macro "
            "that does not end?); nothing was written"
        ) from None
    except MemoryError:
        raise ScrutinyError(
            f"template {template.name}: needed more memory than a template may use "
            f"({limits.MEMORY_HEADROOM_BYTES >> 20} MB); nothing was written"
        ) from None


def _render_within_limits(
    template: Path,
    data: Mapping[str, Any],
    variables: Mapping[str, str],
    before_save: Callable[[DocxTemplate], None] | None,
) -> bytes:
    name = template.name
    env = RENDER_ENV  # the letter sandbox, keeping what it compiled (render_memo)
    docx_template, analysis = open_and_analyse(template, env, variables)
    if analysis.problems:
        more = len(analysis.problems) - 1
        extra = f" (and {more} more; run `scrutiny templates check {template}`)" if more else ""
        raise ScrutinyError(f"template {name}: {analysis.problems[0]}{extra}")
    try:
        docx_template.render(dict(data), jinja_env=env)
    except Exception as exc:  # the template is user input: every failure is the user's to fix
        raise _render_failure(name, docx_template, exc) from exc
    if before_save is not None:
        before_save(docx_template)

    buffer = io.BytesIO()
    try:
        docx_template.save(buffer)
        rendered = fixed_timestamps(buffer.getvalue())  # the same bytes as normalise_docx
    except Exception as exc:
        raise ScrutinyError(
            f"template {name}: rendering produced a broken document ({type(exc).__name__}: {exc})"
        ) from exc
    try:
        check_package_opens(rendered)  # the result must open again
    except BrokenPackage as exc:
        raise ScrutinyError(f"template {name}: rendering produced a broken document ({exc})") from None
    leftovers = find_leftover_tags(rendered)
    if leftovers:
        raise ScrutinyError(
            f"template {name}: the rendered document still contains a template tag in "
            f"{leftovers[0]}; keep each tag inside one paragraph of the body, a header, a "
            "footer or a footnote"
        )
    return rendered


def letter_path(letters_root: Path, folder: str, stem: str, suffix: str = ".docx") -> Path:
    """``<letters_root>/<folder>/<stem><suffix>``, e.g. ``letters/lih-2027-01-25/lih-2027-01-25-mopac-v1.docx``.

    Names come from configuration, so each part is slugged and the result is checked to stay
    inside letters_root (a symlinked folder pointing elsewhere is refused too).
    """
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        raise ScrutinyError(f"letter file suffix {suffix!r}: must look like '.docx' or '.pdf'")
    path = letters_root / safe_slug(folder, 60) / f"{safe_slug(stem, 100)}{suffix}"
    root = letters_root.resolve()
    if not path.resolve().is_relative_to(root):
        raise ScrutinyError(f"letter path {path} would fall outside the letters folder {root}")
    return path


__all__ = [
    "RenderedDocument",
    "find_leftover_tags",
    "letter_path",
    "letter_title",
    "make_jinja_env",
    "check_letter_renders",
    "render_letter",
    "render_template_data",
    "safe_slug",
]
