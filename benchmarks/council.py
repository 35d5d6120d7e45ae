"""A synthetic council for the benchmarks: N committees, M meetings a year, Y years of history.

``generate_council`` writes the committee files into ``<home>/committees/``, opens the home the
way the product does (schema, committee sync), then writes every year of history straight into
the state database in bulk: meetings, agenda items, requests, letters, chasers, status changes,
responses (some late, some missing, a few withdrawn), e-mails sent, documents and agenda packs.
Every stored path names a file that exists (history files are small placeholders, not DOCX).

The current municipal year is the same whatever the number of years of history, because each
committee-year draws from its own seeded random generator: so a 10-year and a 1-year council
have the same letters and chasers outstanding today, and differ only in what lies behind them.
Usage: python benchmarks/council.py HOME [--committees N] [--years Y] [--meetings M] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.council_config import CommitteeSpec, committee_spec, finish_spec, pattern_dates  # noqa: E402
from benchmarks.council_history import HistoryWriter  # noqa: E402

AS_OF = dt.date(2026, 11, 23)  # a Monday in the 2026/27 municipal year


@dataclass(frozen=True)
class CouncilShape:
    committees: int
    meetings_per_year: int = 10
    years: int = 10  # municipal years of history before the current one
    seed: int = 2026
    as_of: dt.date = AS_OF


@dataclass(frozen=True)
class Council:
    home: Path
    database_url: str
    shape: CouncilShape
    committee_ids: list[str]
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table
    files: int = 0
    seconds: float = 0.0

    def settings(self) -> Any:
        from scrutiny.settings import Settings

        return Settings(home=self.home, database_url=self.database_url, pdf=False)


def write_committee_files(home: Path, shape: CouncilShape) -> list[CommitteeSpec]:
    import yaml

    first_year = _current_year(shape) - shape.years
    specs = []
    for index in range(shape.committees):
        spec = committee_spec(index, seed=shape.seed, meetings_per_year=shape.meetings_per_year, as_of=shape.as_of)
        target = home / "committees" / spec.committee_id / "committee.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        data = finish_spec(spec, first_history_year=first_year)
        target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        specs.append(spec)
    return specs


def generate_council(home: Path, shape: CouncilShape, *, database_url: str | None = None) -> Council:
    """Write a council of ``shape`` into the empty ``home`` (SQLite under it unless a URL is given)."""
    from scrutiny.services.home import open_workspace
    from scrutiny.settings import Settings

    started = time.perf_counter()
    home.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{(home / 'state' / 'scrutiny.db').resolve()}"
    specs = write_committee_files(home, shape)
    workspace = open_workspace(Settings(home=home, database_url=url, pdf=False))
    current = _current_year(shape)
    with workspace.session() as session:
        writer = HistoryWriter(session, workspace, as_of=shape.as_of)
        for spec in specs:
            committee = workspace.committee(spec.committee_id)
            pattern = spec.data["meeting_pattern"]
            for year in range(current - shape.years, current + 1):
                rng = random.Random(f"{shape.seed}:{spec.index}:{year}")
                writer.committee_year(committee, year, pattern_dates(pattern, year), rng, listed=year == current)
        rows = writer.flush()
    files = writer.write_files()
    return Council(
        home=home,
        database_url=url,
        shape=shape,
        committee_ids=[spec.committee_id for spec in specs],
        rows=rows,
        files=files,
        seconds=time.perf_counter() - started,
    )


def _current_year(shape: CouncilShape) -> int:
    from scrutiny.calendar_pattern import municipal_year_of

    return municipal_year_of(shape.as_of)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("home", type=Path, help="an empty folder to become the council's SCRUTINY_HOME")
    parser.add_argument("--committees", type=int, default=40)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--meetings", type=int, default=10, help="meetings a year per committee")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=os.environ.get("SCRUTINY_DATABASE_URL"))
    args = parser.parse_args()
    if args.home.exists() and any(args.home.iterdir()):
        parser.error(f"{args.home} is not empty")
    shape = CouncilShape(args.committees, args.meetings, args.years, args.seed)
    council = generate_council(args.home, shape, database_url=args.database_url)
    for table, count in sorted(council.rows.items()):
        print(f"{table:<16} {count:>8}")
    print(f"{council.files} files, {council.seconds:.1f} s; SCRUTINY_HOME={council.home}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
