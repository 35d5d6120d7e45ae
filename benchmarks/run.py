"""Measure how the timetable, planner, letter rendering and tracker cost grows with the data.

Every number is a ratio to a baseline measured in the same run, so results compare across
machines; absolute seconds are printed too. Usage: python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_of(repeats: int, action: Callable[[], object]) -> float:
    """The fastest of several runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
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
        ours = best_of(3, lambda dates=dates: [compute_timetable(d, rules, calendar) for d in dates])
        # The same number of working-day steps done the plainest way: publication, due, reminder.
        baseline = best_of(3, lambda dates=dates: [naive_back(naive_back(naive_back(d, 6), 5), 5) for d in dates])
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


def _committee(meetings: int, commitments: int, folder: Path) -> Path:
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
    path = folder / f"committee-{meetings}-{commitments}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _fresh_workspace(folder: Path, config: Path):  # type: ignore[no-untyped-def]
    """A new home holding only the benchmark's committee: (workspace, committee)."""
    from scrutiny.services.home import install_committee, open_workspace
    from scrutiny.settings import get_settings, reset_settings

    os.environ["SCRUTINY_HOME"] = str(folder)
    os.environ.pop("SCRUTINY_DATABASE_URL", None)
    reset_settings()
    installed = install_committee(get_settings(), config)
    workspace = open_workspace()
    return workspace, workspace.committee(installed.committee_id)


def bench_planning(shapes: list[tuple[int, int]], scratch: Path) -> list[dict[str, Any]]:
    from scrutiny.services.planning import plan_annual_updates

    rows = []
    for meetings, commitments in shapes:
        folder = scratch / f"plan-{meetings}-{commitments}"
        folder.mkdir()
        workspace, committee = _fresh_workspace(folder, _committee(meetings, commitments, scratch))
        as_of = dt.date(2026, 5, 1)

        def plan(workspace=workspace, committee=committee, as_of=as_of) -> None:  # type: ignore[no-untyped-def]
            with workspace.session() as session:
                plan_annual_updates(session, committee, as_of)

        first = best_of(1, plan)  # creates the items and requests
        again = best_of(3, plan)  # the daily re-plan: nothing changes
        rows.append(
            {"meetings": meetings, "commitments": commitments, "first_plan_seconds": first, "replan_seconds": again}
        )
    base = rows[0]["replan_seconds"]
    for row in rows:
        row["replan_ratio_to_smallest"] = row["replan_seconds"] / base
    return rows


def bench_letters(count: int, scratch: Path) -> dict[str, Any]:
    from docx import Document

    from scrutiny.letters.render import render_letter
    from scrutiny.letters.samples import sample_context

    template = ROOT / "templates" / "request_letter.docx"
    context = sample_context("request")
    out = scratch / "letters"
    out.mkdir()
    baseline = best_of(3, lambda: [Document(str(template)).save(str(out / f"plain-{i}.docx")) for i in range(count)])
    ours = best_of(3, lambda: [render_letter(template, context, out / f"letter-{i}.docx") for i in range(count)])
    return {
        "letters": count,
        "seconds": ours,
        "baseline_seconds": baseline,
        "ratio_to_baseline": ours / baseline,
        "milliseconds_per_letter": ours / count * 1e3,
    }


def bench_tracker(sizes: list[int], scratch: Path) -> list[dict[str, Any]]:
    from sqlmodel import select

    from scrutiny.services.planning import plan_annual_updates
    from scrutiny.services.responses import responses_due
    from state import models

    rows = []
    for size in sizes:
        folder = scratch / f"tracker-{size}"
        folder.mkdir()
        workspace, committee = _fresh_workspace(folder, _committee(10, 2, scratch))
        with workspace.session() as session:
            plan_annual_updates(session, committee, dt.date(2026, 5, 1))
            template = session.exec(select(models.Request)).first()
            if template is None:
                raise SystemExit("benchmark: planning made no request to copy")
            for i in range(size):
                item = models.AgendaItem(
                    committee_id=committee.id, meeting_id=template.meeting_id, title=f"Item {i}", source="benchmark"
                )
                session.add(item)
                session.flush()
                copy = {**template.model_dump(), "id": committee.scoped_id(f"bench-{i}"), "agenda_item_id": item.id}
                session.add(models.Request(**copy))
        as_of = dt.date(2026, 5, 1)

        def listing(workspace=workspace, as_of=as_of) -> None:  # type: ignore[no-untyped-def]
            with workspace.session() as session:
                responses_due(session, workspace, as_of)

        rows.append({"requests": size, "seconds": best_of(3, listing)})
    base = rows[0]["seconds"]
    for row in rows:
        row["ratio_to_smallest"] = row["seconds"] / base
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smallest sizes only (a smoke run)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        results = {
            "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count()},
            "timetable": bench_timetable([100] if args.quick else [100, 1000, 10000]),
            "planning": bench_planning(
                [(10, 2), (20, 4)] if args.quick else [(10, 2), (20, 4), (40, 8), (80, 16)], scratch
            ),
            "letters": bench_letters(2 if args.quick else 20, scratch),
            "tracker": bench_tracker([100, 200] if args.quick else [100, 400, 1600, 6400], scratch),
        }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))
    for name in ("timetable", "planning", "tracker"):
        print(f"\n{name}")
        for row in results[name]:
            print("  " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))
    print(
        "\nletters\n  "
        + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in results["letters"].items())
    )
    print(f"\nwritten {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
