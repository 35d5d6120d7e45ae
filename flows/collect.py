"""Flow: collect the responses that arrived by e-mail or were dropped in the inbox folder."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext

from prefect import flow

from scrutiny import progress
from scrutiny.documents.libreoffice import libreoffice_session
from scrutiny.intake.imap import ImapSource
from scrutiny.runtime.artifacts import publish_run_artifacts
from scrutiny.runtime.guard import check_run_environment
from scrutiny.services.collect import CollectedRow, collect_responses
from scrutiny.services.home import open_workspace
from scrutiny.workspace import today_in_london


@flow(name="collect-responses", log_prints=True)
def collect_responses_flow(as_of: dt.date | None = None, committee_id: str | None = None) -> list[CollectedRow]:
    """Take in each response that arrived, once: from the IMAP mailbox (when configured) and the inbox folder.

    Args:
        as_of: Today, for simulations (default today in Europe/London).
        committee_id: Only letters of this committee; default every committee in the home.
    """
    where = check_run_environment()
    day = as_of or today_in_london()
    workspace = open_workspace()
    mailbox = ImapSource.from_settings(workspace.settings) if workspace.settings.imap_host else None
    with libreoffice_session(), progress.step("Collecting responses"), mailbox or nullcontext():
        rows = collect_responses(workspace, day, committee_id=committee_id, imap=mailbox)
    for row in rows:
        print(f"{row.source} {row.name}: {row.outcome} {row.letter_id} {row.detail}".rstrip())
    recorded = sum(1 for row in rows if row.outcome == "recorded")
    left = sum(1 for row in rows if row.outcome in ("unmatched", "refused"))
    done = [f"{recorded} response(s) collected", f"{left} message(s) or file(s) left for an officer"]
    publish_run_artifacts(workspace, kind="collect", title="Responses collected", as_of=day, done=done, where=where)
    return rows
