"""The Alembic migrations build exactly the schema the SQLModel tables describe, on both databases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import state.db
import state.models  # noqa: F401  (registers the tables)
from scrutiny.errors import ScrutinyError
from state.db import alembic_config, current_revision, get_engine, upgrade_schema

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_migrations_match_the_models(database_url: str) -> None:
    revision = upgrade_schema(database_url)
    assert revision and current_revision(database_url) == revision
    with get_engine(database_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_upgrading_twice_is_harmless(database_url: str) -> None:
    first = upgrade_schema(database_url)
    assert upgrade_schema(database_url) == first


def test_upgrading_a_database_with_packs_keeps_them(database_url: str) -> None:
    """An operator's database at revision 0001, with a pack in it, upgrades to the newest schema."""
    from alembic import command

    engine = get_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO committee (id, name, short_name, council, config_sha256) VALUES ('c', 'C', 'C', 'LBH', '')"
        )
        connection.exec_driver_sql(
            "INSERT INTO meeting (id, committee_id, date, start_time, venue, title, cancelled, source) "
            "VALUES ('2027-01-25', 'c', '2027-01-25', '19:00:00', 'Town Hall', 'C', false, 'config')"
        )
        connection.exec_driver_sql(
            "INSERT INTO pack (meeting_id, version, supplementary, docx_path, sha256, included_responses, created_on) "
            "VALUES ('2027-01-25', 1, false, 'p.docx', 'x', '[]', '2027-01-15')"
        )
    assert upgrade_schema(database_url) == HEAD
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version, included_minutes, meeting_id FROM pack").one() == (
            1,
            False,
            "c-2027-01-25",
        )
        assert connection.exec_driver_sql("SELECT id, minutes_path FROM meeting").one() == ("c-2027-01-25", None)


def test_a_migration_that_fails_half_way_changes_nothing(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = upgrade_schema(database_url)
    migrations = tmp_path / "migrations"
    shutil.copytree(state.db.MIGRATIONS, migrations)
    (migrations / "versions" / "9999_broken.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = '9999'\ndown_revision = {head!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n"
        "    op.add_column('meeting', sa.Column('half_done', sa.String(), nullable=True))\n"
        "    op.execute('THIS IS NOT SQL')\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )
    monkeypatch.setattr(state.db, "MIGRATIONS", migrations)
    with pytest.raises(ScrutinyError, match="schema upgrade failed, nothing changed"):
        upgrade_schema(database_url)
    assert current_revision(database_url) == head
    with get_engine(database_url).connect() as connection:
        columns = {c["name"] for c in sqlalchemy.inspect(connection).get_columns("meeting")}
    assert "half_done" not in columns
