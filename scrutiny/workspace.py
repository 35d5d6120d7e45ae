"""What a command or flow works with: the settings and the home's committees, loaded once.

A home (``SCRUTINY_HOME``) holds any number of committees, each from its own file under
``committees/<id>/committee.yaml``; a committee may override any template in
``committees/<id>/templates/``. This module reads; ``services.home`` installs and syncs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from scrutiny.config import CommitteeConfig, load_committee_config
from scrutiny.dates import in_range, range_problem
from scrutiny.errors import ScrutinyError
from scrutiny.settings import Settings
from scrutiny.timetable import MeetingTimetable, compute_timetable
from scrutiny.workdays import WorkingDayCalendar
from state.db import session_scope

LONDON = ZoneInfo("Europe/London")
COMMITTEE_FILE = "committee.yaml"
T = TypeVar("T")


@dataclass(frozen=True)
class CommitteeContext:
    """One committee's configuration with what is derived from it."""

    config: CommitteeConfig
    config_sha256: str
    calendar: WorkingDayCalendar
    folder: Path  # committees/<id>/ in the home

    @property
    def id(self) -> str:
        return self.config.committee.id

    @property
    def prefix(self) -> str:
        return self.config.committee.id_prefix

    @property
    def name(self) -> str:
        return self.config.committee.name

    def timetable(self, meeting_date: dt.date) -> MeetingTimetable:
        return compute_timetable(meeting_date, self.config.committee.timetable, self.calendar)

    def scoped_id(self, local: str) -> str:
        """An ID of this committee: "2027-01-25" becomes "lih-2027-01-25"."""
        return local if local.startswith(f"{self.prefix}-") else f"{self.prefix}-{local}"

    def template(self, templates_dir: Path, name: str) -> Path:
        """The committee's own copy of a template when it has one, else the shared one."""
        own = self.folder / "templates" / name
        return own if own.is_file() else templates_dir / name


def committee_context(path: Path, folder: Path | None = None) -> CommitteeContext:
    config = load_committee_config(path)
    info = config.committee
    calendar = WorkingDayCalendar(subdivision=info.bank_holiday_region, extra_closures=info.closures)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return CommitteeContext(config=config, config_sha256=sha, calendar=calendar, folder=folder or path.parent)


@dataclass(frozen=True)
class Workspace:
    settings: Settings
    committees: dict[str, CommitteeContext]

    @property
    def database_url(self) -> str:
        return self.settings.effective_database_url

    @property
    def home(self) -> Path:
        return self.settings.home_path

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.database_url) as session:
            yield session

    def committee(self, committee_id: str) -> CommitteeContext:
        found = self.committees.get(committee_id) or next(
            (c for c in self.committees.values() if c.prefix == committee_id), None
        )
        if found is None:
            raise ScrutinyError(f"committee {committee_id!r} not found (known: {self.known()})")
        return found

    def known(self) -> str:
        return ", ".join(sorted(self.committees)) or "none installed"

    def only_or_named(self, committee_id: str | None) -> CommitteeContext:
        """The committee a command works on: the one named, or the only one there is."""
        if committee_id:
            return self.committee(committee_id)
        if len(self.committees) == 1:
            return next(iter(self.committees.values()))
        raise ScrutinyError(
            f"this home has {len(self.committees)} committees: say which with --committee ({self.known()})"
        )

    def selected(self, committee_id: str | None) -> list[CommitteeContext]:
        """Listings cover every committee unless one is named."""
        if committee_id:
            return [self.committee(committee_id)]
        return [self.committees[key] for key in sorted(self.committees)]

    def committee_of_id(self, scoped_id: str) -> CommitteeContext:
        """The committee whose prefix starts an ID such as "lih-2027-01-25"."""
        prefix = scoped_id.split("-", 1)[0]
        found = next((c for c in self.committees.values() if c.prefix == prefix), None)
        if found is None:
            raise ScrutinyError(f"{scoped_id!r} does not start with a committee prefix ({self.known_prefixes()})")
        return found

    def known_prefixes(self) -> str:
        return ", ".join(f"{c.prefix}- for {c.id}" for c in self.committees.values()) or "no committees"

    def stored_path(self, path: Path) -> str:
        """How a file under the home is recorded: relative to it, so the home can move."""
        try:
            return path.resolve().relative_to(self.home).as_posix()
        except ValueError:
            return str(path.resolve())

    def stored_path_text(self, text: str) -> str:
        """A location as recorded: a file under the home relative to it, anything else (a URL) as it is."""
        return self.stored_path(Path(text)) if text.startswith("/") else text

    def resolve(self, stored: str) -> Path:
        """The file a recorded path names, wherever the home now is."""
        path = Path(stored)
        return path if path.is_absolute() else self.home / path

    def template(self, committee: CommitteeContext, name: str) -> Path:
        return committee.template(self.settings.effective_templates_dir, name)


def installed_committee_files(settings: Settings) -> list[Path]:
    folder = settings.committees_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"*/{COMMITTEE_FILE}") if not p.parent.name.startswith("."))


def load_workspace(settings: Settings) -> Workspace:
    """The home's committees as installed (no database access)."""
    committees: dict[str, CommitteeContext] = {}
    for path in installed_committee_files(settings):
        context = committee_context(path)
        if context.id != path.parent.name:
            raise ScrutinyError(
                f"{path}: committee.id is {context.id!r} but the file is in the folder of {path.parent.name!r}; "
                "install it with 'scrutiny init --config FILE'"
            )
        committees[context.id] = context
    return Workspace(settings=settings, committees=committees)


def today_in_london() -> dt.date:
    return dt.datetime.now(LONDON).date()


def parse_date(text: str, *, what: str = "date") -> dt.date:
    """Parse an ISO date given by a user; a bad one is a one-line error."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ScrutinyError(f"{what} {text!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-21") from None
    if not in_range(day):
        raise ScrutinyError(f"{what} {range_problem(day)}")
    return day


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
    raise ScrutinyError("the database kept refusing a change made at the same time by another run; try again")
