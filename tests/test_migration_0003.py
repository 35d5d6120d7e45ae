"""An existing single-committee database (schema 0002, made by the previous release) migrates with every row kept.

The fixture is a real home's database after `scrutiny run --as-of 2026-11-21`, a recorded response,
chasers on 4 and 12 January 2027, the 25 January pack and the 7 December minutes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from state.db import alembic_config, get_engine, upgrade_schema

FIXTURE = Path(__file__).parent / "data" / "migrations" / "schema-0002.json"
ORDER = ["committee", "organisation", "contact", "member", "recommendation", "meeting", "commitment", "agendaitem",
         "request", "document", "response", "reminder", "pack"]  # fmt: skip


def _load_fixture(database_url: str, home: Path) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = json.loads(FIXTURE.read_text().replace("{HOME}", str(home)))
    engine = get_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    with engine.begin() as connection:
        organisations = sorted(rows["organisation"], key=lambda o: o["succeeded_by_id"] is not None)
        for name in ORDER:
            table = metadata.tables[name]
            data = organisations if name == "organisation" else rows[name]
            for row in data:
                connection.execute(table.insert().values(**_typed(table, row)))
    return rows


def _typed(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """JSON gives strings: turn them back into what each column holds."""
    import datetime as dt

    out: dict[str, Any] = {}
    for key, value in row.items():
        column = table.columns[key]
        if isinstance(value, str) and isinstance(column.type, sa.DateTime):
            value = dt.datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(column.type, sa.Date):
            value = dt.date.fromisoformat(value)
        elif isinstance(value, str) and isinstance(column.type, sa.Time):
            value = dt.time.fromisoformat(value)
        elif isinstance(value, str) and isinstance(column.type, sa.JSON):
            value = json.loads(value)
        elif isinstance(column.type, sa.Boolean) and value is not None:
            value = bool(value)
        out[key] = value
    return out


def _count(database_url: str, table: str, where: str = "") -> int:
    with get_engine(database_url).connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table} {where}").scalar_one())


def test_single_committee_database_migrates_with_every_row_kept(database_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    old = _load_fixture(database_url, home)
    upgrade_schema(database_url, home=home)
    for table in ORDER:
        assert _count(database_url, table) == len(old[table]), table
    with get_engine(database_url).connect() as connection:
        meetings = {r[0] for r in connection.exec_driver_sql("SELECT id FROM meeting")}
        assert meetings == {f"lih-{m['id']}" for m in old["meeting"]}
        requests = {r[0] for r in connection.exec_driver_sql("SELECT id FROM request")}
        assert requests == {f"lih-{r['id']}" for r in old["request"]}
        assert {r[0] for r in connection.exec_driver_sql("SELECT id FROM commitment")} == {"lih-R15", "lih-R16"}
        # Every letter written becomes a Letter, linked to its request, and its files stay valid.
        letters = connection.exec_driver_sql("SELECT id, version, meeting_id FROM letter ORDER BY id").all()
        assert [row[0] for row in letters] == sorted(requests)
        assert all(row[1] == 1 and row[2] == "lih-2027-01-25" for row in letters)
        assert _count(database_url, "letterrequest") == len(letters)
        paths = [r[0] for r in connection.exec_driver_sql("SELECT path FROM document")]
        assert paths and all(not p.startswith("/") and p.startswith(("letters/", "packs/")) for p in paths)
        assert connection.exec_driver_sql("SELECT path FROM response").scalar_one().startswith("responses/")
        assert connection.exec_driver_sql("SELECT minutes_path FROM meeting WHERE minutes_path IS NOT NULL").scalar_one(
        ).startswith("minutes/")  # fmt: skip
        # Chasers move to the letter and keep the due date they were sent against.
        reminders = connection.exec_driver_sql("SELECT letter_id, kind, due_date FROM reminder").all()
        assert len(reminders) == len(old["reminder"]) and all(str(r[2]) == "2027-01-08" for r in reminders)
        # Each e-mail already sent is recorded as sent to its contact, so it is never sent again.
        assert _count(database_url, "delivery", "WHERE state <> 'sent'") == 0
        assert _count(database_url, "delivery") >= len([d for d in old["document"] if d["delivery"]])
        # The history a request had can be told from the old rows.
        assert _count(database_url, "statuschange", "WHERE request_id = 'lih-R15-1-mopac'") == 3
    # New rows get new IDs after the copied ones (PostgreSQL sequences follow the copy).
    with get_engine(database_url).begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO member (committee_id, name, role, email, active) "
            "VALUES ('living-in-hackney', 'Cllr New', 'Member', '', true)"
        )
        assert connection.exec_driver_sql("SELECT MAX(id) FROM member").scalar_one() == len(old["member"]) + 1


@pytest.mark.usefixtures("prefect_harness")
def test_migrated_home_keeps_working(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its letters still appear in `responses due` and `responses history`, and the next cycle adds none twice."""
    from cli.main import main
    from scrutiny.settings import reset_settings

    home = tmp_path / "home"
    home.mkdir()
    _load_fixture(database_url, home)
    monkeypatch.setenv("SCRUTINY_HOME", str(home))
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    reset_settings()
    assert main(["responses", "due", "--as-of", "2027-01-13", "--json"]) == 0
    assert main(["responses", "history", "lih-R15-1-mopac"]) == 0
    assert main(["remind", "--as-of", "2027-01-13"]) == 0
    before = _count(database_url, "reminder")
    assert main(["remind", "--as-of", "2027-01-13"]) == 0
    assert _count(database_url, "reminder") == before
