"""The Alembic migrations build exactly the schema the SQLModel tables describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import state.models  # noqa: F401  (registers the tables)
from state.db import current_revision, get_engine, upgrade_schema


def test_migrations_match_the_models(database_url: str) -> None:
    revision = upgrade_schema(database_url)
    assert revision and current_revision(database_url) == revision
    with get_engine(database_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_upgrading_twice_is_harmless(database_url: str) -> None:
    first = upgrade_schema(database_url)
    assert upgrade_schema(database_url) == first
