"""Committee files for a synthetic council: N commissions varied from the bundled Living in Hackney file.

Each committee gets its own name, prefix, members, a review with recommendations, two or three
annual commitments, a meeting pattern (its own weekday and weeks) and the meetings of the
current municipal year listed. Organisations come from one council-wide pool and are written
identically in every file that uses them, as the committees of one council share respondents.
Everything is drawn from a random generator seeded per committee, so the same seed always gives
the same files, whatever the number of years of history generated beside them.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import yaml

from scrutiny.calendar_pattern import municipal_year_of, plan_pattern
from scrutiny.config.pattern import MeetingPattern, month_name
from scrutiny.settings import BUNDLED_CONFIG
from scrutiny.workdays import WorkingDayCalendar

TOPICS = (
    "Living in Hackney", "Health in Hackney", "Children and Young People", "Skills, Economy and Growth",
    "Scrutiny Panel", "Housing", "Transport and Streets", "Climate and Environment", "Culture and Leisure",
    "Adult Social Care", "Planning", "Licensing", "Audit", "Community Safety", "Education", "Public Health",
    "Regeneration", "Finance and Resources", "Equalities", "Digital Services",
)  # fmt: skip
BODIES = (
    ("Metropolitan Police Service, Central East BCU", "Central East BCU", "met-police.example"),
    ("Mayor's Office for Policing and Crime (MOPAC)", "MOPAC", "mopac.example"),
    ("Hackney Community Safety Partnership", "Hackney CSP", "hackney.example"),
    ("East London NHS Foundation Trust", "ELFT", "elft.example"),
    ("Homerton Healthcare NHS Foundation Trust", "Homerton", "homerton.example"),
    ("NHS North East London Integrated Care Board", "NEL ICB", "nel-icb.example"),
    ("London Fire Brigade", "LFB", "lfb.example"),
    ("Transport for London", "TfL", "tfl.example"),
    ("Hackney CVS", "Hackney CVS", "hackney-cvs.example"),
    ("Peabody", "Peabody", "peabody.example"),
    ("Clarion Housing Group", "Clarion", "clarion.example"),
    ("Notting Hill Genesis", "NHG", "nhg.example"),
    ("Hackney Education", "Hackney Education", "hackney-education.example"),
    ("London Probation Service", "Probation", "probation.example"),
    ("Environment Agency", "Environment Agency", "environment-agency.example"),
    ("Thames Water", "Thames Water", "thames-water.example"),
    ("Hackney Chamber of Commerce", "Chamber of Commerce", "hackney-chamber.example"),
    ("Healthwatch Hackney", "Healthwatch", "healthwatch-hackney.example"),
    ("Hackney Youth Parliament", "Youth Parliament", "youth-parliament.example"),
    ("Hackney Council Housing Services", "Housing Services", "hackney.example"),
    ("London Borough of Hackney, Cabinet Member for Community Safety", "Cabinet Member", "hackney.example"),
    ("Integrated Gangs Unit", "IGU", "hackney.example"),
    ("Hackney Safer Neighbourhood Board", "Safer Neighbourhood Board", "hackney-snb.example"),
    ("Local Policing Scrutiny Panel", "Scrutiny Panel", "scrutiny-panel.example"),
)  # fmt: skip
FIRST_NAMES = ("Amina", "Ben", "Chidi", "Dawn", "Ezra", "Fatima", "Grace", "Hassan", "Ines", "Jason", "Kemi", "Liam")
SURNAMES = ("Adeyemi", "Baker", "Cohen", "Davis", "Evans", "Fraser", "Gupta", "Hughes", "Ismail", "Jones", "Khan")
# Months of a municipal year in the order a committee adds them (May and August last: the recess).
MONTHS = (6, 7, 9, 10, 11, 12, 1, 2, 3, 4, 5, 8)


@dataclass(frozen=True)
class CommitteeSpec:
    index: int
    committee_id: str
    prefix: str
    data: dict[str, Any]  # the committee file, as YAML data


def organisation_pool() -> list[dict[str, Any]]:
    """Every organisation of the council, each written the same way in every committee's file."""
    pool = []
    for number, (name, short, domain) in enumerate(BODIES):
        slug = "-".join(word.strip("(),'").lower() for word in short.split())
        person = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {SURNAMES[number % len(SURNAMES)]}"
        contact = {"name": person, "role": "Director", "email": f"{person.lower().replace(' ', '.')}@{domain}"}
        pool.append(
            {
                "id": f"org{number:02d}-{slug}",
                "name": name,
                "short_name": short,
                "address": [f"{number + 1} Mare Street", "London E8 1EA"],
                "contact": {**contact, "salutation": f"Dear {person}"},
            }
        )
    return pool


def committee_spec(index: int, *, seed: int, meetings_per_year: int, as_of: dt.date) -> CommitteeSpec:
    """The file of committee number ``index`` (0-based) of the council."""
    if not 1 <= meetings_per_year <= len(MONTHS):
        raise ValueError(f"meetings_per_year must be 1 to {len(MONTHS)}, not {meetings_per_year}")
    rng = random.Random(f"{seed}:committee:{index}")
    bundled = yaml.safe_load(BUNDLED_CONFIG.read_text(encoding="utf-8"))
    topic = TOPICS[index % len(TOPICS)]
    body = "Scrutiny Commission" if index < len(TOPICS) else "Scrutiny Sub-Committee"
    prefix = f"c{index + 1:02d}"
    committee_id = f"{prefix}-{'-'.join(topic.lower().replace(',', '').split())}"
    members = []
    for n in range(7):  # 5 and 11 are coprime, so the seven surnames differ
        first, last = FIRST_NAMES[(index * 7 + n) % len(FIRST_NAMES)], SURNAMES[(index * 3 + n * 5) % len(SURNAMES)]
        email = f"{first.lower()}.{last.lower()}.{prefix}@hackney.example"
        members.append({"name": f"Cllr {first} {last}", "role": "Member", "email": email})
    members[0]["role"], members[1]["role"] = "Chair", "Vice Chair"
    pool = organisation_pool()
    organisations = sorted(rng.sample(pool, rng.randint(5, 8)), key=lambda org: org["id"])
    review = copy.deepcopy(bundled["reviews"][0])
    review["id"] = f"{prefix}-review-2019"
    review["recommendations"] = review["recommendations"][:6] + review["recommendations"][14:16]
    info = {
        **bundled["committee"],
        "id": committee_id,
        "prefix": prefix,
        "name": f"{topic} {body}",
        "short_name": prefix.upper(),
        "uid_domain": f"{committee_id}.scrutiny.example",
        "calendar_match": [topic],
        "chair": members[0]["name"],
        "officer": {
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
            "role": "Overview and Scrutiny Officer",
            "email": f"scrutiny.{prefix}@hackney.example",
        },
    }
    pattern = {
        "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday")[index % 4],
        "start": "19:00",
        "year_starts": "May",
        "on_holiday": "next_working_day",
        "months": {month_name(m): 1 + (index // 4 + m) % 4 for m in MONTHS[:meetings_per_year]},
    }
    data: dict[str, Any] = {
        "committee": info,
        "members": members,
        "organisations": organisations,
        "reviews": [review],
        "commitments": _commitments(rng, organisations, review["recommendations"]),
        "meetings": [{"date": day.isoformat()} for day in pattern_dates(pattern, municipal_year_of(as_of))],
        "meeting_pattern": pattern,
    }
    return CommitteeSpec(index, committee_id, prefix, data)


def _commitments(
    rng: random.Random, organisations: list[dict[str, Any]], recommendations: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    commitments = []
    for number in range(rng.randint(2, 3)):
        recommendation = recommendations[(number * 3 + rng.randint(0, 2)) % len(recommendations)]
        respondents = [org["id"] for org in rng.sample(organisations, rng.randint(2, 4))]
        commitments.append(
            {
                "key": f"A{number + 1}",
                "title": f"Annual update on {recommendation['title'][:60].rstrip()}",
                "theme": "annual",
                "review": "",  # filled by the caller with the review's ID
                "recommendation": recommendation["number"],
                "respondents": respondents,
                "standing_topics": [
                    "progress since the last update, with the measures used.",
                    "how residents are involved in shaping and monitoring the work.",
                ],
                "repeat_topics": ["progress on the points the Commission raised at its last update."],
                "last_taken": "2000-01-01",  # replaced by the generator: the year before the history starts
                "first_update_taken": True,
                "cc": [next(org["id"] for org in organisations if org["id"] not in respondents)]
                if len(respondents) < len(organisations)
                else [],
            }
        )
    return commitments


def pattern_dates(pattern: dict[str, Any], municipal_year: int) -> list[dt.date]:
    """The days the pattern gives in one municipal year (bank holidays moved as the product moves them)."""
    parsed = MeetingPattern.model_validate(pattern)
    plan = plan_pattern(parsed, dt.date(municipal_year, parsed.year_starts, 1), _CALENDAR)
    return [meeting.date for meeting in plan.meetings if meeting.municipal_year == municipal_year]


_CALENDAR = WorkingDayCalendar()


def finish_spec(spec: CommitteeSpec, *, first_history_year: int) -> dict[str, Any]:
    """The file as written: commitments point at the review and were last taken before the history."""
    data = copy.deepcopy(spec.data)
    for commitment in data["commitments"]:
        commitment["review"] = data["reviews"][0]["id"]
        commitment["last_taken"] = dt.date(first_history_year - 1, 11, 15).isoformat()
    return data
