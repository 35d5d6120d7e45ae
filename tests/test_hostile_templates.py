"""Hostile Word templates, fuzzed with hypothesis (beyond tests/test_template_check.py's cases).

Each template is the shipped request letter with one to three hostile fragments typed into it:
sandbox escapes (through globals, format strings, filters, attribute tricks, includes and
imports), work without end (nested loops, macros calling themselves, lorem ipsum by the
million), memory bombs (repetition, padding, powers, formatting widths, doubling in a loop),
broken or too deeply nested syntax, and a few harmless edits. `scrutiny templates check` must
report each problem and refuse in one line, and a letter written from such a template (the
committee's own copy in committees/<id>/templates/) must be refused in one line with nothing
recorded and no file left. The render limits are lowered here (2 s, 256 MB) so the cases are
quick; the product's are 20 s and 512 MB.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrutiny.letters import render_limits
from tests.counts import note
from tests.hostile_support import AS_OF, HostileHome, fuzz_settings, make_hostile_home
from tests.state_dump import snapshot

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    # The time limit may land in a garbage-collector callback, where Python only reports it; the
    # limit raises again until the render stops (scrutiny/letters/render_limits.py).
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "templates" / "request_letter.docx"

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ cycler.__init__.__globals__.os }}",
    "{{ joiner.__init__.__globals__ }}", "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}", "{{ self.__init__.__globals__ }}",
    "{{ salutation|attr('__class__') }}", "{{ salutation|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ '{0.__class__}'.format(salutation) }}", "{{ '{0.__init__.__globals__}'.format(cycler) }}",
    "{{ ''['__cla' ~ 'ss__'] }}", "{{ salutation['__class__'] }}",
    "{% import 'os' as os %}", "{% include '/etc/passwd' %}", "{% extends '../../../etc/passwd' %}",
    "{% from 'x' import y %}", "{{ config }}", "{{ range.__self__ }}", "{% set x = sections.append(1) %}",
    "{{ dict(a=1).update(b=2) }}", "{{ sections.pop() }}", "{{ salutation.format_map(cycler.__dict__) }}",
    "{{ (1).__add__(1) }}", "{{ self._TemplateReference__context }}", "{{ loop.__class__ }}",
]  # fmt: skip
ENDLESS = [
    "{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}",
    "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}{{ f(0) }}",
    "{{ lipsum(10**6) }}", "{% for x in range(99999) %}{{ lipsum(100) }}{% endfor %}",
    "{{ 'x' * 10**10 }}", "{{ [1] * 10**10 }}", "{{ 9 ** (9 ** 9) }}", "{{ salutation.ljust(10**10) }}",
    "{{ 'x'|center(10**10) }}", "{{ '{:>999999999}'.format(1) }}", "{{ '\\t'.expandtabs(10**10) }}",
    "{{ 'a'|indent(10**10) }}", "{{ ('x' * 99999)|replace('', 'y' * 99999) }}", "{{ range(10**9)|list }}",
    "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
]  # fmt: skip
BROKEN = [
    "{{", "{% if %}", "{% for %}", "{{ salutation }", "{ salutation }}", "{%p endfor %}", "{% endif %}",
    "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}", "{% if x %}" * 400 + "{% endif %}" * 400, "{# never closed",
    "{{ 'unterminated }}", "{{ salutation | nosuchfilter }}", "{{ nosuchvariable }}", "{{ salutation is nosuchtest }}",
    "{% raw %}", "{{ salutation }}}}{{",
]  # fmt: skip
HARMLESS = ["{{ salutation|upper }}", "{{ addressee.name }}", "Yours, with {{ '%d'|format(3) }} thanks", "ÆØÅ ✓"]
# Reaching for internals through a filter's attribute name: the sandbox hands back an undefined
# value, printed as "Undefined", so the letter may pass; what it must never print is the internal.
NEUTRALISED = ["{{ sections|map(attribute='__class__')|list }}", "{{ sections|map(attribute='__init__')|list }}"]
INTERNALS = ("<class", "<function", "<module", "<built-in", "__globals__", "<bound method")

fragment = st.one_of(
    st.sampled_from(ESCAPES), st.sampled_from(ENDLESS), st.sampled_from(BROKEN), st.sampled_from(HARMLESS)
)
edit = st.tuples(st.lists(fragment, min_size=1, max_size=3), st.sampled_from(["closing", "header", "new paragraph"]))


def _template(path: Path, fragments: list[str], where: str) -> Path:
    document = docx.Document(SHIPPED)
    text = " ".join(fragments)
    if where == "closing":
        [paragraph] = [p for p in document.paragraphs if p.text.startswith("Thank you for your continued")]
        paragraph.add_run(" " + text)
    elif where == "header":
        document.sections[0].header.paragraphs[0].add_run(" " + text)
    else:
        document.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


@pytest.fixture
def quick_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_limits, "TIME_LIMIT_S", 2.0)
    monkeypatch.setattr(render_limits, "MEMORY_HEADROOM_BYTES", 256 << 20)


@pytest.fixture
def hostile(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, quick_limits: None
) -> Iterator[HostileHome]:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    yield from make_hostile_home(sqlite_home, capsys, letters=False)


def test_hostile_templates_are_refused_by_the_check_and_by_letters(hostile: HostileHome) -> None:
    number = [0]
    previews = hostile.work / "previews"

    @fuzz_settings(60)
    @given(case=edit)
    def checked(case: tuple[list[str], str]) -> None:
        fragments, where = case
        number[0] += 1
        path = _template(hostile.work / f"template-{number[0]}.docx", fragments, where)
        harmless = all(f in HARMLESS for f in fragments)
        result = hostile.run("templates", "check", str(path), "--preview-dir", str(previews))
        if harmless:
            assert result.code == 0, result.err
            hostile.outcomes["harmless template"] += 1
        elif result.code == 0 and all(f in HARMLESS + NEUTRALISED for f in fragments):
            preview = docx.Document(str(previews / f"{path.stem}-preview.docx"))
            texts = [p.text for p in preview.paragraphs] + [p.text for p in preview.sections[0].header.paragraphs]
            assert not any(word in text for text in texts for word in INTERNALS), texts
            hostile.outcomes["neutralised template"] += 1
        else:
            hostile.check_refusal(result, ("templates", "check", str(path)))
            assert "Traceback" not in result.out
            hostile.outcomes["template"] += 1

    checked()

    # A committee's own copy, used for real: the letters are refused, nothing is recorded or left.
    override = hostile.home / "committees" / "living-in-hackney" / "templates" / "request_letter.docx"
    written = [0]

    @fuzz_settings(10)
    @given(case=edit.filter(lambda c: not all(f in HARMLESS + NEUTRALISED for f in c[0])))
    def rendered(case: tuple[list[str], str]) -> None:
        _template(override, *case)
        before = snapshot(hostile.home, hostile.url)
        result = hostile.run("letters", "--as-of", AS_OF)
        lines = result.err.strip().splitlines()
        assert result.code == 2 and len(lines) == 1 and lines[0].startswith("scrutiny: error: "), result.err
        assert "Traceback" not in result.err and "internal error" not in result.err, result.err
        assert snapshot(hostile.home, hostile.url) == before, "a refused letter left something behind"
        shutil.rmtree(override.parent)
        assert snapshot(hostile.home, hostile.url) == hostile.before
        written[0] += 1

    rendered()
    checked_count = hostile.counted("template")
    assert checked_count >= 40, hostile.outcomes
    note(
        f"hostile input: {checked_count + hostile.counted('harmless template')} templates checked "
        f"({checked_count} refused in one line, {hostile.counted('harmless template')} harmless ones passed, "
        f"{hostile.counted('neutralised template')} printing 'Undefined' for an internal and nothing of it), "
        f"{written[0]} used for letters (each refused in one line, nothing recorded or left); "
        f"render limits {render_limits.TIME_LIMIT_S:g} s / {render_limits.MEMORY_HEADROOM_BYTES >> 20} MB here"
    )
