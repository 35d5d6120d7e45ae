"""No N+1 query creeps back into the chase and tracker paths: the number of queries they issue
does not grow with the years of history behind a council, on SQLite and on PostgreSQL.

Two synthetic councils (benchmarks/council.py) have the same committees and the same current
year, so the same letters are outstanding today; one has a year of history, the other four.
Each path is run on both, counting the statements SQLAlchemy sends (``before_cursor_execute``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlalchemy import select as select_columns
from sqlmodel import col, select

from benchmarks.council import AS_OF, Council, CouncilShape, generate_council

COMMITTEES = 3
POSTGRES_ADMIN_URL = os.environ.get(
    "SCRUTINY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases: files on SQLite, uniquely named databases on PostgreSQL (dropped after)."""
    if request.param == "sqlite":
        yield tuple(f"sqlite:///{tmp_path / name / 'state' / 'scrutiny.db'}" for name in ("small", "large"))  # type: ignore[misc]
        return
    import sqlalchemy

    from state.db import get_engine

    names = [f"scrutiny_test_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    admin = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    urls = [POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}" for name in names]
    try:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield urls[0], urls[1]
    finally:
        for url in urls:
            get_engine(url).dispose()
        get_engine.cache_clear()
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@dataclass
class PathCounts:
    history_rows: int
    chasers: list[tuple[str, str]]
    tracker_rows: int
    queries: dict[str, int] = field(default_factory=dict)


class QueryCounter:
    def __init__(self, url: str) -> None:
        from state.db import get_engine

        self.engine, self.count = get_engine(url), 0

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    def __call__(self, action: Callable[[], object]) -> int:
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._seen)
        try:
            action()
        finally:
            event.remove(self.engine, "before_cursor_execute", self._seen)
        return self.count


def _coming_meetings(workspace: Any, committee_id: str) -> list[str]:
    from state import models

    with workspace.session() as session:
        found = session.exec(
            select(models.Meeting.id)
            .where(models.Meeting.committee_id == committee_id, col(models.Meeting.date) > AS_OF)
            .order_by(col(models.Meeting.date))
        ).all()
    if not found:
        raise AssertionError(f"the generated committee {committee_id} has no coming meeting")
    return list(found)


def _first_coming_meeting(workspace: Any, committee_id: str) -> str:
    return _coming_meetings(workspace, committee_id)[0]


def _last_coming_meeting(workspace: Any, committee_id: str) -> str:
    return _coming_meetings(workspace, committee_id)[-1]


def _measure(home: Path, url: str, years: int) -> PathCounts:
    from scrutiny.services.chasers import chasers_due, outstanding_requests, write_chaser
    from scrutiny.services.home import open_workspace
    from scrutiny.services.letters import letters_ready
    from scrutiny.services.responses import responses_due

    council = generate_council(home, CouncilShape(committees=COMMITTEES, years=years), database_url=url)
    workspace = open_workspace(council.settings())
    count = QueryCounter(url)
    committees = workspace.selected(None)
    result = PathCounts(history_rows=sum(council.rows.values()), chasers=[], tracker_rows=0)
    with workspace.session() as session:
        result.queries["chasers_due"] = count(
            lambda: result.chasers.extend(pair for c in committees for pair in chasers_due(session, c, AS_OF))
        )
        result.queries["outstanding_requests"] = count(
            lambda: [outstanding_requests(session, letter_id) for letter_id, _kind in result.chasers]
        )
        rows: list[Any] = []
        result.queries["responses_due"] = count(lambda: rows.extend(responses_due(session, workspace, AS_OF)))
        result.tracker_rows = len(rows)
        result.queries["responses_due one committee"] = count(
            lambda: responses_due(session, workspace, AS_OF, committee_id=committees[0].id)
        )
        meeting = _first_coming_meeting(workspace, committees[0].id)
        result.queries["responses_due one meeting"] = count(
            lambda: responses_due(session, workspace, AS_OF, meeting_id=meeting)
        )
        result.queries["letters_ready"] = count(lambda: [letters_ready(session, c, AS_OF) for c in committees])
        later = _last_coming_meeting(workspace, committees[0].id)  # its letters are not written yet: gathered now
        gathered: list[str] = []
        result.queries["letters_ready one meeting"] = count(
            lambda: gathered.extend(letters_ready(session, committees[0], AS_OF, meeting_id=later))
        )
        if not gathered:
            raise AssertionError(f"no letters to gather for {later}")
        session.rollback()  # letters_ready gathers requests into letters: leave the council as generated
    for number, (letter_id, kind) in enumerate(result.chasers):
        committee = workspace.committee_of_id(letter_id)
        with workspace.session() as session:
            result.queries[f"write_chaser {number}"] = count(
                lambda: write_chaser(session, workspace, committee, letter_id, kind, AS_OF)  # noqa: B023
            )
    return result


def test_chase_and_tracker_queries_do_not_grow_with_history(tmp_path: Path, two_database_urls: tuple[str, str]) -> None:
    small_url, large_url = two_database_urls
    small = _measure(tmp_path / "small", small_url, years=1)
    large = _measure(tmp_path / "large", large_url, years=4)
    print(f"history rows {small.history_rows} and {large.history_rows}; queries {small.queries}")
    assert large.history_rows > 2 * small.history_rows  # the councils really differ in history
    assert small.chasers and small.chasers == large.chasers  # and are the same today
    assert small.tracker_rows > 0 and small.tracker_rows == large.tracker_rows
    assert small.queries == large.queries
    # Nor with what is outstanding: two queries per committee, one for the tracker.
    assert small.queries["chasers_due"] == 2 * COMMITTEES
    assert small.queries["outstanding_requests"] == len(small.chasers)
    assert small.queries["responses_due"] == small.queries["responses_due one committee"] == 1


def test_the_generated_council_is_deterministic_and_its_paths_exist(tmp_path: Path) -> None:
    from scrutiny.services.home import open_workspace
    from scrutiny.services.planning import plan_annual_updates
    from state import models

    shape = CouncilShape(committees=2, years=2)
    first, again = (generate_council(tmp_path / name, shape) for name in ("first", "again"))
    assert first.rows == again.rows and first.files == again.files > 0
    assert _fingerprint(first) == _fingerprint(again)
    workspace = open_workspace(first.settings())  # the home opens as the product opens any home
    assert sorted(workspace.committees) == sorted(first.committee_ids)
    with workspace.session() as session:
        stored = [
            *session.exec(select(models.Document.path)),
            *session.exec(select(models.Response.path)),
            *session.exec(select(models.Pack.docx_path)),
        ]
        assert stored and all(workspace.resolve(path).is_file() for path in stored if path)
        kinds = set(session.exec(select(models.Request.status).distinct()))
        assert {"planned", "issued", "received", "received_late", "escalated", "withdrawn"} <= kinds
        for committee in workspace.selected(None):
            plan_annual_updates(session, committee, AS_OF)  # the planner recognises this year's items
        session.flush()
        twice = session.exec(
            select(models.AgendaItem.commitment_id)
            .join(models.Meeting, col(models.Meeting.id) == col(models.AgendaItem.meeting_id))
            .where(col(models.AgendaItem.commitment_id).is_not(None), col(models.Meeting.date) > AS_OF)
            .group_by(models.AgendaItem.commitment_id)
            .having(func.count() > 1)
        ).all()
        assert twice == []  # no annual update is on two coming meetings
        session.rollback()


def _fingerprint(council: Council) -> list[tuple[object, ...]]:
    """Every request's ID, status and dates, and every chaser: what a seed must reproduce."""
    from state import models
    from state.db import get_engine

    with get_engine(council.database_url).connect() as connection:
        requests = connection.execute(
            select_columns(
                col(models.Request.id), col(models.Request.status), col(models.Request.due_date),
                col(models.Request.received_on),
            ).order_by(col(models.Request.id))
        ).all()  # fmt: skip
        chasers = connection.execute(
            select_columns(
                col(models.Reminder.letter_id), col(models.Reminder.kind), col(models.Reminder.sent_on)
            ).order_by(col(models.Reminder.letter_id), col(models.Reminder.kind))
        ).all()
    return [tuple(row) for row in [*requests, *chasers]]
