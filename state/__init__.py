"""The state database: SQLModel tables, the session, and Alembic migrations."""
