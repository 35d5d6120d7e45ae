"""Sample letters for the template checker's preview, the benchmarks and the tests.

Names and roles come from the public documents; every e-mail address is on a reserved
example domain. The sample is the Chair's letter to the BCU Commander for the meeting of
25 January 2027, with a Recommendation 15 and a Recommendation 16 section.
"""

from __future__ import annotations

from scrutiny.letters.context import (
    LETTER_KINDS,
    Addressee,
    Chair,
    LetterContext,
    Letterhead,
    LetterKind,
    Meeting,
    Recommendation,
    Section,
)

_REVIEW = "Council and partnership response to escalation in serious violence"

_R15 = Section(
    heading="Stop and search annual update (Recommendation 15)",
    recommendation=Recommendation(
        number=15,
        title="For the Police and Monitoring Groups to provide annual updates to Living in Hackney Scrutiny on "
        "stop and search activity, and the engagement between them",
        text="Living in Hackney Scrutiny will seek to re-establish annual updates on stop and search activity, the "
        "engagement between the police and monitoring groups, and the outcomes of this. We hope that this can help "
        "better ensure on-going engagement.",
        review_title=_REVIEW,
        review_year=2019,
    ),
    first_update=True,
    thanks="Thank you for the update you gave the Commission on 9 November 2020.",
    context_paragraphs=[
        "At our meeting on 9 November 2020 the Commission heard from the Metropolitan Police and MOPAC on stop and "
        "search, the use of force and community scrutiny of policing.",
        "As this is the first update since the review reported, the Commission would also like to follow up the "
        "specific points the review asked to be covered.",
    ],
    requests=[
        "Please update the Commission on the extent of body worn camera dip sampling exercises, which we heard had "
        "started only recently.",
        "Please update the Commission on the engagement of the community in training.",
        "Please update the Commission on Section 60 communications and consultation, including the engagement of the "
        "monitoring groups before Section 60 notices are enacted.",
        "Please update the Commission on stop and search activity in Hackney over the past year, including volumes, "
        "Section 60 authorisations, the profile of those stopped and positive outcome rates.",
    ],
)

_R16 = Section(
    heading="Trust and Confidence Action Plan annual update (Recommendation 16)",
    recommendation=Recommendation(
        number=16,
        title="For Community Safety Partnership to provide annual updates to Living in Hackney on its Trust and "
        "Confidence Action Plan",
        text="The Commission will seek annual updates against the Action Plan regarding Trust and Confidence, from "
        "the Community Safety Partnership.",
        review_title=_REVIEW,
        review_year=2019,
    ),
    thanks="Thank you for the update you gave the Commission on 9 December 2024.",
    context_paragraphs=[
        "At our meeting on 9 December 2024 the Commission heard about the second phase of the Hackney Trust and "
        "Confidence in Policing Action Plan, a joint plan of the Central East BCU, Hackney Council and MOPAC.",
    ],
    requests=[
        "Please update the Commission on progress against the Hackney Trust and Confidence in Policing Action Plan "
        "since the last update, with the measures used.",
        "Please update the Commission on how the community is involved in shaping and monitoring the Action Plan.",
    ],
)

_LETTER_DATES: dict[LetterKind, str] = {
    "request": "23 November 2026",
    "supplementary": "1 December 2026",
    "retimed": "14 December 2026",
    "reminder": "31 December 2026",
    "overdue": "11 January 2027",
    "escalation": "13 January 2027",
}
_DAYS_OVERDUE: dict[LetterKind, int | None] = {"overdue": 3, "escalation": 5}
_CHAIR_CC = "Cllr Sharon Patrick, Chair of the Living in Hackney Scrutiny Commission"
_CC = [
    "Cllr Susan Fajana-Thomas OBE, Cabinet Member for Community Safety and Regulatory Services "
    "(London Borough of Hackney)",
    "Natasha Plummer (MOPAC)",
]


def sample_context(kind: LetterKind = "request") -> LetterContext:
    """A realistic Living in Hackney letter of the given kind."""
    if kind not in LETTER_KINDS:
        raise ValueError(f"unknown letter kind {kind!r}")
    sections = [_R16] if kind == "supplementary" else [_R15, _R16]
    change_notice = (
        [
            "The Commission's meeting on Monday 25 January 2027 has been cancelled. The items below will now be "
            "taken at its meeting on Monday 22 March 2027, and the written response is now due by Friday 5 March "
            "2027."
        ]
        if kind == "retimed"
        else []
    )
    return LetterContext(
        kind=kind,
        letterhead=Letterhead(
            committee_name="Living in Hackney Scrutiny Commission",
            council_name="Hackney Council",
            address_lines=["Room 118", "Town Hall", "Mare St E8 1EA"],
            reply_to_name="Tracey Anderson",
            reply_to_email="tracey.anderson@hackney.example",
        ),
        letter_date=_LETTER_DATES[kind],
        reference="lih-2027-01-25-met-ce-bcu",
        addressee=Addressee(
            name="Chief Superintendent James Conway",
            title="Central East BCU Commander",
            organisation="Metropolitan Police Service, Central East BCU (Hackney and Tower Hamlets)",
            address_lines=["Stoke Newington Police Station", "33 Stoke Newington High Street", "London N16 8DS"],
            email="ce.bcu.commander@met-police.example",
        ),
        salutation="Dear Chief Superintendent Conway",
        sections=sections,
        change_notice=change_notice,
        previous_letter_date="23 November 2026" if kind in ("supplementary", "retimed") else None,
        request_date_text=None if kind in ("request", "supplementary", "retimed") else _LETTER_DATES["request"],
        meeting=Meeting(
            date_text="Monday 22 March 2027" if kind == "retimed" else "Monday 25 January 2027",
            time_text="7.00 pm",
            venue="Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
        ),
        response_due_text="Friday 5 March 2027" if kind == "retimed" else "Friday 8 January 2027",
        respond_to_email="tracey.anderson@hackney.example",
        chair=Chair(
            name="Cllr Sharon Patrick",
            role_line="Chair of the Living in Hackney Scrutiny Commission at London Borough of Hackney",
        ),
        cc=([_CHAIR_CC] if kind == "escalation" else []) + list(_CC),
        days_overdue=_DAYS_OVERDUE.get(kind),
    )
