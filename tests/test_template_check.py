"""`check_template`: what an officer sees after editing a template in Word."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.shared import RGBColor

from scrutiny.letters.context import TEMPLATE_VARIABLES, template_variables_markdown
from scrutiny.letters.render import render_letter
from scrutiny.letters.samples import sample_context
from scrutiny.template_check import check_template, kind_for_template

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
LETTER_TEMPLATES = ["request_letter.docx", "reminder.docx", "overdue_notice.docx", "escalation.docx"]


def _edited(tmp_path: Path, edit: str, *, where: str = "closing", name: str = "edited.docx") -> Path:
    """The request letter template with ``edit`` typed into one paragraph, as Word would."""
    document = docx.Document(TEMPLATES / "request_letter.docx")
    if where == "closing":
        [paragraph] = [p for p in document.paragraphs if p.text.startswith("Thank you for your continued")]
        paragraph.add_run(" " + edit)
    elif where == "header":
        document.sections[0].header.paragraphs[0].add_run(" " + edit)
    elif where == "new paragraph":
        document.add_paragraph(edit)
    path = tmp_path / name
    document.save(path)
    return path


@pytest.mark.parametrize("name", LETTER_TEMPLATES)
def test_shipped_templates_pass_and_preview(tmp_path: Path, name: str) -> None:
    report = check_template(TEMPLATES / name, preview_dir=tmp_path)
    assert report.ok, report.problems
    assert report.problems == []
    assert report.preview_path == tmp_path / f"{Path(name).stem}-preview.docx"
    preview = docx.Document(report.preview_path)
    assert "Dear Chief Superintendent Conway" in [p.text for p in preview.paragraphs]
    assert {"salutation", "sections", "addressee.name", "meeting.date_text"} <= set(report.variables)
    assert set(report.variables) <= set(TEMPLATE_VARIABLES)


def test_preview_kind_follows_the_file_name(tmp_path: Path) -> None:
    assert kind_for_template(Path("overdue_notice.docx")) == "overdue"
    assert kind_for_template(Path("my_own_letter.docx")) == "request"
    report = check_template(TEMPLATES / "overdue_notice.docx", preview_dir=tmp_path)
    texts = [p.text for p in docx.Document(report.preview_path).paragraphs]
    assert any("3 days ago" in t for t in texts)


def test_unknown_variables_are_named_with_their_place(tmp_path: Path) -> None:
    report = check_template(
        _edited(tmp_path, "{{ addressee.nmae }} {{ chairman }} {{ addressee.name.upper() }}"), preview_dir=tmp_path
    )
    assert not report.ok
    assert report.preview_path is None
    assert len(report.problems) == 2
    first, second = report.problems
    assert first.startswith("edited.docx: body line ")
    assert first.endswith("unknown variable “addressee.nmae”")
    assert "(near “" in first and "addressee.nmae" in first
    assert second.endswith("unknown variable “chairman”")
    # A method of a known value is not an unknown variable.
    assert not any(p.endswith("upper”") for p in report.problems)


def test_unknown_variable_in_a_page_header(tmp_path: Path) -> None:
    report = check_template(_edited(tmp_path, "{{ letterhead.logo }}", where="header"))
    [problem] = report.problems
    assert problem.startswith("edited.docx: page header (word/header")
    assert "(near “{{ letterhead.department }} {{ letterhead.logo }}”)" in problem
    assert problem.endswith("unknown variable “letterhead.logo”")


def test_syntax_error_reports_a_line(tmp_path: Path) -> None:
    report = check_template(_edited(tmp_path, "{% if first_update %}never closed"))
    assert not report.ok
    [problem] = report.problems
    assert problem.startswith("edited.docx: body line ")
    assert "syntax error: Unexpected end of template" in problem


def test_sandbox_escapes_are_refused(tmp_path: Path) -> None:
    report = check_template(_edited(tmp_path, "{{ ''.__class__.__mro__ }}"))
    assert not report.ok
    assert any("“__class__”, which templates may not use" in p for p in report.problems)
    report = check_template(_edited(tmp_path, "{{ salutation.__globals__ }}"))
    assert any("“__globals__”, which templates may not use" in p for p in report.problems)
    report = check_template(_edited(tmp_path, "{{ salutation|attr('__class__') }}"))
    assert any("“__class__”" in p for p in report.problems)
    # A format string reaching for internals only shows at render time: the preview catches it.
    report = check_template(_edited(tmp_path, "{{ '{0.__class__}'.format(salutation) }}"), preview_dir=tmp_path)
    assert not report.ok
    assert "refused by the sandbox" in report.problems[0]


def test_tag_not_closed_in_its_paragraph(tmp_path: Path) -> None:
    """docxtpl would silently swallow paragraphs around it; the check names the paragraph."""
    report = check_template(_edited(tmp_path, "{{ salutation }"))
    [problem] = report.problems
    assert "body paragraph" in problem
    assert "“{{” is not closed with “}}” in the same paragraph" in problem
    report = check_template(_edited(tmp_path, "{ salutation }}"))
    assert "“}}” has no matching opening “{{”" in report.problems[0]


def test_text_beside_a_paragraph_tag_is_reported(tmp_path: Path) -> None:
    document = docx.Document(TEMPLATES / "request_letter.docx")
    [endfor] = [p for p in document.paragraphs if p.text == "{%p endfor %}"][:1]
    endfor.add_run(" Please reply soon.")
    path = tmp_path / "edited.docx"
    document.save(path)
    report = check_template(path)
    assert not report.ok
    assert "has text beside “{%p endfor %}”, which would be dropped" in report.problems[0]


def test_tag_split_over_runs_by_word_still_works(tmp_path: Path) -> None:
    """Word splits a run when part of it is reformatted; the tag must survive that."""
    document = docx.Document(TEMPLATES / "request_letter.docx")
    paragraph = document.add_paragraph("Copy to ")
    paragraph.add_run("{{ addressee.")
    coloured = paragraph.add_run("name")
    coloured.font.color.rgb = RGBColor(0xC0, 0, 0)
    paragraph.add_run(" }} please.")
    path = tmp_path / "split.docx"
    document.save(path)
    report = check_template(path, preview_dir=tmp_path)
    assert report.ok, report.problems
    assert "addressee.name" in report.variables
    out = tmp_path / "letter.docx"
    render_letter(path, sample_context("request"), out)
    assert "Copy to Chief Superintendent James Conway please." in [p.text for p in docx.Document(out).paragraphs]


def test_not_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_text("just some text")
    report = check_template(path)
    assert not report.ok
    [problem] = report.problems
    assert problem.startswith("notes.docx: not a readable Word .docx file")
    missing = check_template(tmp_path / "missing.docx")
    assert not missing.ok and "file not found" in missing.problems[0]


def test_every_problem_is_one_line(tmp_path: Path) -> None:
    edits = ["{{ a }}{{ b }}", "{% for x in %}", "{{ ''.__class__ }}", "{{ salutation }"]
    for number, edit in enumerate(edits):
        report = check_template(_edited(tmp_path, edit, name=f"e{number}.docx"))
        assert report.problems
        assert all("\n" not in p and p.startswith(f"e{number}.docx: ") for p in report.problems)


def test_user_documentation_lists_every_template_variable() -> None:
    docs = (ROOT / "docs" / "letters.md").read_text(encoding="utf-8")
    assert template_variables_markdown() in docs, "run scripts/cli_reference.py to regenerate docs/letters.md"
    for name in TEMPLATE_VARIABLES:
        assert f"`{name}`" in docs
