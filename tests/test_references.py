"""Matching an incoming e-mail or file to its letter by the reference the letters print."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrutiny.intake.references import find_reference

KNOWN = ["lih-2027-01-25-mopac", "lih-2027-01-25-mopac-2", "lih-2027-01-25-csp", "lih-2027-03-22-bcu"]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Our ref: lih-2027-01-25-mopac"], "lih-2027-01-25-mopac"),
        (["Re: written evidence (ref lih-2027-01-25-mopac)"], "lih-2027-01-25-mopac"),
        (["lih-2027-01-25-mopac response.pdf"], "lih-2027-01-25-mopac"),
        (["lih-2027-01-25-mopac_response.pdf"], "lih-2027-01-25-mopac"),
        (["lih-2027-01-25-mopac-response.docx"], "lih-2027-01-25-mopac"),
        (["OUR REF: LIH-2027-01-25-CSP."], "lih-2027-01-25-csp"),
        (["Our ref: lih\u20132027\u201301\u201325\u2013csp"], "lih-2027-01-25-csp"),  # en dashes from Word
        (["subject", "body mentions lih-2027-03-22-bcu on line two"], "lih-2027-03-22-bcu"),
        (["Our ref: lih-2027-01-25-mopac-2"], "lih-2027-01-25-mopac-2"),
        (["lih-2027-01-25-mopac", "lih-2027-01-25-mopac-2"], "lih-2027-01-25-mopac-2"),  # longest wins
    ],
)
def test_found(texts: list[str], expected: str) -> None:
    assert find_reference(texts, KNOWN) == expected


@pytest.mark.parametrize(
    "text",
    [
        "xlih-2027-01-25-mopac",  # runs on before
        "lih-2027-01-25-mopacs",  # runs on after
        "lih-2027-01-25-mopac9",
        "lih-2027-01-25-mopac-3",  # an unknown numbered variant is not the unnumbered one
        "lih-2027-01-25",  # a prefix of references is none of them
        "Our ref: ",
        "",
    ],
)
def test_not_found(text: str) -> None:
    assert find_reference([text], KNOWN) is None


def test_spelling_comes_from_the_known_list() -> None:
    assert find_reference(["our ref: lih-r15-1-mopac"], ["lih-R15-1-MOPAC"]) == "lih-R15-1-MOPAC"


def test_nothing_known() -> None:
    assert find_reference(["Our ref: lih-2027-01-25-mopac"], []) is None
    assert find_reference(["Our ref: lih-2027-01-25-mopac"], ["", "  "]) is None


def test_equal_lengths_first_found_wins() -> None:
    assert find_reference(["lih-2027-01-25-csp then lih-2027-03-22-bcu"], KNOWN) == "lih-2027-01-25-csp"


def test_regex_characters_in_references_are_literal() -> None:
    assert find_reference(["ref a.b+c"], ["a.b+c"]) == "a.b+c"
    assert find_reference(["ref aXb+c"], ["a.b+c"]) is None


@given(noise=st.text(max_size=40), reference=st.sampled_from(KNOWN))
def test_a_reference_between_spaces_is_always_found(noise: str, reference: str) -> None:
    found = find_reference([f"{noise} {reference} {noise}"], KNOWN)
    # The noise may hold a longer known reference itself; never a shorter one than the one placed.
    assert found is not None and len(found) >= len(reference)
