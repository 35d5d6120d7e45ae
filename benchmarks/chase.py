"""chase_growth: one chase run over a council with 10 years of history, divided by the same with 1 year.

A chase run is what the chase flow does for every committee: ``services.chasers.chasers_due``,
then ``write_chaser`` for each chaser due, each in its own transaction (PDFs off). The two
councils have the same committees and the same current year, so the same chasers are due; they
differ only in the years behind them. Each size runs in a fresh process (its peak memory is its
own); the database is restored before each timed run. The tracker (``responses_due`` over every
committee) is timed on the same councils. Goal (issue 12): chase_growth <= 1.3.
Usage: python benchmarks/chase.py [--committees 40] [--years 1 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.council import AS_OF, CouncilShape, generate_council  # noqa: E402


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _chase_once(workspace: Any) -> tuple[float, int, int]:
    """One chase run; (seconds, chasers due, chasers written)."""
    from scrutiny.services.chasers import chasers_due, write_chaser

    started = time.perf_counter()
    with workspace.session() as session:
        due = [pair for committee in workspace.selected(None) for pair in chasers_due(session, committee, AS_OF)]
    written = 0
    for letter_id, kind in due:
        committee = workspace.committee_of_id(letter_id)
        with workspace.session() as session:
            written += write_chaser(session, workspace, committee, letter_id, kind, AS_OF) is not None
    return time.perf_counter() - started, len(due), written


def _tracker_once(workspace: Any) -> tuple[float, int]:
    from scrutiny.services.responses import responses_due

    started = time.perf_counter()
    with workspace.session() as session:
        rows = responses_due(session, workspace, AS_OF)
    return time.perf_counter() - started, len(rows)


def measure_one_size(committees: int, years: int, repeats: int) -> dict[str, Any]:
    """Generate the council, then time the chase run and the tracker ``repeats`` times each."""
    from scrutiny.services.home import open_workspace
    from state.db import get_engine

    with tempfile.TemporaryDirectory(prefix=f"scrutiny-bench-chase-{years}y-") as scratch_name:
        scratch = Path(scratch_name)
        council = generate_council(scratch / "home", CouncilShape(committees=committees, years=years))
        workspace = open_workspace(council.settings())
        database, pristine = scratch / "home" / "state" / "scrutiny.db", scratch / "pristine.db"
        get_engine(council.database_url).dispose()
        with sqlite3.connect(database) as src, sqlite3.connect(pristine) as dst:
            src.backup(dst)
        runs, tracker = [], []
        due = written = rows = 0
        for _ in range(repeats):
            get_engine(council.database_url).dispose()
            with sqlite3.connect(pristine) as src, sqlite3.connect(database) as dst:
                src.backup(dst)
            seconds, due, written = _chase_once(workspace)
            runs.append(seconds)
            tracker_seconds, rows = _tracker_once(workspace)
            tracker.append(tracker_seconds)
        get_engine(council.database_url).dispose()
    return {
        "committees": committees,
        "years": years,
        "rows": sum(council.rows.values()),
        "requests": council.rows.get("request", 0),
        "files": council.files,
        "generate_seconds": council.seconds,
        "chasers_due": due,
        "chasers_written": written,
        "chase_seconds": min(runs),
        "chase_runs": runs,
        "tracker_rows": rows,
        "tracker_seconds": min(tracker),
        "peak_mb": peak_mb(),
    }


def _in_child(committees: int, years: int, repeats: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--committees", str(committees), "--years", str(years)]
        + ["--repeats", str(repeats)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"chase benchmark ({years} years) failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_chase_growth(committees: int = 40, small: int = 1, large: int = 10, repeats: int = 3) -> dict[str, Any]:
    sizes = [_in_child(committees, years, repeats) for years in (small, large)]
    few, many = sizes
    if few["chasers_written"] != many["chasers_written"]:
        raise RuntimeError(f"the councils differ today: {few['chasers_written']} and {many['chasers_written']} chasers")
    return {
        "sizes": sizes,
        "chase_growth": many["chase_seconds"] / few["chase_seconds"],
        "tracker_growth": many["tracker_seconds"] / few["tracker_seconds"],
        "peak_mb": max(size["peak_mb"] for size in sizes),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--committees", type=int, default=40)
    parser.add_argument("--years", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one_size(args.committees, args.years[0], args.repeats)))
        return 0
    small, large = (args.years + args.years)[:2]
    result = measure_chase_growth(args.committees, small, large, args.repeats)
    for size in result["sizes"]:
        print(
            f"{size['committees']} committees, {size['years']:>2} years: {size['rows']:>7} rows, "
            f"{size['chasers_written']} chasers in {size['chase_seconds']:.2f} s, "
            f"tracker {size['tracker_rows']} rows in {size['tracker_seconds'] * 1e3:.0f} ms, peak {size['peak_mb']:.0f} MB"
        )
    print(f"chase_growth={result['chase_growth']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
