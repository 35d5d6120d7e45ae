"""many committees, letters per respondent, delivery per recipient, status history, relative paths

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

IDs gain their committee's prefix (meeting 2027-01-25 -> lih-2027-01-25, request R15-1-mopac ->
lih-R15-1-mopac, commitment R15 -> lih-R15). Each letter already written becomes a Letter row
(one per old request, so its files stay valid) linked to its request. Deliveries and chasers
move from the request to the letter; file paths become relative to SCRUTINY_HOME. Every row is
kept: the tables are read, rebuilt at the new shape and written back in one transaction.
"""

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OLD_TABLES = [  # children first, so each drop is allowed
    "pack",
    "reminder",
    "response",
    "document",
    "request",
    "agendaitem",
    "commitment",
    "meeting",
    "recommendation",
    "contact",
    "member",
    "organisation",
    "committee",
]
_SERIAL_TABLES = [
    "member",
    "contact",
    "recommendation",
    "agendaitem",
    "statuschange",
    "response",
    "inboundmessage",
    "reminder",
    "document",
    "delivery",
    "pack",
]
_LETTER_KINDS = {"request", "reminder", "overdue", "escalation"}
_STATUS_AFTER_CHASER = {"reminder": "reminded", "overdue": "overdue", "escalation": "escalated"}


def default_prefix(short_name: str, committee_id: str) -> str:
    """The rule the committee file uses when it names no prefix: its short name, letters and digits."""
    prefix = re.sub(r"[^a-z0-9]", "", short_name.lower())[:10]
    return prefix if prefix[:1].isalpha() else re.sub(r"[^a-z0-9]", "", committee_id.lower())[:10] or "c"


def upgrade() -> None:
    connection = op.get_bind()
    home = str(context.config.attributes.get("home") or "")
    old = _read_all(connection)
    for name in _OLD_TABLES:
        op.drop_table(name)
    tables = _create_tables()
    _copy(old, tables, home)
    if connection.dialect.name == "postgresql":
        for name in _SERIAL_TABLES:
            op.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) "
                f"FROM {name}"
            )


def downgrade() -> None:
    raise NotImplementedError("0003 cannot be undone: restore the backup taken before the upgrade")


def _read_all(connection: sa.engine.Connection) -> dict[str, list[dict[str, Any]]]:
    metadata = sa.MetaData()
    metadata.reflect(bind=connection, only=_OLD_TABLES)
    return {
        name: [dict(row._mapping) for row in connection.execute(sa.select(metadata.tables[name]))]
        for name in _OLD_TABLES
    }


def _relative(path: str | None, home: str) -> str | None:
    if path is None or not home:
        return path
    root = home.rstrip("/") + "/"
    return path[len(root) :] if path.startswith(root) else path


def _copy(old: dict[str, list[dict[str, Any]]], tables: dict[str, sa.Table], home: str) -> None:
    prefixes = {c["id"]: default_prefix(c["short_name"], c["id"]) for c in old["committee"]}
    meeting_committee = {m["id"]: m["committee_id"] for m in old["meeting"]}
    commitment_committee = {c["key"]: c["committee_id"] for c in old["commitment"]}

    def meeting_id(old_id: str | None) -> str | None:
        return None if old_id is None else f"{prefixes[meeting_committee[old_id]]}-{old_id}"

    def commitment_id(key: str | None) -> str | None:
        return None if key is None else f"{prefixes[commitment_committee[key]]}-{key}"

    # An empty hash makes the next command sync each committee from its file into the new columns.
    _insert(
        tables["committee"],
        [{**c, "prefix": prefixes[c["id"]], "config_path": "", "config_sha256": ""} for c in old["committee"]],
    )
    _insert(tables["organisation"], [{**o, "short_name": ""} for o in _parents_first(old["organisation"])])
    _insert(tables["contact"], old["contact"])
    _insert(tables["member"], old["member"])
    _insert(tables["recommendation"], old["recommendation"])
    _insert(
        tables["meeting"],
        [{**m, "id": meeting_id(m["id"]), "minutes_path": _relative(m["minutes_path"], home)} for m in old["meeting"]],
    )
    _insert(
        tables["commitment"],
        [
            {
                **{k: v for k, v in c.items() if k != "key"},
                "id": commitment_id(c["key"]),
                "key": c["key"],
                "cc": [{"text": line} for line in c["cc"]],
                "last_heard_from": [],
                "repeat_topics": [],
                "pinned_meeting_id": meeting_id(c["pinned_meeting_id"]),
            }
            for c in old["commitment"]
        ],
    )
    item_committee: dict[int, str] = {}
    items = []
    for item in old["agendaitem"]:
        committee = (
            commitment_committee[item["commitment_key"]]
            if item["commitment_key"]
            else meeting_committee[item["meeting_id"]]
        )
        item_committee[item["id"]] = committee
        fields = {k: v for k, v in item.items() if k != "commitment_key"}
        items.append(
            {
                **fields,
                "committee_id": committee,
                "meeting_id": meeting_id(item["meeting_id"]),
                "commitment_id": commitment_id(item["commitment_key"]),
                "presenters": [],
                "removed": False,
            }
        )
    _insert(tables["agendaitem"], items)

    letters, links, requests, history = [], [], [], []
    request_ids: dict[str, str] = {}
    letter_of: dict[str, str] = {}
    contact_of: dict[str, int | None] = {}
    sequences: dict[tuple[str, str], int] = {}
    reminders_by_request: dict[str, list[dict[str, Any]]] = {}
    for reminder in old["reminder"]:
        reminders_by_request.setdefault(reminder["request_id"], []).append(reminder)
    for request in sorted(old["request"], key=lambda r: r["id"]):
        committee = item_committee[request["agenda_item_id"]]
        new_id = f"{prefixes[committee]}-{request['id']}"
        request_ids[request["id"]] = new_id
        contact_of[request["id"]] = request["contact_id"]
        new_meeting = meeting_id(request["meeting_id"])
        letter_id = None
        if request["letter_version"] > 0:
            # Each letter written so far covered one request: it keeps the request's ID as its reference.
            key = (new_meeting or "", request["organisation_id"])
            sequences[key] = sequences.get(key, 0) + 1
            letter_id = new_id
            letter_of[request["id"]] = letter_id
            letters.append(
                {
                    "id": letter_id,
                    "committee_id": committee,
                    "meeting_id": new_meeting,
                    "organisation_id": request["organisation_id"],
                    "contact_id": request["contact_id"],
                    "sequence": sequences[key],
                    "version": request["letter_version"],
                    "issued_on": request["issued_on"],
                    "due_date": request["due_date"],
                    "needs_reissue": bool(request["due_date_changed"]),
                }
            )
            links.append({"letter_id": letter_id, "request_id": new_id})
        requests.append(
            {
                "id": new_id,
                "committee_id": committee,
                "agenda_item_id": request["agenda_item_id"],
                "organisation_id": request["organisation_id"],
                "contact_id": request["contact_id"],
                "meeting_id": new_meeting,
                "letter_id": letter_id,
                "status": request["status"],
                "letter_window_opens": request["letter_window_opens"],
                "request_by_date": request["request_by_date"],
                "due_date": request["due_date"],
                "issued_on": request["issued_on"],
                "received_on": request["received_on"],
            }
        )
        history.extend(_history(new_id, request, reminders_by_request.get(request["id"], [])))
    _insert(tables["letter"], letters)
    _insert(tables["request"], requests)
    _insert(tables["letterrequest"], links)
    _insert(tables["statuschange"], history)

    chair_emails = {
        m["committee_id"]: m["email"] for m in old["member"] if m["role"] == "Chair" and m["email"] and m["active"]
    }
    contact_emails = {c["id"]: (c["email"], c["name"]) for c in old["contact"]}
    documents, deliveries = [], []
    for document in old["document"]:
        request_key = document["request_id"]
        committee = (
            item_committee[next(r["agenda_item_id"] for r in old["request"] if r["id"] == request_key)]
            if request_key
            else meeting_committee.get(document["meeting_id"] or "")
        )
        documents.append(
            {
                "id": document["id"],
                "committee_id": committee,
                "kind": document["kind"],
                "path": _relative(document["path"], home),
                "sha256": document["sha256"],
                "letter_id": letter_of.get(request_key) if request_key else None,
                "meeting_id": meeting_id(document["meeting_id"]),
                "version": document["version"],
                "created_at": document["created_at"],
            }
        )
        if document["kind"] in _LETTER_KINDS and request_key and contact_of.get(request_key):
            deliveries.extend(
                _deliveries(document, contact_emails[contact_of[request_key]], chair_emails.get(committee))
            )
    _insert(tables["document"], documents)
    _insert(tables["delivery"], deliveries)
    _insert(
        tables["reminder"],
        [
            {
                "id": r["id"],
                "letter_id": letter_of[r["request_id"]],
                "kind": r["kind"],
                "due_date": next(q["due_date"] for q in old["request"] if q["id"] == r["request_id"]),
                "sent_on": r["sent_on"],
                "document_id": r["document_id"],
            }
            for r in old["reminder"]
            if r["request_id"] in letter_of
        ],
    )
    _insert(
        tables["response"],
        [
            {
                **r,
                "request_id": request_ids[r["request_id"]],
                "path": _relative(r["path"], home),
                "kind": "pdf" if r["path"].lower().endswith(".pdf") else "docx",
                "source": "officer",
                "message_id": None,
            }
            for r in old["response"]
        ],
    )
    document_by_path = {d["path"]: d["id"] for d in old["document"]}
    _insert(
        tables["pack"],
        [
            {
                **p,
                "meeting_id": meeting_id(p["meeting_id"]),
                "docx_path": _relative(p["docx_path"], home),
                "pdf_path": _relative(p["pdf_path"], home),
                "document_id": document_by_path.get(p["docx_path"]),
            }
            for p in old["pack"]
        ],
    )


def _parents_first(organisations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Successors before the organisations that name them, for the self-referencing key."""
    ordered: list[dict[str, Any]] = []
    remaining = list(organisations)
    while remaining:
        placed = {o["id"] for o in ordered}
        ready = [o for o in remaining if not o["succeeded_by_id"] or o["succeeded_by_id"] in placed]
        if not ready:  # a cycle: insert the rest as they are
            ready = remaining
        ordered.extend(ready)
        remaining = [o for o in remaining if o not in ready]
    return ordered


def _history(request_id: str, request: dict[str, Any], reminders: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """What can be said of a request's past from the old tables, in order."""
    at = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    yield {
        "request_id": request_id,
        "at": at,
        "as_of": request["letter_window_opens"],
        "old_status": None,
        "new_status": "planned",
        "cause": "planned",
        "detail": "recorded before the history was kept",
    }
    status = "planned"
    if request["issued_on"]:
        yield {
            "request_id": request_id,
            "at": at,
            "as_of": request["issued_on"],
            "old_status": status,
            "new_status": "issued",
            "cause": "letter",
            "detail": "request letter",
        }
        status = "issued"
    for reminder in sorted(reminders, key=lambda r: r["sent_on"]):
        new = _STATUS_AFTER_CHASER.get(reminder["kind"], status)
        yield {
            "request_id": request_id,
            "at": at,
            "as_of": reminder["sent_on"],
            "old_status": status,
            "new_status": new,
            "cause": "chaser",
            "detail": reminder["kind"],
        }
        status = new
    if request["status"] != status:
        cause = {"received": "response", "received_late": "response", "withdrawn": "withdrawal"}.get(
            request["status"], "letter"
        )
        yield {
            "request_id": request_id,
            "at": at,
            "as_of": request["received_on"] or request["issued_on"] or request["letter_window_opens"],
            "old_status": status,
            "new_status": request["status"],
            "cause": cause,
            "detail": "",
        }


def _deliveries(document: dict[str, Any], contact: tuple[str, str], chair_email: str | None) -> list[dict[str, Any]]:
    delivery = document["delivery"] or ""
    sent = delivery.startswith(("outbox:", "smtp:"))
    channel, _, location = delivery.partition(":")
    rows = [(contact[0], contact[1], "to")]
    if document["kind"] == "escalation" and chair_email:
        rows.append((chair_email, "", "cc"))
    return [
        {
            "document_id": document["id"],
            "address": address,
            "name": name,
            "role": role,
            "state": "sent" if sent else "pending",
            "claim": "",
            "channel": channel if sent else "",
            "location": location if sent else "",
            "message_id": "",
            "sent_at": document["created_at"] if sent else None,
        }
        for address, name, role in rows
    ]


def _insert(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        columns = {c.name for c in table.columns}
        op.bulk_insert(table, [{k: v for k, v in row.items() if k in columns} for row in rows])


# --- generated tables: begin ---
def _create_tables() -> dict[str, sa.Table]:
    tables: dict[str, sa.Table] = {}
    tables["committee"] = op.create_table(
        "committee",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("short_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("council", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("config_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("config_path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix"),
    )
    tables["organisation"] = op.create_table(
        "organisation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("short_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=True),
        sa.Column("active_until", sa.Date(), nullable=True),
        sa.Column("succeeded_by_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["succeeded_by_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    tables["contact"] = op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("salutation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "email"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_organisation_id"), ["organisation_id"], unique=False)

    tables["meeting"] = op.create_table(
        "meeting",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("committee_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("venue", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("ics_uid", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("minutes_path", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("minutes_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("committee_id", "ics_uid"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_date"), ["date"], unique=False)

    tables["member"] = op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("committee_id", "name"),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_committee_id"), ["committee_id"], unique=False)

    tables["recommendation"] = op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("review_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("review_title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("review_year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("committee_id", "review_id", "number"),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendation_committee_id"), ["committee_id"], unique=False)

    tables["commitment"] = op.create_table(
        "commitment",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("committee_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("theme", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=False),
        sa.Column("last_taken", sa.Date(), nullable=False),
        sa.Column("last_heard_summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("last_heard_from", sa.JSON(), nullable=False),
        sa.Column("first_update_taken", sa.Boolean(), nullable=False),
        sa.Column("respondents", sa.JSON(), nullable=False),
        sa.Column("first_update_topics", sa.JSON(), nullable=False),
        sa.Column("standing_topics", sa.JSON(), nullable=False),
        sa.Column("repeat_topics", sa.JSON(), nullable=False),
        sa.Column("cc", sa.JSON(), nullable=False),
        sa.Column("pinned_meeting_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pinned_meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("committee_id", "key"),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_committee_id"), ["committee_id"], unique=False)

    tables["letter"] = op.create_table(
        "letter",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("committee_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("meeting_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("organisation_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("needs_reissue", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "organisation_id", "sequence"),
    )
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_letter_meeting_id"), ["meeting_id"], unique=False)

    tables["agendaitem"] = op.create_table(
        "agendaitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("meeting_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("commitment_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("cycle_due_date", sa.Date(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("first_update", sa.Boolean(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("presenters", sa.JSON(), nullable=False),
        sa.Column("needs_replanning", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("commitment_id", "cycle_due_date"),
    )
    with op.batch_alter_table("agendaitem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agendaitem_commitment_id"), ["commitment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agendaitem_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agendaitem_meeting_id"), ["meeting_id"], unique=False)

    tables["document"] = op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("letter_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("meeting_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["letter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("path"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_letter_id"), ["letter_id"], unique=False)

    tables["inboundmessage"] = op.create_table(
        "inboundmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("letter_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["letter.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    tables["delivery"] = op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("claim", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "address"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_state"), ["state"], unique=False)

    tables["pack"] = op.create_table(
        "pack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supplementary", sa.Boolean(), nullable=False),
        sa.Column("docx_path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pdf_path", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("included_responses", sa.JSON(), nullable=False),
        sa.Column("included_minutes", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "version"),
    )
    with op.batch_alter_table("pack", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pack_meeting_id"), ["meeting_id"], unique=False)

    tables["reminder"] = op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["letter.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("letter_id", "kind", "due_date"),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_letter_id"), ["letter_id"], unique=False)

    tables["request"] = op.create_table(
        "request",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("committee_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("letter_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("letter_window_opens", sa.Date(), nullable=False),
        sa.Column("request_by_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agendaitem.id"],
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["letter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agenda_item_id", "organisation_id"),
    )
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_agenda_item_id"), ["agenda_item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_letter_id"), ["letter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_status"), ["status"], unique=False)

    tables["letterrequest"] = op.create_table(
        "letterrequest",
        sa.Column("letter_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["letter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
        ),
        sa.PrimaryKeyConstraint("letter_id", "request_id"),
    )
    with op.batch_alter_table("letterrequest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letterrequest_request_id"), ["request_id"], unique=False)

    tables["response"] = op.create_table(
        "response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("original_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_request_id"), ["request_id"], unique=False)

    tables["statuschange"] = op.create_table(
        "statuschange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("old_status", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("new_status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("cause", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("statuschange", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statuschange_request_id"), ["request_id"], unique=False)
    return tables


# --- generated tables: end ---
