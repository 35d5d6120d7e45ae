"""How the timetable and the annual-update planner grow with the data (rows of the benchmark table).

- timetable: ``compute_timetable`` per meeting, as a ratio to stepping day by day with a plain
  weekday-and-set test, for 100 to 10,000 meetings;
- planning: ``plan_annual_updates`` on SQLite for committees of 10 to 80 meetings and 2 to 16
  recurring commitments: the first plan and the daily re-plan, as a ratio to the smallest.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def best_of(repeats: int, action: Callable[[], object]) -> float:
    """The fastest of several runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_timetable(sizes: list[int]) -> list[dict[str, Any]]:
    from scrutiny.timetable import TimetableRules, compute_timetable
    from scrutiny.workdays import WorkingDayCalendar

    calendar, rules = WorkingDayCalendar(), TimetableRules()
    weekend = {5, 6}
    holidays = {
        d
        for d in (dt.date(2015, 1, 1) + dt.timedelta(days=i) for i in range(9000))
        if not calendar.is_working_day(d) and d.weekday() not in weekend
    }

    def naive_back(day: dt.date, n: int) -> dt.date:
        while n:
            day -= dt.timedelta(days=1)
            if day.weekday() not in weekend and day not in holidays:
                n -= 1
        return day

    rows = []
    for size in sizes:
        dates = [dt.date(2016, 1, 4) + dt.timedelta(days=7 * (i % 900)) for i in range(size)]
        compute_timetable(dates[0], rules, calendar)  # warm the holiday years

        def ours_all(dates: list[dt.date] = dates) -> None:
            for day in dates:
                compute_timetable(day, rules, calendar)

        def plain_all(dates: list[dt.date] = dates) -> None:
            # The same number of working-day steps done the plainest way: publication, due, reminder.
            for day in dates:
                naive_back(naive_back(naive_back(day, 6), 5), 5)

        ours, baseline = best_of(3, ours_all), best_of(3, plain_all)
        rows.append(
            {
                "meetings": size,
                "seconds": ours,
                "baseline_seconds": baseline,
                "ratio_to_baseline": ours / baseline,
                "microseconds_per_meeting": ours / size * 1e6,
            }
        )
    return rows


def _committee_file(meetings: int, commitments: int, folder: Path) -> Path:
    import yaml

    from scrutiny.settings import BUNDLED_CONFIG

    data = yaml.safe_load(BUNDLED_CONFIG.read_text(encoding="utf-8"))
    template = data["commitments"][0]
    data["commitments"] = [
        {**template, "key": f"C{i}", "last_taken": (dt.date(2025, 1, 6) + dt.timedelta(days=11 * i)).isoformat()}
        for i in range(commitments)
    ]
    data["committee"]["max_substantive_items"] = max(3, commitments // max(1, meetings // 4))
    data["meetings"] = [{"date": (dt.date(2026, 6, 1) + dt.timedelta(weeks=i)).isoformat()} for i in range(meetings)]
    data.pop("meeting_pattern", None)  # the listed meetings only: the shape is what is measured
    path = folder / f"committee-{meetings}-{commitments}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


PLAN_AS_OF = dt.date(2026, 5, 1)


def bench_planning(shapes: list[tuple[int, int]], scratch: Path) -> list[dict[str, Any]]:
    from scrutiny.services.home import install_committee, open_workspace
    from scrutiny.services.planning import plan_annual_updates
    from scrutiny.settings import Settings

    rows = []
    for meetings, commitments in shapes:
        home = scratch / f"plan-{meetings}-{commitments}"
        settings = Settings(home=home, database_url=f"sqlite:///{home / 'state' / 'scrutiny.db'}", pdf=False)
        installed = install_committee(settings, _committee_file(meetings, commitments, scratch))
        workspace = open_workspace(settings)
        committee = workspace.committee(installed.committee_id)

        def plan(workspace: Any = workspace, committee: Any = committee) -> None:
            with workspace.session() as session:
                plan_annual_updates(session, committee, PLAN_AS_OF)

        first = best_of(1, plan)  # creates the items and requests
        again = best_of(3, plan)  # the daily re-plan: nothing changes
        rows.append(
            {"meetings": meetings, "commitments": commitments, "first_plan_seconds": first, "replan_seconds": again}
        )
    base = rows[0]["replan_seconds"]
    for row in rows:
        row["replan_ratio_to_smallest"] = row["replan_seconds"] / base
    return rows


def bench_tracker(sizes: list[int], scratch: Path) -> list[dict[str, Any]]:
    """``responses due`` over one committee whose coming meeting has 100 to 6,400 requests."""
    from sqlalchemy import insert
    from sqlmodel import SQLModel, col, select

    from scrutiny.services.home import install_committee, open_workspace
    from scrutiny.services.planning import plan_annual_updates
    from scrutiny.services.responses import responses_due
    from scrutiny.settings import Settings
    from state import models

    rows = []
    for size in sizes:
        home = scratch / f"tracker-{size}"
        settings = Settings(home=home, database_url=f"sqlite:///{home / 'state' / 'scrutiny.db'}", pdf=False)
        installed = install_committee(settings, _committee_file(10, 2, scratch))
        workspace = open_workspace(settings)
        committee = workspace.committee(installed.committee_id)
        with workspace.session() as session:
            plan_annual_updates(session, committee, PLAN_AS_OF)
            template = session.exec(select(models.Request)).first()
            if template is None:
                raise RuntimeError("benchmark: planning made no request to copy")
            last = session.exec(select(models.AgendaItem.id).order_by(col(models.AgendaItem.id).desc())).first()
            first_item = (last or 0) + 1
            items = [
                {"id": first_item + i, "committee_id": committee.id, "meeting_id": template.meeting_id,
                 "title": f"Item {i}", "source": "benchmark", "questions": [], "presenters": []}
                for i in range(size)
            ]  # fmt: skip
            session.execute(insert(SQLModel.metadata.tables["agendaitem"]), items)
            copies = [
                {**template.model_dump(), "id": committee.scoped_id(f"bench-{i}"), "agenda_item_id": first_item + i}
                for i in range(size)
            ]
            session.execute(insert(SQLModel.metadata.tables["request"]), copies)

        def listing(workspace: Any = workspace) -> None:
            with workspace.session() as session:
                responses_due(session, workspace, PLAN_AS_OF)

        rows.append({"requests": size, "seconds": best_of(3, listing)})
    base = rows[0]["seconds"]
    for row in rows:
        row["ratio_to_smallest"] = row["seconds"] / base
    return rows
