"""Read the Jinja source out of a DOCX template and find what is wrong with it, statically.

docxtpl turns each part of the document (body, page headers and footers, footnotes) into
one Jinja template of XML. We do the same transformation here so that problems can be
reported per part with a line number and the nearby text, before anything is rendered.
Both the renderer and the template checker use this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import Environment, TemplateSyntaxError, meta, nodes
from lxml import etree

from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import TEMPLATE_VARIABLES

_FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# The core properties docxtpl renders as templates (see DocxTemplate.render_properties).
_RENDERED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_XML_TAG = re.compile(r"<[^>]+>")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _groups(variables: Mapping[str, str]) -> frozenset[str]:
    """The variables that hold named fields (``addressee`` for ``addressee.name``)."""
    return frozenset(name.rsplit(".", 1)[0] for name in variables if "." in name)


@dataclass(frozen=True)
class TemplatePart:
    """One piece of the template as Jinja sees it."""

    label: str  # for people: "body", "page header (word/header1.xml)", ...
    source: str  # Jinja source, split into one line per paragraph like docxtpl does
    paragraphs: list[str]  # the visible text of each paragraph, in document order


@dataclass(frozen=True)
class TemplateAnalysis:
    variables: list[str]
    problems: list[str] = field(default_factory=list)


def open_template(path: Path) -> DocxTemplate:
    """Open a DOCX template, or explain in one line why it cannot be opened."""
    try:
        found = path.is_file()
    except OSError as exc:  # a name too long for the file system, say
        raise ScrutinyError(f"template {path}: cannot be read ({exc.strerror or exc})") from None
    if not found:
        raise ScrutinyError(f"template {path}: file not found")
    template = DocxTemplate(path)
    try:
        template.init_docx()
    except Exception as exc:  # python-docx raises many types for a bad package
        raise ScrutinyError(
            f"template {path.name}: not a readable Word .docx file ({type(exc).__name__}: {exc})"
        ) from exc
    return template


def _paragraph_lines(xml: str) -> str:
    # docxtpl starts a new source line at every paragraph before handing XML to Jinja, so
    # Jinja's line numbers count paragraphs (roughly); we mirror that exactly.
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _raw_parts(template: DocxTemplate) -> list[tuple[str, str]]:
    """(label, XML) for every part docxtpl renders as XML, before docxtpl's patching."""
    docx = template.get_docx()
    raw = [("body", template.get_xml())]
    for uri, kind in ((template.HEADER_URI, "page header"), (template.FOOTER_URI, "page footer")):
        for _rel, part in template.get_headers_footers(uri):
            raw.append((f"{kind} ({str(part.partname).lstrip('/')})", template.get_part_xml(part)))
    for part in docx.part.package.parts:
        if part.content_type == _FOOTNOTES_TYPE:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            raw.append(("footnotes", blob))
    return raw


def template_parts(template: DocxTemplate, name: str) -> list[TemplatePart]:
    """Every part docxtpl renders, as Jinja source."""
    try:
        parts = [
            TemplatePart(label, _paragraph_lines(template.patch_xml(xml)), _paragraphs(xml))
            for label, xml in _raw_parts(template)
        ]
        properties = template.get_docx().core_properties
        for prop in _RENDERED_PROPERTIES:
            value = getattr(properties, prop) or ""
            parts.append(TemplatePart(f"document property '{prop}'", value, [value]))
    except ScrutinyError:
        raise
    except Exception as exc:
        raise ScrutinyError(f"template {name}: not a readable Word .docx file ({type(exc).__name__}: {exc})") from exc
    return parts


def _paragraphs(xml: str) -> list[str]:
    root = etree.fromstring(xml.encode("utf-8"))
    return ["".join(t.text or "" for t in p.iter(f"{_W}t")) for p in root.iter(f"{_W}p")]


def excerpt(text: str, focus: str | None = None, width: int = 70, at: int = -1) -> str:
    """Up to ``width`` characters of ``text`` around position ``at``, ``focus`` or a tag."""
    if at >= 0:  # keep the position meaningful while collapsing whitespace
        at = len(" ".join(text[:at].split()))
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    if at < 0 and focus:
        at = text.find(focus)
    if at < 0:
        at = min((i for i in (text.find("{{"), text.find("{%"), text.find("{#")) if i >= 0), default=0)
    start = max(0, min(at - width // 3, len(text) - width))
    end = start + width
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def where(part: TemplatePart, lineno: int | None, focus: str | None = None) -> str:
    """'body line 12 (near “Dear {{ salutation }}”)' or 'body' when the line is unknown."""
    lines = part.source.splitlines()
    if lineno is None or not lines:
        return part.label
    text = _XML_TAG.sub("", lines[max(0, min(lineno, len(lines)) - 1)])
    near = excerpt(text, focus)
    return f"{part.label} line {lineno}" + (f" (near “{near}”)" if near.strip() else "")


_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
_DELIMITER = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")


def unbalanced_tags(text: str) -> list[tuple[int, str]]:
    """Tags in one paragraph's text that are not opened and closed within it.

    docxtpl silently swallows whole paragraphs around a tag that is not closed in its own
    paragraph, so this is checked before Jinja ever sees the template.
    """
    problems: list[tuple[int, str]] = []
    position = 0
    while (match := _DELIMITER.search(text, position)) is not None:
        token = match.group()
        if token not in _CLOSER:
            problems.append((match.start(), f"“{token}” has no matching opening “{_opener(token)}”"))
            position = match.end()
            continue
        close_at = text.find(_CLOSER[token], match.end())
        if close_at < 0:
            problems.append((match.start(), f"“{token}” is not closed with “{_CLOSER[token]}” in the same paragraph"))
            break
        position = close_at + 2
    return problems


# The same shape docxtpl looks for: "{%p " with no space between "%" and "p".
_BLOCK_TAG = re.compile(r"\{%(?:p|tr|tc) .*?%\}|\{\{(?:p|tr|tc) .*?\}\}")


def stray_text_beside_block_tag(text: str) -> str | None:
    """docxtpl replaces a paragraph holding ``{%p ...%}`` by the bare tag: anything else
    typed into that paragraph silently disappears from every letter."""
    tags = _BLOCK_TAG.findall(text)
    if not tags:
        return None
    if len(tags) > 1:
        return "holds more than one {%p …%} tag; give each its own paragraph"
    if _BLOCK_TAG.sub("", text).strip():
        return (
            f"has text beside “{tags[0]}”, which would be dropped from every letter; "
            "put the tag in a paragraph of its own"
        )
    return None


def _opener(closer: str) -> str:
    return next(opener for opener, close in _CLOSER.items() if close == closer)


def _chain(node: nodes.Node) -> tuple[str, list[str], int] | None:
    """``a.b['c'].d`` -> ("a", ["b", "c", "d"], lineno); None if not rooted at a name."""
    attrs: list[str] = []
    current = node
    while True:
        if isinstance(current, nodes.Getattr):
            attrs.append(current.attr)
            current = current.node
        elif (
            isinstance(current, nodes.Getitem)
            and isinstance(current.arg, nodes.Const)
            and isinstance(current.arg.value, str)
        ):
            attrs.append(current.arg.value)
            current = current.node
        else:
            break
    if isinstance(current, nodes.Name):
        return current.name, list(reversed(attrs)), current.lineno
    return None


def _private_names(ast: nodes.Template) -> list[tuple[str, int]]:
    """Attribute names starting with '_' anywhere: the sandbox refuses them at run time."""
    found: list[tuple[str, int]] = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Name)):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            found.append((node.attr, node.lineno))
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and node.arg.value.startswith("_")
        ):
            found.append((node.arg.value, node.lineno))
        elif isinstance(node, nodes.Filter) and node.name == "attr":
            for arg in node.args:
                if isinstance(arg, nodes.Const) and str(arg.value).startswith("_"):
                    found.append((str(arg.value), node.lineno))
        elif isinstance(node, nodes.Name) and node.name.startswith("_"):
            found.append((node.name, node.lineno))
    return found


def _used_paths(ast: nodes.Template, context_names: set[str]) -> list[tuple[str, int]]:
    """Dotted paths of context variables the template reads, with their lines."""
    found: list[tuple[str, int]] = []

    def visit(node: nodes.Node) -> None:
        chain = _chain(node) if isinstance(node, (nodes.Getattr, nodes.Getitem)) else None
        if chain is not None:
            root, attrs, lineno = chain
            if root in context_names:
                found.append((".".join([root, *attrs]), lineno))
            # The chain is handled; still visit item expressions such as a[b].
            inner = node
            while isinstance(inner, (nodes.Getattr, nodes.Getitem)):
                if isinstance(inner, nodes.Getitem):
                    visit(inner.arg)
                inner = inner.node
            return
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name in context_names:
            found.append((node.name, node.lineno))
        for child in node.iter_child_nodes():
            visit(child)

    visit(ast)
    return found


def _known_prefix(path: str, variables: Mapping[str, str], groups: frozenset[str]) -> tuple[str, str | None]:
    """Split a used path into its known variable and the first unknown name, if any.

    Walking stops at a plain value (a string, number or list): what follows is a method of
    that value (``addressee.name.upper()``), which the sandbox polices at run time.
    """
    parts = path.split(".")
    known = parts[0]
    if known not in variables:
        return "", known
    for name in parts[1:]:
        if known not in groups:
            break
        candidate = f"{known}.{name}"
        if candidate not in variables:
            return known, candidate
        known = candidate
    return known, None


def analyse_template(
    template: DocxTemplate,
    name: str,
    env: Environment,
    allowed: Mapping[str, str] = TEMPLATE_VARIABLES,
) -> TemplateAnalysis:
    """Syntax errors, unknown variables and sandbox violations, one line each.

    ``allowed`` (dotted name -> description) is what the template may use: the letter
    variables by default; the agenda-pack templates pass their own.
    """
    groups = _groups(allowed)
    problems: list[str] = []
    variables: set[str] = set()
    for part in template_parts(template, name):
        if not part.source.strip():
            continue
        broken = [
            f"{part.label} paragraph {number} (near “{excerpt(text, at=at)}”): {problem}"
            for number, text in enumerate(part.paragraphs, start=1)
            for at, problem in unbalanced_tags(text)
        ]
        for number, text in enumerate(part.paragraphs, start=1):
            stray = None if broken else stray_text_beside_block_tag(text)
            if stray:
                problems.append(f"{part.label} paragraph {number} (near “{excerpt(text)}”): {stray}")
        if broken:
            problems.extend(broken)  # Jinja would only see the damage docxtpl does to it
            continue
        try:
            ast = env.parse(part.source)
            env.compile(ast)  # also catches unknown filters and tests outside conditionals
            list(_private_names(ast))  # walks the whole tree: too deep a one fails here, not below
        except TemplateSyntaxError as exc:
            problems.append(f"{where(part, exc.lineno)}: syntax error: {exc.message}")
            continue
        except (RecursionError, SyntaxError, MemoryError):  # the parser's stack, or Python's limits on the code
            problems.append(f"{where(part, None)}: nested too deeply to read (brackets or tags inside one another)")
            continue
        for private, lineno in _private_names(ast):
            problems.append(
                f"{where(part, lineno, private)}: uses “{private}”, which templates may not use "
                "(names starting with '_' reach into Python internals)"
            )
        context_names = set(meta.find_undeclared_variables(ast)) - set(env.globals)
        reported: set[str] = set()
        for path, lineno in _used_paths(ast, context_names):
            known, unknown = _known_prefix(path, allowed, groups)
            if known:
                variables.add(known)
            if unknown is not None and not unknown.split(".")[-1].startswith("_"):
                if unknown not in reported:
                    reported.add(unknown)
                    focus = unknown.rsplit(".", 1)[-1]
                    problems.append(f"{where(part, lineno, focus)}: unknown variable “{unknown}”")
    return TemplateAnalysis(variables=sorted(variables), problems=problems)
