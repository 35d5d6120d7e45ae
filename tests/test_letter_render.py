"""Rendering the shipped Word templates: content, safety, file handling."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.errors import ScrutinyError
from scrutiny.letters.context import LETTER_KINDS, TEMPLATE_VARIABLES, LetterContext, LetterKind, context_from_data
from scrutiny.letters.kinds import KINDS
from scrutiny.letters.render import (
    find_leftover_tags,
    letter_path,
    make_jinja_env,
    render_letter,
    safe_slug,
)
from scrutiny.letters.samples import sample_context

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE_FOR: dict[LetterKind, str] = {kind: KINDS[kind].template for kind in LETTER_KINDS}
CREATED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _with(context: LetterContext, **changes: object) -> LetterContext:
    """A copy of a context with some fields changed (``a__b`` reaches into ``a``; ``sections__0__x`` into a list)."""
    data = context.model_dump()
    for dotted, value in changes.items():
        target: Any = data
        *parents, last = dotted.split("__")
        for parent in parents:
            target = target[int(parent)] if parent.isdigit() else target[parent]
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


def _numbered(document: docx.document.Document) -> list[list[str]]:
    """Each "Our request" list in order, its items as printed."""
    lists: list[list[str]] = []
    for paragraph in document.paragraphs:
        if paragraph.text == "Our request":
            lists.append([])
        elif paragraph.style.name == "Request Item":
            lists[-1].append(paragraph.text)
    return lists


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
    assert "23 November 2026" in texts

    # Addressee block, then the salutation.
    start = texts.index("Chief Superintendent James Conway")
    assert texts[start : start + 7] == [
        "Chief Superintendent James Conway",
        "Central East BCU Commander",
        "Metropolitan Police Service, Central East BCU (Hackney and Tower Hamlets)",
        "Stoke Newington Police Station",
        "33 Stoke Newington High Street",
        "London N16 8DS",
        "By e-mail: ce.bcu.commander@met-police.example",
    ]
    assert texts[start + 7] == "Dear Chief Superintendent Conway"

    # One section per item, each quoting its recommendation and ending in its own "Our request".
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 3" and p.text != "Our request"]
    assert headings == [
        "Stop and search annual update (Recommendation 15)",
        "Trust and Confidence Action Plan annual update (Recommendation 16)",
    ]
    body = "\n".join(texts)
    assert "Recommendation 15 – For the Police and Monitoring Groups to provide annual updates" in body
    assert "Recommendation 16 – For Community Safety Partnership to provide annual updates" in body
    lists = _numbered(document)
    assert [len(items) for items in lists] == [4, 2]
    assert [item.split(".", 1)[0] for items in lists for item in items] == ["1", "2", "3", "4", "1", "2"]
    assert "body worn camera dip sampling" in lists[0][0]
    assert "Section 60 communications and consultation" in lists[0][2]
    for heading in (i for i, t in enumerate(texts) if t == "Our request"):
        assert document.paragraphs[heading].style.name == "Heading 3"
        assert document.paragraphs[heading].paragraph_format.keep_with_next in (True, None)

    # One closing paragraph for the meeting, the due date and where to send the response.
    assert body.count("at its meeting on Monday 25 January 2027 at 7.00 pm in Council Chamber") == 1
    assert (
        "Please send your written response to tracey.anderson@hackney.example by Friday 8 January 2027, "
        "quoting our reference lih-2027-01-25-met-ce-bcu." in body
    )

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
    assert "Our ref: lih-2027-01-25-met-ce-bcu" in section.footer.paragraphs[0].text
    assert "Our ref: lih-2027-01-25-met-ce-bcu" in section.first_page_footer.paragraphs[0].text
    props = document.core_properties
    assert props.title == (
        "Request for written evidence: Stop and search annual update (Recommendation 15); "
        "Trust and Confidence Action Plan annual update (Recommendation 16)"
    )
    assert props.author == "Living in Hackney Scrutiny Commission"
    assert props.language == "en-GB"
    assert props.identifier == "lih-2027-01-25-met-ce-bcu"
    assert props.created == props.modified == CREATED


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_every_template_renders_the_whole_letter(tmp_path: Path, kind: LetterKind) -> None:
    context = sample_context(kind)
    document = _render(tmp_path, kind, context)
    texts = _texts(document)
    body = "\n".join(texts)
    assert context.salutation in texts
    expected = [[f"{n}. {item}" for n, item in enumerate(s.requests, start=1)] for s in context.sections]
    assert _numbered(document) == expected
    assert context.meeting.date_text in body
    assert context.response_due_text in body
    assert "Yours sincerely" in texts
    for person in context.cc:
        assert person in texts
    for notice in context.change_notice:
        assert notice in texts
    data = (tmp_path / f"{kind}.docx").read_bytes()
    assert find_leftover_tags(data) == []
    for marker in ("{{", "{%", "{#", "}}", "%}"):
        assert marker not in body


def test_supplementary_and_retimed_letters_say_what_changed(tmp_path: Path) -> None:
    body = "\n".join(_texts(_render(tmp_path, "supplementary")))
    assert "Further to my letter of 23 November 2026, the Commission has added the item below" in body
    body = "\n".join(_texts(_render(tmp_path, "retimed")))
    assert "has been cancelled. The items below will now be taken at its meeting on Monday 22 March 2027" in body
    assert "I wrote to you on 23 November 2026 asking for written evidence" in body


def test_chasers_are_signed_by_the_officer_and_say_when_we_asked(tmp_path: Path) -> None:
    texts = _texts(_render(tmp_path, "reminder"))
    assert any(t.startswith("On 23 November 2026 the Chair wrote to you on behalf of the Commission") for t in texts)
    sign = texts.index("Yours sincerely")
    assert texts[sign + 1] == "Tracey Anderson"
    assert texts[sign + 2] == "Overview and Scrutiny Officer, Living in Hackney Scrutiny Commission"


def test_chasers_list_only_the_sections_they_are_given(tmp_path: Path) -> None:
    context = sample_context("reminder")
    only_r16 = _with(context, sections=[context.sections[1].model_dump()])
    texts = _texts(_render(tmp_path, "reminder", only_r16))
    assert "Trust and Confidence Action Plan annual update (Recommendation 16)" in texts
    assert "Stop and search annual update (Recommendation 15)" not in texts


def test_overdue_notice_counts_days(tmp_path: Path) -> None:
    body = "\n".join(_texts(_render(tmp_path, "overdue")))
    assert "Your written response was due on Friday 8 January 2027, 3 days ago" in body
    one_day = _with(sample_context("overdue"), days_overdue=1)
    body = "\n".join(_texts(_render(tmp_path, "overdue", one_day)))
    assert "Friday 8 January 2027, 1 day ago" in body


def test_escalation_is_copied_to_the_chair(tmp_path: Path) -> None:
    context = sample_context("escalation")
    texts = _texts(_render(tmp_path, "escalation", context))
    assert "is now 5 days overdue" in "\n".join(texts)
    body = "\n".join(texts)
    assert f"I have therefore copied this letter to {context.chair.name}, {context.chair.role_line}." in body
    cc = _after(texts, "CC")
    assert cc == context.cc
    assert cc[0].startswith(context.chair.name)


def test_thanks_only_where_the_section_gives_them(tmp_path: Path) -> None:
    context = _with(sample_context("request"), sections__1__thanks="")
    body = "\n".join(_texts(_render(tmp_path, "request", context)))
    assert "Thank you for the update you gave the Commission on 9 November 2020." in body
    assert "9 December 2024." not in body.split("Trust and Confidence Action Plan annual update")[1].split("\n")[1]


def test_a_one_off_section_has_no_recommendation(tmp_path: Path) -> None:
    one_off = {"heading": "Serious violence and gang crime", "requests": ["What is the current picture?"]}
    context = _with(sample_context("request"), sections=[one_off])
    texts = _texts(_render(tmp_path, "request", context))
    assert "Serious violence and gang crime" in texts and "1. What is the current picture?" in texts
    assert not any(t.startswith("Recommendation ") for t in texts)


def test_empty_optional_parts_leave_no_gaps(tmp_path: Path) -> None:
    context = _with(
        sample_context("request"),
        cc=[],
        addressee__title="",
        addressee__address_lines=[],
        sections__0__context_paragraphs=[],
        sections__0__thanks="",
    )
    texts = _texts(_render(tmp_path, "request", context))
    assert "CC" not in texts
    start = texts.index("Chief Superintendent James Conway")
    assert texts[start : start + 3] == [
        "Chief Superintendent James Conway",
        "Metropolitan Police Service, Central East BCU (Hackney and Tower Hamlets)",
        "By e-mail: ce.bcu.commander@met-police.example",
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
    path = letter_path(root, "../../lih-2027-01-25", f"{HOSTILE}-../../../etc/cron.d/x-v2")
    assert path.parent == root / "lih-2027-01-25"
    assert path.resolve().is_relative_to(root.resolve())
    assert path.name == "smith-sons-script-alert-x-script-etc-passwd-quoted-etc-cron-d-x-v2.docx"
    render_letter(TEMPLATES / "request_letter.docx", sample_context("request"), path)
    assert path.is_file()


def test_letter_path_layout_and_refusals(tmp_path: Path) -> None:
    root = tmp_path / "letters"
    assert letter_path(root, "lih-2027-01-25", "lih-2027-01-25-met-ce-bcu-v1") == (
        root / "lih-2027-01-25" / "lih-2027-01-25-met-ce-bcu-v1.docx"
    )
    assert letter_path(root, "lih-2027-01-25", "lih-2027-01-25-mopac-v3", suffix=".pdf").name == (
        "lih-2027-01-25-mopac-v3.pdf"
    )
    with pytest.raises(ScrutinyError, match="suffix"):
        letter_path(root, "lih-2027-01-25", "x", suffix="/../x")
    # A meeting folder that is a symlink out of the letters folder is refused.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root.mkdir()
    (root / "lih-2027-01-25").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ScrutinyError, match="outside the letters folder"):
        letter_path(root, "lih-2027-01-25", "lih-2027-01-25-mopac-v1")


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
    for kind in LETTER_KINDS:
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
    from scrutiny.template_check import check_template

    for name in TEMPLATE_FOR.values():
        report = check_template(TEMPLATES / name, preview_dir=tmp_path)
        assert set(report.variables) <= set(TEMPLATE_VARIABLES)
