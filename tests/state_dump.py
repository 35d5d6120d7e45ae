"""Everything a home holds, in a form two moments can be compared by: every row of every table
(sorted), and every file with its SHA-256. 'Nothing changed' is then one equality."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, inspect, select

from state.db import get_engine

# Not the product's data: Prefect's own home, the SQLite files (compared row by row instead) and
# the migration lock file beside them.
_NOT_DATA = (".prefect", "state")
_reflected: dict[str, MetaData] = {}  # the tables of each database, read once (reflecting is slow)


def database_rows(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every table with its rows, each row as text, sorted: equal dumps mean equal databases."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return {}  # no database yet (and looking must not create one)
    engine = get_engine(url)
    with engine.connect() as connection:
        metadata = _reflected.get(url)
        if metadata is None or set(metadata.tables) != set(inspect(connection).get_table_names()):
            metadata = MetaData()
            metadata.reflect(connection)
            _reflected[url] = metadata
        dump: dict[str, list[tuple[str, ...]]] = {}
        for name, table in sorted(metadata.tables.items()):
            rows = connection.execute(select(table)).all()
            dump[name] = sorted(tuple(_text(value) for value in row) for row in rows)
    return dump


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex()
    return repr(value)


def file_tree(home: Path, *, skip: tuple[str, ...] = _NOT_DATA) -> dict[str, str]:
    """Every file under the home (but Prefect's and the database's own), relative, with its SHA-256."""
    tree: dict[str, str] = {}
    if not home.exists():
        return tree
    for path in sorted(home.rglob("*")):
        relative = path.relative_to(home)
        if relative.parts[0] in skip:
            continue
        if path.is_symlink():
            tree[relative.as_posix()] = f"link:{path.readlink()}"
        elif path.is_file():
            tree[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            tree.setdefault(relative.as_posix() + "/", "dir")
    return tree


def snapshot(home: Path, url: str) -> tuple[dict[str, list[tuple[str, ...]]], dict[str, str]]:
    """The database's rows and the home's files, for a before/after comparison."""
    return database_rows(url), file_tree(home)
