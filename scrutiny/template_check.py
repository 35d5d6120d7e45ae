"""Check a Word template before an officer relies on it.

Finds syntax errors (with the line and nearby text), variables the template is not given,
attempts to reach Python internals, and then renders a preview with sample data so the
officer can open it in Word and see the result. Letter templates are checked against the
letter variables; the agenda-pack sheets (``front_sheet``, ``cover_sheet``) against theirs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import LETTER_KINDS, TEMPLATE_VARIABLES, LetterKind
from scrutiny.letters.render import make_jinja_env, render_letter, render_template_data
from scrutiny.letters.samples import sample_context
from scrutiny.letters.template_source import analyse_template, open_template
from scrutiny.pack.template_variables import (
    COVER_SHEET_VARIABLES,
    FRONT_SHEET_VARIABLES,
    sample_cover_sheet_data,
    sample_front_sheet_data,
)

PackTemplateKind = Literal["front_sheet", "cover_sheet"]
TemplateKind = LetterKind | PackTemplateKind
TEMPLATE_KINDS: tuple[str, ...] = (*LETTER_KINDS, *get_args(PackTemplateKind))

# Template file name -> the kind of template it is checked and previewed as.
_KIND_BY_STEM: dict[str, TemplateKind] = {
    "request_letter": "request",
    "request": "request",
    "reminder": "reminder",
    "overdue_notice": "overdue",
    "overdue": "overdue",
    "escalation": "escalation",
    "front_sheet": "front_sheet",
    "cover_sheet": "cover_sheet",
}

# Pack sheet kind -> (the variables it may use, sample data for its preview).
_PACK_TEMPLATES: dict[str, tuple[Mapping[str, str], Callable[[], dict[str, Any]]]] = {
    "front_sheet": (FRONT_SHEET_VARIABLES, sample_front_sheet_data),
    "cover_sheet": (COVER_SHEET_VARIABLES, sample_cover_sheet_data),
}


@dataclass(frozen=True)
class TemplateCheckReport:
    ok: bool
    problems: list[str] = field(default_factory=list)  # one line each, prefixed by file name
    variables: list[str] = field(default_factory=list)  # dotted names the template uses
    preview_path: Path | None = None
    template: Path | None = None


def kind_for_template(path: Path) -> TemplateKind:
    """The kind of template a file is, from its name (request letter by default)."""
    return _KIND_BY_STEM.get(path.stem.lower(), "request")


def check_template(
    path: Path,
    *,
    kind: TemplateKind | None = None,
    preview_dir: Path | None = None,
) -> TemplateCheckReport:
    """Check one template; never raises for a bad template, it reports problems instead.

    ``kind`` says which variables the template may use and which sample data previews it:
    a letter kind (``request``, ``reminder``, ``overdue``, ``escalation``) or an agenda-pack
    sheet (``front_sheet``, ``cover_sheet``); default from the file name. The preview goes
    to ``preview_dir`` or, by default, a new temporary folder left for the officer to open.
    """
    template_kind = kind or kind_for_template(path)
    if template_kind not in TEMPLATE_KINDS:
        raise ScrutinyError(f"template kind {template_kind!r}: must be one of {', '.join(TEMPLATE_KINDS)}")
    variables = _PACK_TEMPLATES[template_kind][0] if template_kind in _PACK_TEMPLATES else TEMPLATE_VARIABLES
    try:
        template = open_template(path)
        analysis = analyse_template(template, path.name, make_jinja_env(), variables)
    except ScrutinyError as exc:
        return TemplateCheckReport(ok=False, problems=[_problem(path, exc)], template=path)
    if analysis.problems:
        return TemplateCheckReport(
            ok=False,
            problems=[f"{path.name}: {problem}" for problem in analysis.problems],
            variables=analysis.variables,
            template=path,
        )

    folder = preview_dir or Path(tempfile.mkdtemp(prefix="scrutiny-template-preview-"))
    preview = folder / f"{path.stem}-preview.docx"
    try:
        if template_kind in _PACK_TEMPLATES:
            render_template_data(path, _PACK_TEMPLATES[template_kind][1](), variables, preview)
        else:
            render_letter(path, sample_context(cast(LetterKind, template_kind)), preview)
    except ScrutinyError as exc:
        # Problems only visible when rendering: a sandbox refusal at run time, a method
        # that does not exist on a value, a tag left in an unrendered part.
        return TemplateCheckReport(
            ok=False, problems=[_problem(path, exc)], variables=analysis.variables, template=path
        )
    return TemplateCheckReport(ok=True, variables=analysis.variables, preview_path=preview, template=path)


def _problem(path: Path, exc: ScrutinyError) -> str:
    """A ScrutinyError as a problem line in the same "file: problem" shape as the others."""
    message = str(exc)
    for prefix in (f"template {path.name}: ", f"template {path}: "):
        if message.startswith(prefix):
            return f"{path.name}: {message[len(prefix) :]}"
    return f"{path.name}: {message}"
