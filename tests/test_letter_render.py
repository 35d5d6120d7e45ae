"""Rendering the shipped Word templates: content, safety, file handling."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import (
    TEMPLATE_VARIABLES,
    LetterContext,
    LetterKind,
    context_from_data,
    sample_context,
)
from scrutiny.letters.render import (
    find_leftover_tags,
    letter_path,
    make_jinja_env,
    render_letter,
    safe_slug,
)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE_FOR: dict[LetterKind, str] = {
    "request": "request_letter.docx",
    "reminder": "reminder.docx",
    "overdue": "overdue_notice.docx",
    "escalation": "escalation.docx",
}
CREATED = datetime(2025, 10, 10, 9, 0, tzinfo=UTC)


def _with(context: LetterContext, **changes: object) -> LetterContext:
    """A copy of a context with some fields changed, validated again."""
    data = context.model_dump()
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for parent in parents:
            target = target[parent]
        target[last] = value
    return LetterContext.model_validate(data)


def _render(tmp_path: Path, kind: LetterKind, context: LetterContext | None = None) -> docx.document.Document:
    out = tmp_path / f"{kind}.docx"
    render_letter(TEMPLATES / TEMPLATE_FOR[kind], context or sample_context(kind), out, created=CREATED)
    return docx.Document(out)


def _texts(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def _after(texts: list[str], heading: str) -> list[str]:
    return texts[texts.index(heading) + 1 :]


# --------------------------------------------------------------------------------------
# What the letters say


def test_request_letter_reads_like_the_model_letter(tmp_path: Path) -> None:
    document = _render(tmp_path, "request")
    texts = _texts(document)

    # Letterhead, with real heading styles.
    assert [(p.style.name, p.text) for p in document.paragraphs[:2]] == [
        ("Heading 1", "Overview & Scrutiny"),
        ("Heading 2", "Living in Hackney Scrutiny Commission"),
    ]
    assert texts[2:6] == ["Hackney Council", "Room 118", "Town Hall", "Mare St E8 1EA"]
    assert "Reply to: tracey.anderson@hackney.example" in texts
    assert "10 October 2025" in texts

    # Addressee block, then the salutation.
    start = texts.index("James Conway")
    assert texts[start : start + 7] == [
        "James Conway",
        "Chief Superintendent, Central East BCU Commander",
        "Metropolitan Police Service",
        "Stoke Newington Police Station",
        "33 Stoke Newington High Street",
        "London N16 8DS",
        "By e-mail: james.conway@met.example",
    ]
    assert texts[start + 7] == "Dear James Conway"

    # The recommendation, quoted as worded in the review, and the first-update opening.
    assert any(
        t.startswith("In 2019 the Commission completed its review") and "first of these updates" in t for t in texts
    )
    assert "Recommendation 15 – For the Police and Monitoring Groups to provide annual updates" in "\n".join(texts)

    # "Our request": a numbered list covering the first update's three topics.
    numbered = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert len(numbered) == 4
    assert "body worn camera dip sampling" in numbered[1]
    assert "engagement of the community in training" in numbered[2]
    assert "Section 60 communications and consultation" in numbered[3]
    heading = texts.index("Our request")
    assert document.paragraphs[heading].style.name == "Heading 3"
    assert texts[heading + 1 : heading + 5] == numbered

    # The meeting, the due date and where to send the response.
    body = "\n".join(texts)
    assert "at its meeting on Monday 8 December 2025 at 7.00 pm in Council Chamber, Hackney Town Hall" in body
    assert "Please send your written response to scrutiny@hackney.example by Friday 21 November 2025." in body

    # Signed by the Chair, then the CC list.
    sign = texts.index("Yours sincerely")
    assert texts[sign + 1 : sign + 3] == [
        "Cllr Sharon Patrick",
        "Chair of the Living in Hackney Scrutiny Commission at London Borough of Hackney",
    ]
    assert document.paragraphs[sign + 1].style.name == "Letter Signature"
    assert _after(texts, "CC") == sample_context("request").cc


def test_request_letter_page_setup_header_footer_and_properties(tmp_path: Path) -> None:
    document = _render(tmp_path, "request")
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert document.styles["Normal"].font.name == "Arial"
    assert document.styles["Normal"].font.size.pt == 11
    assert [p.text for p in section.header.paragraphs] == ["Overview & Scrutiny"]
    assert "Our ref: LIH-2025-12-R15" in section.footer.paragraphs[0].text
    assert "Our ref: LIH-2025-12-R15" in section.first_page_footer.paragraphs[0].text
    props = document.core_properties
    assert props.title == "Request for written evidence: Recommendation 15"
    assert props.author == "Living in Hackney Scrutiny Commission"
    assert props.language == "en-GB"
    assert props.identifier == "LIH-2025-12-R15"
    assert props.created == props.modified == CREATED


@pytest.mark.parametrize("kind", list(TEMPLATE_FOR))
def test_every_template_renders_the_whole_letter(tmp_path: Path, kind: LetterKind) -> None:
    context = sample_context(kind)
    document = _render(tmp_path, kind, context)
    texts = _texts(document)
    body = "\n".join(texts)
    assert context.salutation in texts
    assert [p.text for p in document.paragraphs if p.style.name == "List Number"] == context.requests
    assert context.meeting.date_text in body
    assert context.response_due_text in body
    assert "Yours sincerely" in texts
    for person in context.cc:
        assert person in texts
    data = (tmp_path / f"{kind}.docx").read_bytes()
    assert find_leftover_tags(data) == []
    for marker in ("{{", "{%", "{#", "}}", "%}"):
        assert marker not in body


def test_chasers_are_signed_by_the_officer_and_say_when_we_asked(tmp_path: Path) -> None:
    texts = _texts(_render(tmp_path, "reminder"))
    assert any(t.startswith("On 10 October 2025 I wrote to you on behalf of the Commission") for t in texts)
    sign = texts.index("Yours sincerely")
    assert texts[sign + 1] == "Tracey Anderson"
    assert texts[sign + 2] == "Overview and Scrutiny Officer, Living in Hackney Scrutiny Commission"


def test_overdue_notice_counts_days(tmp_path: Path) -> None:
    body = "\n".join(_texts(_render(tmp_path, "overdue")))
    assert "Your written response was due on Friday 21 November 2025, 3 days ago" in body
    one_day = _with(sample_context("overdue"), days_overdue=1)
    body = "\n".join(_texts(_render(tmp_path, "overdue", one_day)))
    assert "Friday 21 November 2025, 1 day ago" in body


def test_escalation_is_copied_to_the_chair(tmp_path: Path) -> None:
    context = sample_context("escalation")
    texts = _texts(_render(tmp_path, "escalation", context))
    assert "is now 5 days overdue" in "\n".join(texts)
    body = "\n".join(texts)
    assert f"I have therefore copied this letter to {context.chair.name}, {context.chair.role_line}." in body
    cc = _after(texts, "CC")
    assert cc == context.cc
    assert cc[0].startswith(context.chair.name)


def test_later_update_thanks_them_for_the_last_one(tmp_path: Path) -> None:
    context = _with(sample_context("request"), first_update=False, last_heard="9 December 2024")
    body = "\n".join(_texts(_render(tmp_path, "request", context)))
    assert "Thank you for the update you gave the Commission on 9 December 2024." in body
    assert "first of these updates" not in body


def test_empty_optional_parts_leave_no_gaps(tmp_path: Path) -> None:
    context = _with(
        sample_context("request"), cc=[], addressee__title="", addressee__address_lines=[], context_paragraphs=[]
    )
    texts = _texts(_render(tmp_path, "request", context))
    assert "CC" not in texts
    start = texts.index("James Conway")
    assert texts[start : start + 3] == [
        "James Conway",
        "Metropolitan Police Service",
        "By e-mail: james.conway@met.example",
    ]
    assert "" not in texts[start : start + 4]


# --------------------------------------------------------------------------------------
# Hostile values and file names


HOSTILE = "Smith & Sons <script>alert(\"x\")</script> ../../etc/passwd 'quoted'"


def test_hostile_values_render_literally(tmp_path: Path) -> None:
    context = _with(
        sample_context("request"),
        addressee__name=HOSTILE,
        addressee__organisation=HOSTILE,
        salutation=f"Dear {HOSTILE}",
        cc=[HOSTILE],
    )
    out = tmp_path / "letter.docx"
    render_letter(TEMPLATES / "request_letter.docx", context, out)
    document = docx.Document(out)
    texts = _texts(document)
    assert texts.count(HOSTILE) == 3  # name, organisation, CC line
    assert f"Dear {HOSTILE}" in texts
    # The raw XML carries the markup characters escaped, never as elements.
    with zipfile.ZipFile(out) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    assert "<script>" not in xml
    assert "&lt;script&gt;" in xml
    # Nothing was written anywhere but the requested file.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.docx"]


def test_hostile_names_cannot_move_the_file(tmp_path: Path) -> None:
    root = tmp_path / "letters"
    path = letter_path(root, date(2025, 12, 8), HOSTILE, "../../../etc/cron.d/x", 2)
    assert path.parent == root / "2025-12-08"
    assert path.resolve().is_relative_to(root.resolve())
    assert path.name == ("smith-sons-script-alert-x-script-etc-pas-etc-cron-d-x-v2.docx")
    render_letter(TEMPLATES / "request_letter.docx", sample_context("request"), path)
    assert path.is_file()


def test_letter_path_layout_and_refusals(tmp_path: Path) -> None:
    root = tmp_path / "letters"
    assert letter_path(root, date(2025, 12, 8), "Metropolitan Police Service", "R-15", 1) == (
        root / "2025-12-08" / "metropolitan-police-service-r-15-v1.docx"
    )
    assert letter_path(root, date(2025, 12, 8), "MOPAC", "R-15", 3, suffix=".pdf").name == "mopac-r-15-v3.pdf"
    with pytest.raises(ScrutinyError, match="version 0"):
        letter_path(root, date(2025, 12, 8), "MOPAC", "R-15", 0)
    with pytest.raises(ScrutinyError, match="suffix"):
        letter_path(root, date(2025, 12, 8), "MOPAC", "R-15", 1, suffix="/../x")
    # A date folder that is a symlink out of the letters folder is refused.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root.mkdir()
    (root / "2025-12-08").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ScrutinyError, match="outside the letters folder"):
        letter_path(root, date(2025, 12, 8), "MOPAC", "R-15", 1)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=80))
def test_safe_slug_is_always_a_plain_file_name(text: str, max_length: int) -> None:
    slug = safe_slug(text, max_length)
    assert slug
    assert len(slug) <= max_length
    assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in slug)
    assert ".." not in slug and not slug.startswith("-") and not slug.endswith("-")


def test_safe_slug_examples() -> None:
    assert safe_slug("Mayor's Office for Policing & Crime") == "mayor-s-office-for-policing-crime"
    assert safe_slug("Café Müller") == "cafe-muller"
    assert safe_slug("../..") == "untitled"
    assert safe_slug("") == "untitled"


def test_contact_without_a_role() -> None:
    data = sample_context("request").model_dump()
    data["addressee"]["title"] = None
    assert context_from_data(data, source="request 12").addressee.title == ""


def test_context_refuses_template_syntax_and_bad_combinations() -> None:
    data = sample_context("request").model_dump()
    data["addressee"]["name"] = "{{ chair.name }}"
    with pytest.raises(ScrutinyError, match=r"request 12: addressee\.name: contains '\{\{'"):
        context_from_data(data, source="request 12")
    data = sample_context("overdue").model_dump()
    data["days_overdue"] = None
    with pytest.raises(ScrutinyError, match="overdue letters need days_overdue"):
        context_from_data(data, source="request 12")
    data = sample_context("request").model_dump()
    data["respond_to_email"] = "not an address"
    with pytest.raises(ScrutinyError, match="respond_to_email"):
        context_from_data(data, source="request 12")


def test_sample_contexts_use_reserved_example_domains() -> None:
    for kind in TEMPLATE_FOR:
        context = sample_context(kind)
        emails = [context.letterhead.reply_to_email, context.addressee.email, context.respond_to_email]
        assert all(e.endswith(".example") for e in emails)


# --------------------------------------------------------------------------------------
# Output file handling


def test_same_inputs_give_the_same_bytes_and_the_hash_matches(tmp_path: Path) -> None:
    template = TEMPLATES / "request_letter.docx"
    first = render_letter(template, sample_context("request"), tmp_path / "a.docx", created=CREATED)
    second = render_letter(template, sample_context("request"), tmp_path / "b.docx", created=CREATED)
    assert first.sha256 == second.sha256
    assert first.sha256 == hashlib.sha256((tmp_path / "a.docx").read_bytes()).hexdigest()
    other = render_letter(template, sample_context("reminder"), tmp_path / "c.docx", created=CREATED)
    assert other.sha256 != first.sha256


def _broken_template(tmp_path: Path, text: str) -> Path:
    document = docx.Document(TEMPLATES / "request_letter.docx")
    [closing] = [p for p in document.paragraphs if p.text.startswith("Thank you for your continued")]
    closing.add_run(" " + text)
    path = tmp_path / "broken.docx"
    document.save(path)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ addressee.nmae }}", "unknown variable “addressee.nmae”"),
        ("{{ chairman }}", "unknown variable “chairman”"),
        ("{% if first_update %}never closed", "syntax error"),
        ("{{ ''.__class__.__mro__ }}", "“__mro__”, which templates may not use"),
        ("{{ salutation.__globals__ }}", "“__globals__”, which templates may not use"),
        ("{{ salutation }", "is not closed with “}}” in the same paragraph"),
        ("{{ '{0.__class__}'.format(salutation) }}", "refused by the sandbox"),
        ("{{ salutation|no_such_filter }}", "No filter named 'no_such_filter'"),
    ],
)
def test_bad_templates_are_refused_in_one_line_and_nothing_is_written(tmp_path: Path, text: str, expected: str) -> None:
    template = _broken_template(tmp_path, text)
    out = tmp_path / "out" / "letter.docx"
    out.parent.mkdir()
    out.write_bytes(b"previous version")
    with pytest.raises(ScrutinyError) as caught:
        render_letter(template, sample_context("request"), out)
    message = str(caught.value)
    assert message.startswith("template broken.docx: ")
    assert expected in message
    assert "\n" not in message
    assert out.read_bytes() == b"previous version"
    assert sorted(p.name for p in out.parent.iterdir()) == ["letter.docx"]


def test_not_a_docx_and_missing_template(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.docx"
    bogus.write_bytes(b"this is not a zip file")
    with pytest.raises(ScrutinyError, match="template bogus.docx: not a readable Word .docx file"):
        render_letter(bogus, sample_context("request"), tmp_path / "out.docx")
    with pytest.raises(ScrutinyError, match="file not found"):
        render_letter(tmp_path / "missing.docx", sample_context("request"), tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


def test_unrendered_part_is_caught_as_a_leftover_tag(tmp_path: Path) -> None:
    """docxtpl does not render endnotes or comments; a tag there must not reach a letter."""
    out = tmp_path / "letter.docx"
    render_letter(TEMPLATES / "request_letter.docx", sample_context("request"), out)
    buffer = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"Yours sincerely", b"Yours {{ sincerely }}")
            target.writestr(item, data)
    assert find_leftover_tags(buffer.getvalue()) == ["word/document.xml: Yours {{ sincerely }}"]


def test_environment_is_a_strict_autoescaping_sandbox() -> None:
    env = make_jinja_env()
    assert env.autoescape is True
    assert env.from_string("{{ name }}").render(name="A & <B>") == "A &amp; &lt;B&gt;"
    with pytest.raises(Exception, match="unsafe"):
        env.from_string("{{ ''.__class__.__mro__ }}").render()
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ missing }}").render()
    with pytest.raises(Exception, match="unsafe"):
        env.from_string("{{ items.append(1) }}").render(items=[])


def test_every_variable_a_template_uses_is_documented(tmp_path: Path) -> None:
    from scrutiny.letters.template_check import check_template

    for name in TEMPLATE_FOR.values():
        report = check_template(TEMPLATES / name, preview_dir=tmp_path)
        assert set(report.variables) <= set(TEMPLATE_VARIABLES)
