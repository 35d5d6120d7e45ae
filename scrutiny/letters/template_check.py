"""Check a Word letter template before an officer relies on it.

Finds syntax errors (with the line and nearby text), variables the letters do not provide,
attempts to reach Python internals, and then renders a preview with sample data so the
officer can open it in Word and see the result.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import LETTER_KINDS, LetterKind, sample_context
from scrutiny.letters.render import make_jinja_env, render_letter
from scrutiny.letters.template_source import analyse_template, open_template

# Template file name -> the kind of letter it is previewed as.
_KIND_BY_STEM: dict[str, LetterKind] = {
    "request_letter": "request",
    "request": "request",
    "reminder": "reminder",
    "overdue_notice": "overdue",
    "overdue": "overdue",
    "escalation": "escalation",
}


@dataclass(frozen=True)
class TemplateCheckReport:
    ok: bool
    problems: list[str] = field(default_factory=list)  # one line each, prefixed by file name
    variables: list[str] = field(default_factory=list)  # dotted names the template uses
    preview_path: Path | None = None
    template: Path | None = None


def kind_for_template(path: Path) -> LetterKind:
    """The letter kind a template is for, from its file name (request letter by default)."""
    return _KIND_BY_STEM.get(path.stem.lower(), "request")


def check_template(
    path: Path,
    *,
    kind: LetterKind | None = None,
    preview_dir: Path | None = None,
) -> TemplateCheckReport:
    """Check one template; never raises for a bad template, it reports problems instead.

    ``kind`` picks the sample letter for the preview (default: from the file name). The
    preview goes to ``preview_dir`` or, by default, a new temporary folder that is left in
    place for the officer to open.
    """
    letter_kind = kind or kind_for_template(path)
    if letter_kind not in LETTER_KINDS:
        raise ScrutinyError(f"letter kind {letter_kind!r}: must be one of {', '.join(LETTER_KINDS)}")
    try:
        template = open_template(path)
        analysis = analyse_template(template, path.name, make_jinja_env())
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
        render_letter(path, sample_context(letter_kind), preview)
    except ScrutinyError as exc:
        # Problems only visible when rendering: a sandbox refusal at run time, a method
        # that does not exist on a value, a tag left in an unrendered part.
        return TemplateCheckReport(
            ok=False, problems=[_problem(path, exc)], variables=analysis.variables, template=path
        )
    return TemplateCheckReport(
        ok=True, variables=analysis.variables, preview_path=preview, template=path
    )


def _problem(path: Path, exc: ScrutinyError) -> str:
    """A ScrutinyError as a problem line in the same "file: problem" shape as the others."""
    message = str(exc)
    for prefix in (f"template {path.name}: ", f"template {path}: "):
        if message.startswith(prefix):
            return f"{path.name}: {message[len(prefix):]}"
    return f"{path.name}: {message}"
