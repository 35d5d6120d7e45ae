"""`scrutiny backup` and `scrutiny restore`: a round trip into a home on another path (SQLite and
PostgreSQL) that then runs, refusals that change nothing, damaged archives, and backups taken
while a run writes."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from sqlmodel import Session, select

from scrutiny.settings import get_settings
from state import models
from state.db import get_engine
from tests.cli_helpers import run_cli
from tests.counts import note
from tests.factories import write_response_docx
from tests.state_dump import database_rows, file_tree

pytestmark = pytest.mark.usefixtures("prefect_harness")

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-21"
MEETING = "lih-2027-01-25"
FOLDERS = ("committees", "letters", "packs", "responses", "minutes", "outbox", "inbox")
RESPONSE_TEXT = "Written response of MOPAC, restored from a backup."


def _one_line_error(result, *expected: str) -> str:  # type: ignore[no-untyped-def]
    lines = result.err.strip().splitlines()
    assert result.code == 2, (result.code, result.out, result.err)
    assert len(lines) == 1 and lines[0].startswith("scrutiny: error: "), result.err
    assert "Traceback" not in result.err
    for text in expected:
        assert text in lines[0], result.err
    return lines[0]


def _documents(tree: dict[str, str]) -> dict[str, str]:
    return {path: sha for path, sha in tree.items() if path.split("/", 1)[0] in FOLDERS and sha != "dir"}


def _use_home(monkeypatch: pytest.MonkeyPatch, home: Path, url: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("SCRUTINY_HOME", str(home))
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", url)
    monkeypatch.chdir(home)


def _filled_home(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    """Letters out, a response recorded, a committee template of its own, a file waiting in the inbox."""
    assert run_cli(capsys, "plan", "--as-of", AS_OF).code == 0
    override = home / "committees" / "living-in-hackney" / "templates" / "request_letter.docx"
    override.parent.mkdir(parents=True)
    shutil.copy2(ROOT / "templates" / "request_letter.docx", override)
    letters = run_cli(capsys, "letters", "--as-of", AS_OF)
    assert letters.code == 0, letters.err
    response = write_response_docx(
        home.parent / "downloads" / "mopac.docx",
        organisation="MOPAC",
        meeting_date="25 January 2027",
        body=RESPONSE_TEXT,
    )
    recorded = run_cli(
        capsys,
        "responses",
        "record",
        "lih-R15-1-mopac",
        str(response),
        "--received",
        "2026-12-20",
        "--as-of",
        "2026-12-20",
    )
    assert recorded.code == 0, recorded.err
    (home / "inbox").mkdir()
    (home / "inbox" / "unmatched note.txt").write_text("dropped here, not collected yet\n", encoding="utf-8")


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return dict(json.load(member))


def test_round_trip_into_a_home_on_another_path_that_then_runs(
    home: Path,
    database_url: str,
    fresh_database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")  # LibreOffice is not what this is about
    _filled_home(capsys, home)
    archive = tmp_path / "backups" / "scrutiny.tar.gz"
    archive.parent.mkdir()
    started = time.monotonic()
    made = run_cli(capsys, "backup", str(archive))
    took = time.monotonic() - started
    assert made.code == 0, made.err
    rows, tree = database_rows(database_url), _documents(file_tree(home))
    manifest = _manifest(archive)
    dialect = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert f"the {dialect} database at schema revision {manifest['schema_revision']}" in made.out
    assert manifest["dialect"] == dialect and manifest["committees"][0]["id"] == "living-in-hackney"
    assert {entry["path"]: entry["sha256"] for entry in manifest["files"]} == tree
    assert "committees/living-in-hackney/templates/request_letter.docx" in tree
    assert "inbox/unmatched note.txt" in tree
    assert any(path.startswith("responses/lih-2027-01-25/lih-R15-1-mopac-") for path in tree)
    assert manifest["not_included"] == []
    assert archive.stat().st_mode & 0o077 == 0, "a backup holds personal data: its owner's only"

    # The original home is gone: nothing of the restored one may point into it.
    home.rename(tmp_path / "gone")
    elsewhere = tmp_path / "elsewhere" / "deeper"
    _use_home(monkeypatch, elsewhere, fresh_database_url)
    restored = run_cli(capsys, "restore", str(archive))
    assert restored.code == 0, restored.err
    assert f"{len(tree)} file(s); committees: living-in-hackney" in restored.out
    assert database_rows(fresh_database_url) == rows
    assert _documents(file_tree(elsewhere)) == tree
    assert not list(elsewhere.glob(".restore-*"))

    due = {
        row["request_id"]: row for row in run_cli(capsys, "responses", "due", "--as-of", "2027-01-15", "--json").json()
    }
    assert due["lih-R15-1-mopac"]["status"] == "received"
    pack = run_cli(capsys, "pack", MEETING, "--as-of", "2027-01-15", "--no-send")
    assert pack.code == 0, pack.err
    with Session(get_engine(get_settings().effective_database_url)) as session:
        packs = list(session.exec(select(models.Pack).where(models.Pack.meeting_id == MEETING)))
        response = session.exec(select(models.Response)).one()
    assert len(packs) == 1 and packs[0].included_responses == [response.id]
    assembled = elsewhere / packs[0].docx_path
    assert assembled.is_file() and not Path(packs[0].docx_path).is_absolute()
    assert RESPONSE_TEXT in "\n".join(p.text for p in docx.Document(str(assembled)).paragraphs)
    letter = run_cli(
        capsys, "letters", "preview", "lih-R15-1-mopac", "--as-of", AS_OF, "--out", str(tmp_path / "preview")
    )
    assert letter.code == 0, letter.err

    # Now it is not empty: refused, nothing changed. Changed further (a letter deleted, a stray
    # file, a request withdrawn), --force puts back exactly what the backup holds.
    rows_now, tree_now = database_rows(fresh_database_url), file_tree(elsewhere)
    refused = run_cli(capsys, "restore", str(archive))
    _one_line_error(refused, f"SCRUTINY_HOME {elsewhere} is not empty", "letters/ holds", "add --force")
    assert (database_rows(fresh_database_url), file_tree(elsewhere)) == (rows_now, tree_now)
    next((elsewhere / "letters" / MEETING).glob("*.docx")).unlink()
    (elsewhere / "letters" / "stray.txt").write_text("not in the backup", encoding="utf-8")
    assert run_cli(capsys, "responses", "withdraw", "lih-R16-2-mopac", "--as-of", "2026-12-01").code == 0
    forced = run_cli(capsys, "restore", "--force", str(archive))
    assert forced.code == 0, forced.err
    assert "Replaced: the database, committees/, letters/, packs/, responses/, outbox/, inbox/" in forced.out
    assert database_rows(fresh_database_url) == rows
    assert _documents(file_tree(elsewhere)) == tree
    note(
        f"backup round trip ({dialect}): {len(tree)} files, {sum(len(r) for r in rows.values())} rows in "
        f"{len(rows)} tables restored on another path, pack assembled from them; backup took {took:.1f} s"
    )


# --------------------------------------------------------------------------------------
# Damaged and hostile archives: one line, nothing changed


def _members(archive: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(archive, "r:gz") as tar:
        members = []
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            members.append((member, handle.read() if handle else b""))
        return members


def _rewrite(
    archive: Path,
    target: Path,
    edit: Callable[[list[tuple[tarfile.TarInfo, bytes]]], list[tuple[tarfile.TarInfo, bytes]]],
) -> Path:
    with tarfile.open(target, "w:gz") as tar:
        for member, data in edit(_members(archive)):
            if member.isfile():
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))
            else:
                tar.addfile(member)
    return target


def _edit_manifest(change: Callable[[dict], None]) -> Callable[[list[tuple[tarfile.TarInfo, bytes]]], list]:
    def edit(members: list[tuple[tarfile.TarInfo, bytes]]) -> list:
        out = []
        for member, data in members:
            if member.name == "manifest.json":
                body = json.loads(data)
                change(body)
                data = json.dumps(body).encode()
            out.append((member, data))
        return out

    return edit


def _add_member(name: str, data: bytes = b"x", kind: bytes = tarfile.REGTYPE, link: str = "") -> Callable:
    def edit(members: list[tuple[tarfile.TarInfo, bytes]]) -> list:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, link
        return [(info, data), *members]

    return edit


def _replace_member(prefix: str, data: bytes) -> Callable:
    def edit(members: list[tuple[tarfile.TarInfo, bytes]]) -> list:
        return [(m, data if m.name.startswith(prefix) else d) for m, d in members]

    return edit


def _listed_traversal(body: dict) -> None:
    body["files"].append({"path": "letters/../../outside.txt", "sha256": "0" * 64, "size": 1})


def _bad_archives(good: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """Each damaged archive with the words its one-line error must have."""
    raw = good.read_bytes()
    cases: dict[str, tuple[Path, str]] = {}

    def put(name: str, data: bytes, expected: str) -> None:
        path = folder / f"{name}.tar.gz"
        path.write_bytes(data)
        cases[name] = (path, expected)

    put("empty file", b"", "not a readable backup archive")
    put("not gzip", b"PK\x03\x04 this is a zip, not a backup" * 10, "not a readable backup archive")
    put("truncated", raw[: len(raw) // 2], "not a readable backup archive")
    flipped = bytearray(raw)
    flipped[len(raw) // 3] ^= 0xFF
    put("one byte flipped", bytes(flipped), "")  # gzip's CRC, tar's checksum or a hash: any one line
    with io.BytesIO() as buffer:
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            info = tarfile.TarInfo("files/letters/x.docx")
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        put("no manifest", buffer.getvalue(), "it has no manifest.json")
    edits: dict[str, tuple[Callable, str]] = {
        "manifest not JSON": (_replace_member("manifest.json", b"{not json"), "manifest.json is not JSON"),
        "another format": (_edit_manifest(lambda b: b.update(format="zip")), "not a scrutiny backup"),
        "a newer format": (_edit_manifest(lambda b: b.update(version=2)), "backup format version 2"),
        "traversal in the manifest": (_edit_manifest(_listed_traversal), "is not a plain relative path"),
        "absolute path in the manifest": (
            _edit_manifest(lambda b: b["files"].append({"path": "/etc/passwd", "sha256": "0" * 64, "size": 1})),
            "is not a plain relative path",
        ),
        "traversal member": (_add_member("files/letters/../../../escaped.txt"), "is not a plain relative path"),
        "member over the database": (_add_member("files/state/scrutiny.db"), "is not under one of committees"),
        "member outside files/": (_add_member("home/.bashrc"), "which a scrutiny backup does not have"),
        "symbolic link": (
            _add_member("files/letters/link.docx", b"", tarfile.SYMTYPE, "/etc/passwd"),
            "not a regular file",
        ),
        "hard link": (
            _add_member("files/letters/hard.docx", b"", tarfile.LNKTYPE, "manifest.json"),
            "not a regular file",
        ),
        "device": (_add_member("files/letters/dev", b"", tarfile.CHRTYPE), "not a regular file"),
        "file not in the manifest": (_add_member("files/letters/extra.docx"), "is not in the manifest"),
        "file changed": (_replace_member("files/committees/", b"committee: {}\n"), "does not match its SHA-256"),
        "file missing": (
            lambda members: [(m, d) for m, d in members if not m.name.startswith("files/committees/")],
            "file(s) of the manifest are missing",
        ),
        "database not SQLite": (
            _replace_member("database/", b"SQLite format 3\x00" + b"\x00" * 200),
            "does not match its SHA-256",
        ),
        "unknown schema revision": (_edit_manifest(lambda b: b.update(schema_revision="9999")), "'9999', which this"),
        "PostgreSQL dump for an SQLite home": (
            _edit_manifest(lambda b: b.update(dialect="postgresql")),
            "file(s) of the manifest are missing",
        ),
    }
    for number, (name, (edit, expected)) in enumerate(edits.items()):
        cases[name] = (_rewrite(good, folder / f"edited-{number}.tar.gz", edit), expected)
    # The database is garbage, and the manifest vouches for it: SQLite's own check catches it.
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 16

    def vouched(members: list) -> list:
        import hashlib

        out = []
        for member, data in members:
            if member.name.startswith("database/"):
                data = garbage
            if member.name == "manifest.json":
                body = json.loads(data)
                body["database_sha256"], body["database_size"] = hashlib.sha256(garbage).hexdigest(), len(garbage)
                data = json.dumps(body).encode()
            out.append((member, data))
        return out

    cases["damaged database"] = (_rewrite(good, folder / "damaged database.tar.gz", vouched), "its database")
    cases["no such file"] = (folder / "missing.tar.gz", "no such backup file")
    return cases


def test_damaged_or_hostile_archives_are_one_line_and_change_nothing(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert run_cli(capsys, "init").code == 0
    good = tmp_path / "good.tar.gz"
    assert run_cli(capsys, "backup", str(good)).code == 0
    bad = tmp_path / "bad"
    bad.mkdir()
    cases = _bad_archives(good, bad)
    url = get_settings().effective_database_url
    filled = (database_rows(url), file_tree(sqlite_home))
    empty = tmp_path / "empty-home"
    for name, (archive, expected) in cases.items():
        # Into an empty home: it stays empty.
        _use_home(monkeypatch, empty, f"sqlite:///{empty / 'state' / 'scrutiny.db'}")
        result = run_cli(capsys, "restore", str(archive))
        _one_line_error(result, expected)
        assert file_tree(empty, skip=(".prefect",)) == {}, name
        # Over a home with --force: it stays as it was.
        _use_home(monkeypatch, sqlite_home, f"sqlite:///{sqlite_home / 'state' / 'scrutiny.db'}")
        result = run_cli(capsys, "restore", "--force", str(archive))
        _one_line_error(result, expected)
        assert (database_rows(url), file_tree(sqlite_home)) == filled, name
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "escaped.txt").exists()
    note(
        f"backup archives refused: {len(cases)} damaged or hostile archives, each one line, into an empty and a full home"
    )


def test_a_backup_that_cannot_be_written_leaves_no_file_and_an_old_one_whole(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    none_yet = run_cli(capsys, "backup", str(tmp_path / "first.tar.gz"))
    _one_line_error(none_yet, "has no schema yet: nothing to back up")
    assert not list(tmp_path.glob("*first.tar.gz*"))
    assert run_cli(capsys, "init").code == 0
    inside = run_cli(capsys, "backup", str(sqlite_home / "letters" / "b.tar.gz"))
    _one_line_error(inside, "is inside the home's letters/ folder")
    _one_line_error(run_cli(capsys, "backup", str(tmp_path)), "is a folder")
    _one_line_error(run_cli(capsys, "backup", str(tmp_path / "no" / "b.tar.gz")), "does not exist")
    old = tmp_path / "old.tar.gz"
    old.write_bytes(b"yesterday's backup")
    assert run_cli(capsys, "backup", str(old)).code == 0
    assert _manifest(old)["format"] == "scrutiny-backup"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
