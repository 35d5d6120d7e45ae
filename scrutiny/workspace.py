"""Everything a command or flow needs, loaded once: settings, committee configuration, calendar."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from scrutiny.config import CommitteeConfig, load_committee_config
from scrutiny.errors import ScrutinyError
from scrutiny.settings import Settings, get_settings
from scrutiny.timetable import MeetingTimetable, compute_timetable
from scrutiny.workdays import WorkingDayCalendar
from state.db import require_schema, session_scope

LONDON = ZoneInfo("Europe/London")
T = TypeVar("T")


@dataclass(frozen=True)
class Workspace:
    settings: Settings
    config: CommitteeConfig
    config_sha256: str
    calendar: WorkingDayCalendar

    @property
    def database_url(self) -> str:
        return self.settings.effective_database_url

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.database_url) as session:
            yield session

    def timetable(self, meeting_date: dt.date) -> MeetingTimetable:
        return compute_timetable(meeting_date, self.config.committee.timetable, self.calendar)


def load_workspace(*, require_database: bool = True) -> Workspace:
    settings = get_settings()
    path = settings.effective_config
    config = load_committee_config(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    calendar = WorkingDayCalendar(
        subdivision=config.committee.bank_holiday_region, extra_closures=config.committee.closures
    )
    workspace = Workspace(settings=settings, config=config, config_sha256=sha, calendar=calendar)
    if require_database:
        require_schema(workspace.database_url)
    return workspace


def today_in_london() -> dt.date:
    return dt.datetime.now(LONDON).date()


def parse_date(text: str, *, what: str = "date") -> dt.date:
    """Parse an ISO date given by a user; a bad one is a one-line error."""
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ScrutinyError(f"{what} {text!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-21") from None


def open_workspace() -> Workspace:
    """Load the workspace, creating or upgrading the schema and syncing a changed configuration."""
    from scrutiny.services.sync import sync_config  # late: sync imports the models this module serves
    from state import models
    from state.db import upgrade_schema

    workspace = load_workspace(require_database=False)
    upgrade_schema(workspace.database_url)

    def sync(session: Session) -> None:
        committee = session.get(models.Committee, workspace.config.committee.id)
        if committee is None or committee.config_sha256 != workspace.config_sha256:
            sync_config(session, workspace.config, workspace.config_sha256)

    retry_on_conflict(workspace, sync)
    return workspace


def retry_on_conflict(workspace: Workspace, work: Callable[[Session], T], attempts: int = 3) -> T:
    """Run `work` in a transaction, again if another process inserted the same unique row first.

    The second attempt sees the other process's rows and updates them instead of inserting.
    """
    for attempt in range(1, attempts + 1):
        try:
            with workspace.session() as session:
                return work(session)
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
