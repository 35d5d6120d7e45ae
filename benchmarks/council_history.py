"""The years behind a synthetic council, simulated meeting by meeting and written in bulk.

For each meeting: its agenda items (annual updates placed once a year, one-off items around
them), one request per item and respondent, one letter per organisation once the letter window
has opened, the chaser ladder (reminder, overdue notice, escalation) on the days the timetable
gives while something is outstanding, the responses as they arrive (on time, late, missing, or
the request withdrawn), every status change, the documents with their e-mail recipients, and the
agenda pack once published. Only what happened before ``as_of`` is written: what falls due on
``as_of`` itself is left for the run being measured.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session, SQLModel, col

from scrutiny.documents.naming import safe_slug
from scrutiny.planner import add_months
from scrutiny.timetable import MeetingTimetable
from scrutiny.workspace import CommitteeContext, Workspace
from state import models

_INT_TABLES = ("agendaitem", "statuschange", "response", "inboundmessage", "reminder", "document", "delivery", "pack")
# Parents before children, so the foreign keys hold at every insert.
_ORDER = ("meeting", "agendaitem", "letter", "request", "letterrequest", "statuschange", "document", "reminder",
          "delivery", "response", "inboundmessage", "pack")  # fmt: skip
_LADDER = (("reminder", "reminded"), ("overdue", "overdue"), ("escalation", "escalated"))
_ONE_OFF = ("Budget scrutiny", "Resident engagement", "Service performance", "Cabinet Member question time",
            "Annual complaints report", "Partnership working", "Commissioning review", "Equality impact")  # fmt: skip
_SMTP = "smtp://smtp.hackney.example:587"


@dataclass
class _Request:
    row: dict[str, Any]
    received_on: dt.date | None  # when the response arrives (it may be after as_of)
    withdrawn_on: dt.date | None
    response_id: int | None = None
    changes: list[tuple[dt.date, int, str, str, str]] = field(default_factory=list)  # day, order, status, cause, detail

    def open_on(self, day: dt.date) -> bool:
        answered = self.received_on is not None and self.received_on <= day
        return not answered and not (self.withdrawn_on is not None and self.withdrawn_on <= day)


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC)


class HistoryWriter:
    """Accumulates rows per table (with explicit integer IDs) and the files they point at."""

    def __init__(self, session: Session, workspace: Workspace, *, as_of: dt.date) -> None:
        self.session, self.workspace, self.as_of = session, workspace, as_of
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.files: dict[str, bytes] = {}  # stored (home-relative) path -> content
        self.next_id = {name: self._max_id(name) + 1 for name in _INT_TABLES}
        current = session.execute(select(models.Contact).where(col(models.Contact.current).is_(True))).scalars()
        self.contacts = {contact.organisation_id: contact for contact in current}
        self.last_taken: dict[tuple[str, str], dt.date] = {}  # (committee, commitment) -> meeting it was last on

    def _max_id(self, table: str) -> int:
        column = SQLModel.metadata.tables[table].c.id
        return int(self.session.execute(select(func.coalesce(func.max(column), 0))).scalar_one())

    def _add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        if table in self.next_id:
            row["id"] = self.next_id[table]
            self.next_id[table] += 1
        self.rows[table].append(row)
        return row

    def _file(self, stored: str, text: str) -> str:
        data = text.encode("utf-8")
        self.files[stored] = data
        return hashlib.sha256(data).hexdigest()

    # -- one committee-year ------------------------------------------------------------------

    def committee_year(
        self, committee: CommitteeContext, year: int, dates: list[dt.date], rng: random.Random, *, listed: bool
    ) -> None:
        """Simulate one municipal year of ``committee``; ``listed``: its meetings came from the file."""
        config = committee.config
        placed = {c.key: rng.randrange(len(dates)) for c in config.commitments}
        organisations = [org.id for org in config.organisations]
        for number, day in enumerate(dates):
            meeting_id = committee.scoped_id(day.isoformat())
            if not listed:
                self._add("meeting", self._meeting(committee, meeting_id, day))
            timetable = committee.timetable(day)
            items = [
                self._commitment_item(committee, key, meeting_id, day) for key, at in placed.items() if at == number
            ]
            for _ in range(max(0 if items else 1, rng.randint(0, 3 - len(items)))):
                items.append(self._one_off_item(committee, meeting_id, rng))
            by_org: dict[str, list[_Request]] = defaultdict(list)
            asked_about: dict[int, set[str]] = {}  # item -> every body asked about it, and its CC list
            for item, respondents, cc in items:
                asked = respondents or rng.sample(organisations, rng.randint(1, min(3, len(organisations))))
                asked_about[item["id"]] = set(asked) | set(cc)
                for org in asked:
                    by_org[org].append(self._request(committee, item, org, meeting_id, timetable, rng))
            for org, requests in sorted(by_org.items()):
                copied = set().union(*(asked_about[r.row["agenda_item_id"]] for r in requests)) - {org}
                copies = sorted(self.contacts[o].email for o in copied if o in self.contacts)
                self._letter(committee, meeting_id, org, requests, timetable, copies)
            self._pack(committee, meeting_id, day, timetable, [r for rs in by_org.values() for r in rs])

    def _meeting(self, committee: CommitteeContext, meeting_id: str, day: dt.date) -> dict[str, Any]:
        info = committee.config.committee
        return {
            "id": meeting_id, "committee_id": committee.id, "date": day, "start_time": info.default_start,
            "end_time": None, "venue": info.default_venue, "title": info.name, "cancelled": False,
            "ics_uid": f"{meeting_id}@calendar.hackney.example", "source": "ics", "minutes_path": None,
            "minutes_sha256": None,
        }  # fmt: skip

    def _commitment_item(
        self, committee: CommitteeContext, key: str, meeting_id: str, day: dt.date
    ) -> tuple[dict[str, Any], list[str], list[str]]:
        commitment = next(c for c in committee.config.commitments if c.key == key)
        previous = self.last_taken.get((committee.id, key), commitment.last_taken)
        self.last_taken[(committee.id, key)] = day
        due = add_months(previous, commitment.interval_months)
        item = self._item(committee, meeting_id, commitment.title, f"Recommendation {commitment.recommendation}")
        item.update(commitment_id=committee.scoped_id(key), cycle_due_date=due, reason=f"due by {due.isoformat()}")
        return item, list(commitment.respondents), [cc for cc in commitment.cc if isinstance(cc, str)]

    def _one_off_item(
        self, committee: CommitteeContext, meeting_id: str, rng: random.Random
    ) -> tuple[dict[str, Any], list[str], list[str]]:
        return self._item(committee, meeting_id, rng.choice(_ONE_OFF), "officer"), [], []

    def _item(self, committee: CommitteeContext, meeting_id: str, title: str, source: str) -> dict[str, Any]:
        return self._add(
            "agendaitem",
            {
                "committee_id": committee.id, "meeting_id": meeting_id, "commitment_id": None, "cycle_due_date": None,
                "title": title, "source": source, "reason": "", "pinned": False, "first_update": False,
                "questions": [], "presenters": [], "needs_replanning": False, "removed": False,
            },
        )  # fmt: skip

    def _request(
        self,
        committee: CommitteeContext,
        item: dict[str, Any],
        org: str,
        meeting_id: str,
        timetable: MeetingTimetable,
        rng: random.Random,
    ) -> _Request:
        code = f"{item['commitment_id'].removeprefix(committee.prefix + '-')}" if item["commitment_id"] else "item"
        due, opens = timetable.response_due_date, timetable.letter_window_opens
        outcome, window = rng.random(), (due - opens).days
        received = withdrawn = None
        if outcome < 0.55:  # well before the reminder
            received = opens + dt.timedelta(days=rng.randint(10, max(10, window - 10)))
        elif outcome < 0.70:  # in the last week, after the reminder
            received = due - dt.timedelta(days=rng.randint(0, 6))
        elif outcome < 0.85:  # late
            received = due + dt.timedelta(days=rng.randint(1, 12))
        elif outcome < 0.90:  # the body said it would not respond
            withdrawn = due - dt.timedelta(days=8)
        row = {
            "id": f"{committee.prefix}-{code}-{item['id']}-{org}", "committee_id": committee.id,
            "agenda_item_id": item["id"], "organisation_id": org, "contact_id": None, "meeting_id": meeting_id,
            "letter_id": None, "status": "planned", "letter_window_opens": opens,
            "request_by_date": timetable.request_by_date, "due_date": due, "issued_on": None, "received_on": None,
        }  # fmt: skip
        request = _Request(row, received, withdrawn)
        planned_on = min(opens - dt.timedelta(days=30), self.as_of - dt.timedelta(days=1))
        request.changes.append((planned_on, 0, "planned", "planned", f"for the meeting on {timetable.meeting_date}"))
        self.rows["request"].append(row)
        return request

    def _letter(
        self,
        committee: CommitteeContext,
        meeting_id: str,
        org: str,
        requests: list[_Request],
        timetable: MeetingTimetable,
        copies: list[str],
    ) -> None:
        issued = timetable.letter_window_opens
        if issued >= self.as_of:
            self._settle(requests)
            return  # the window has not opened before today: the requests are still planned
        letter_id = f"{meeting_id}-{org}"
        contact = self.contacts.get(org)
        self._add(
            "letter",
            {
                "id": letter_id, "committee_id": committee.id, "meeting_id": meeting_id, "organisation_id": org,
                "contact_id": contact.id if contact else None, "sequence": 1, "version": 1, "issued_on": issued,
                "meeting_date": timetable.meeting_date, "due_date": timetable.response_due_date,
                "needs_reissue": False,
            },
        )  # fmt: skip
        for request in requests:
            request.row.update(letter_id=letter_id, issued_on=issued, contact_id=contact.id if contact else None)
            request.changes.append((issued, 1, "issued", "letter", f"{letter_id} v1"))
            self._add("letterrequest", {"letter_id": letter_id, "request_id": request.row["id"]})
        stem = f"{letter_id}-v1"
        self._document(committee, meeting_id, letter_id, "request", stem, issued, org, copies)
        for kind, status in _LADDER:
            day = getattr(timetable, f"{kind}_date")
            outstanding = [r for r in requests if r.open_on(day)]
            if day >= self.as_of or day >= timetable.meeting_date or not outstanding:
                continue
            extra = [committee.config.chair.email] if kind == "escalation" and committee.config.chair.email else []
            stem = f"{letter_id}-{kind}-due-{timetable.response_due_date.isoformat()}"
            document_id = self._document(committee, meeting_id, letter_id, kind, stem, day, org, copies + extra)
            self._add("reminder", {"letter_id": letter_id, "kind": kind, "due_date": timetable.response_due_date,
                                   "sent_on": day, "document_id": document_id})  # fmt: skip
            for request in outstanding:
                request.changes.append((day, 2, status, "chaser", f"{kind} {letter_id}"))
        for request in requests:
            self._response(committee, meeting_id, org, letter_id, request)
        self._settle(requests)

    def _document(
        self,
        committee: CommitteeContext,
        meeting_id: str,
        letter_id: str,
        kind: str,
        stem: str,
        day: dt.date,
        org: str,
        copies: list[str],
    ) -> int:
        stored = f"letters/{safe_slug(meeting_id, 60)}/{safe_slug(stem, 100)}.docx"
        sha = self._file(stored, f"{kind} letter {letter_id} of {day.isoformat()} (placeholder)\n")
        document = self._add(
            "document",
            {"committee_id": committee.id, "kind": kind, "path": stored, "sha256": sha, "letter_id": letter_id,
             "meeting_id": meeting_id, "version": 1, "created_at": _at(day)},
        )  # fmt: skip
        contact = self.contacts.get(org)
        recipients = [(contact.email, contact.name, "to")] if contact else []
        recipients += [(address, "", "cc") for address in copies]
        domain = committee.config.committee.message_domain
        unique = {address.lower(): (address, name, role) for address, name, role in reversed(recipients)}
        for address, name, role in reversed(unique.values()):
            self._add(
                "delivery",
                {"document_id": document["id"], "address": address, "name": name, "role": role, "state": "sent",
                 "claim": "", "channel": "smtp", "location": _SMTP,
                 "message_id": f"<{letter_id}-{kind}-v1-{sha[:16]}@{domain}>", "sent_at": _at(day, 10)},
            )  # fmt: skip
        return int(document["id"])

    def _response(
        self, committee: CommitteeContext, meeting_id: str, org: str, letter_id: str, request: _Request
    ) -> None:
        received = request.received_on
        row = request.row
        if request.withdrawn_on is not None and request.withdrawn_on < self.as_of:
            request.changes.append((request.withdrawn_on, 3, "withdrawn", "withdrawal", "by an officer"))
        if received is None or received >= self.as_of:
            return
        late = received > row["due_date"]
        text = f"Written response of {org} to {row['id']} (placeholder)\n"
        sha = hashlib.sha256(text.encode()).hexdigest()
        stored = f"responses/{meeting_id}/{row['id']}-{sha[:12]}.docx"
        self._file(stored, text)
        source = ("officer", "imap", "inbox")[row["agenda_item_id"] % 3]
        message_id = f"<{row['id']}@{org}.example>" if source != "officer" else None
        name = f"{org} response.docx"
        request.response_id = self.next_id["response"]
        self._add(
            "response",
            {"request_id": row["id"], "path": stored, "sha256": sha, "original_name": name, "kind": "docx",
             "received_on": received, "source": source, "message_id": message_id, "recorded_at": _at(received, 11)},
        )  # fmt: skip
        if message_id is not None:
            self._add(
                "inboundmessage",
                {"message_id": message_id, "source": source, "letter_id": letter_id, "outcome": "recorded",
                 "detail": name, "seen_at": _at(received, 11)},
            )  # fmt: skip
        row["received_on"] = received
        status = "received_late" if late else "received"
        request.changes.append((received, 3, status, "response", f"{name} ({source})"))

    def _settle(self, requests: list[_Request]) -> None:
        """Each request's status changes in order, and its status today."""
        for request in requests:
            status: str | None = None
            for day, _order, new, cause, detail in sorted(request.changes, key=lambda change: change[:2]):
                if new == status:
                    continue
                self._add(
                    "statuschange",
                    {"request_id": request.row["id"], "at": _at(day), "as_of": day, "old_status": status,
                     "new_status": new, "cause": cause, "detail": detail},
                )  # fmt: skip
                status = new
            request.row["status"] = status or "planned"

    def _pack(
        self,
        committee: CommitteeContext,
        meeting_id: str,
        day: dt.date,
        timetable: MeetingTimetable,
        requests: list[_Request],
    ) -> None:
        published = timetable.publication_date
        if published >= self.as_of:
            return
        stored = f"packs/{meeting_id}/{day.isoformat()}-agenda-pack-v1.docx"
        sha = self._file(stored, f"agenda pack of {meeting_id} (placeholder)\n")
        document = self._add(
            "document",
            {"committee_id": committee.id, "kind": "agenda-pack", "path": stored, "sha256": sha, "letter_id": None,
             "meeting_id": meeting_id, "version": 1, "created_at": _at(published)},
        )  # fmt: skip
        included = [
            r.response_id
            for r in requests
            if r.response_id is not None and r.received_on and r.received_on <= published
        ]
        self._add(
            "pack",
            {"meeting_id": meeting_id, "version": 1, "supplementary": False, "docx_path": stored, "pdf_path": None,
             "sha256": sha, "included_responses": sorted(included), "included_minutes": False,
             "created_on": published, "document_id": document["id"]},
        )  # fmt: skip

    # -- writing -----------------------------------------------------------------------------

    def flush(self) -> dict[str, int]:
        """Insert every row in bulk, parents first; keep PostgreSQL's sequences past the given IDs."""
        counts = {}
        for table in _ORDER:
            rows = self.rows.get(table, [])
            if rows:
                self.session.execute(insert(SQLModel.metadata.tables[table]), rows)
            counts[table] = len(rows)
        if self.session.get_bind().dialect.name == "postgresql":
            for table in _INT_TABLES:
                self.session.execute(
                    select(func.setval(func.pg_get_serial_sequence(table, "id"), self.next_id[table], False))
                )
        self.session.flush()
        return counts

    def write_files(self) -> int:
        """Write each placeholder file the rows point at (plain writes: history, not letters of record)."""
        home = self.workspace.home
        folders: set[Path] = set()
        for stored, data in self.files.items():
            path = home / stored
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(descriptor, data)
            finally:
                os.close(descriptor)
        return len(self.files)
