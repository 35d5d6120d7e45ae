"""Where each recurring annual-update item goes in the meeting calendar, and why.

Pure placement: commitments and meeting slots in, one `Placement` per commitment out, each
with a reason written like an officer's note. No database: the caller passes what is
already on each agenda (`other_substantive_items`) and records the result.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scrutiny.dates import abbreviated_date
from scrutiny.errors import ScrutinyError

__all__ = ["Commitment", "MeetingSlot", "Placement", "add_months", "plan_placements"]


@dataclass(frozen=True)
class Commitment:
    """A recurring item, e.g. Recommendation 15's annual stop and search update."""

    key: str
    title: str
    theme: str
    last_taken: date
    interval_months: int = 12
    pinned_meeting_id: str | None = None
    # None: any meeting may take it. N: only meetings after last_taken and no more than N
    # months before the due date, so next year's update is not taken weeks after this one.
    earliest_months_before_due: int | None = None

    @property
    def due_date(self) -> date:
        return add_months(self.last_taken, self.interval_months)

    @property
    def earliest(self) -> date | None:
        """The first day a meeting may take the item (None when there is no window)."""
        if self.earliest_months_before_due is None:
            return None
        window_opens = add_months(self.due_date, -self.earliest_months_before_due)
        return max(window_opens, self.last_taken + timedelta(days=1))


@dataclass(frozen=True)
class MeetingSlot:
    """A meeting as the planner sees it."""

    meeting_id: str
    meeting_date: date
    cancelled: bool
    other_substantive_items: int  # items already there that are not being planned now
    capacity: int
    request_by_date: date


@dataclass(frozen=True)
class Placement:
    """The planner's answer for one commitment; `meeting_id` None when nothing fits."""

    commitment: str
    meeting_id: str | None
    meeting_date: date | None
    due_date: date
    reason: str
    pinned: bool


def add_months(day: date, months: int) -> date:
    """Calendar months later, keeping the day of the month or clamping it to the month's
    end (31 Jan + 1 month = 28 or 29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last_day))


def _validate(commitments: Sequence[Commitment], meetings: Sequence[MeetingSlot]) -> None:
    seen_keys: set[str] = set()
    for item in commitments:
        if item.key in seen_keys:
            raise ScrutinyError(f"commitment {item.key!r} appears more than once")
        seen_keys.add(item.key)
        if item.interval_months < 1:
            raise ScrutinyError(
                f"commitment {item.key!r}: interval_months must be at least 1, got {item.interval_months}"
            )
        if item.earliest_months_before_due is not None and item.earliest_months_before_due < 0:
            raise ScrutinyError(
                f"commitment {item.key!r}: earliest_months_before_due must not be negative, "
                f"got {item.earliest_months_before_due}"
            )
    seen_ids: set[str] = set()
    for slot in meetings:
        if slot.meeting_id in seen_ids:
            raise ScrutinyError(f"meeting {slot.meeting_id!r} appears more than once")
        seen_ids.add(slot.meeting_id)
        if slot.capacity < 0 or slot.other_substantive_items < 0:
            raise ScrutinyError(
                f"meeting {slot.meeting_id!r}: capacity and other_substantive_items must not "
                f"be negative (got {slot.capacity} and {slot.other_substantive_items})"
            )


class _Run:
    """One planning run: the meetings in date order and the items placed so far."""

    def __init__(self, meetings: Sequence[MeetingSlot], as_of: date, request_weeks: int) -> None:
        self.meetings = sorted(meetings, key=lambda m: (m.meeting_date, m.meeting_id))
        self.by_id = {m.meeting_id: m for m in self.meetings}
        self.as_of = as_of
        self.lead = f"{request_weeks} week{'s' if request_weeks != 1 else ''}"
        self.used = {m.meeting_id: m.other_substantive_items for m in self.meetings}

    def why_ineligible(self, slot: MeetingSlot) -> str | None:
        if slot.cancelled:
            return "cancelled"
        if slot.request_by_date < self.as_of:
            return f"request deadline {abbreviated_date(slot.request_by_date)} has passed"
        if self.used[slot.meeting_id] >= slot.capacity:
            return f"full: {self.used[slot.meeting_id]} of {slot.capacity} items"
        return None

    def passed_over(self, slots: Sequence[MeetingSlot]) -> str:
        # Only upcoming meetings are worth naming; past ones could never have taken it.
        notes = [
            f"{abbreviated_date(s.meeting_date)} ({why})"
            for s in slots
            if s.meeting_date >= self.as_of and (why := self.why_ineligible(s)) is not None
        ]
        return f"; passed over {', '.join(notes)}" if notes else ""

    def take(self, slot: MeetingSlot) -> None:
        self.used[slot.meeting_id] += 1

    def place_pinned(self, item: Commitment, slot: MeetingSlot, due: date) -> Placement:
        self.take(slot)
        reason = f"{_due_text(due, self.as_of)}; pinned by an officer to {abbreviated_date(slot.meeting_date)}"
        if slot.meeting_date >= self.as_of and slot.request_by_date < self.as_of:
            reason += f"; note its request deadline {abbreviated_date(slot.request_by_date)} has passed"
        if self.used[slot.meeting_id] > slot.capacity:
            reason += f"; note this puts {self.used[slot.meeting_id]} items on a meeting with room for {slot.capacity}"
        earliest = item.earliest
        if earliest is not None and slot.meeting_date < earliest:
            reason += f"; note this is before {abbreviated_date(earliest)}, {_window_text(item)}"
        return Placement(item.key, slot.meeting_id, slot.meeting_date, due, reason, pinned=True)

    def place_normally(self, item: Commitment, due: date, pin_note: str) -> Placement:
        head = _due_text(due, self.as_of)
        earliest = item.earliest
        if earliest is not None and not any(m.meeting_date >= earliest and not m.cancelled for m in self.meetings):
            # Next year's calendar is not in yet: wait for it rather than take the item
            # at the end of this year, weeks after the last time.
            reason = (
                f"{head}; not placed: the calendar does not yet have a meeting in its window "
                f"(from {abbreviated_date(earliest)}, {_window_text(item)}); import the meetings "
                f"or pin the item to one{pin_note}"
            )
            return Placement(item.key, None, None, due, reason, pinned=False)
        chosen, how, skipped = self.choose(due, earliest)
        if chosen is None:
            reason = f"{head}; {self.nothing_fits()}{pin_note}"
            return Placement(item.key, None, None, due, reason, pinned=False)
        self.take(chosen)
        reason = f"{head}; {how}: {abbreviated_date(chosen.meeting_date)}{self.passed_over(skipped)}"
        reason += pin_note
        return Placement(item.key, chosen.meeting_id, chosen.meeting_date, due, reason, pinned=False)

    def choose(self, due: date, earliest: date | None = None) -> tuple[MeetingSlot | None, str, list[MeetingSlot]]:
        """The meeting for an item due on `due` (on or after `earliest`), how it was
        chosen, and the meetings it passed over on the way."""
        eligible = [
            m
            for m in self.meetings
            if self.why_ineligible(m) is None and (earliest is None or m.meeting_date >= earliest)
        ]
        if due < self.as_of:
            chosen = next((m for m in eligible if m.meeting_date >= self.as_of), None)
            how = f"first meeting leaving {self.lead} for a response and with room"
            skipped = self.meetings[: self.meetings.index(chosen)] if chosen else []
            return chosen, how, skipped
        on_or_before = [m for m in eligible if m.meeting_date <= due]
        if on_or_before:
            chosen = on_or_before[-1]
            later = self.meetings[self.meetings.index(chosen) + 1 :]
            skipped = [m for m in later if m.meeting_date <= due]
            when = "on or before" if chosen.meeting_date == due else "before"
            how = f"last meeting {when} it with time for a response and room"
            return chosen, how, skipped
        chosen = next((m for m in eligible if m.meeting_date > due), None)
        how = f"no meeting on or before it leaves {self.lead} for a response and has room, so the first one after"
        skipped = self.meetings[: self.meetings.index(chosen)] if chosen else []
        return chosen, how, skipped

    def nothing_fits(self) -> str:
        upcoming = [m for m in self.meetings if m.meeting_date >= self.as_of]
        if not any(m for m in upcoming if not m.cancelled and m.request_by_date >= self.as_of):
            text = f"not placed: no meeting in the calendar leaves {self.lead} for a response"
        else:
            text = f"not placed: no meeting in the calendar leaves {self.lead} for a response and has room"
        return text + self.passed_over(upcoming) + "; add a meeting or pin the item to one"


def _window_text(item: Commitment) -> str:
    months = item.earliest_months_before_due
    if item.earliest == item.last_taken + timedelta(days=1):
        return f"the day after it was last taken on {abbreviated_date(item.last_taken)}"
    return f"{months} month{'s' if months != 1 else ''} before it is due"


def _due_text(due: date, as_of: date) -> str:
    return f"due {abbreviated_date(due)}" + (", overdue" if due < as_of else "")


def plan_placements(
    commitments: Sequence[Commitment],
    meetings: Sequence[MeetingSlot],
    as_of: date,
    *,
    request_weeks: int = 6,
) -> list[Placement]:
    """Place every commitment on a meeting, ordered by due date then key.

    A meeting is eligible when it is not cancelled, its request-by date is today or later,
    and it has room. An item goes on the last eligible meeting on or before its due date,
    else the first eligible one after (an overdue item: the first eligible from `as_of`).
    A commitment with `earliest_months_before_due` only takes meetings after its
    last_taken and on or after its `earliest` day; with no meeting at all from that day,
    it stays unplaced until the calendar has one.
    A pin to an existing, uncancelled meeting wins and uses room. Items of the same theme
    may share a meeting; only capacity limits them. `request_weeks` is used only in the
    wording of reasons: eligibility comes from each slot's `request_by_date`.
    """
    _validate(commitments, meetings)
    run = _Run(meetings, as_of, request_weeks)
    ordered = sorted(commitments, key=lambda c: (c.due_date, c.key))
    placements: dict[str, Placement] = {}
    pin_notes: dict[str, str] = {}

    # Pins first, so a pinned item keeps its place even when it is due later than
    # unpinned items competing for the same room.
    for item in ordered:
        pin = item.pinned_meeting_id
        if pin is None:
            continue
        slot = run.by_id.get(pin)
        if slot is None:
            pin_notes[item.key] = f"; pin to meeting {pin!r} ignored: no such meeting in the calendar"
        elif slot.cancelled:
            pin_notes[item.key] = (
                f"; pin to meeting {pin!r} ({abbreviated_date(slot.meeting_date)}) ignored: that meeting is cancelled"
            )
        else:
            placements[item.key] = run.place_pinned(item, slot, item.due_date)

    for item in ordered:
        if item.key not in placements:
            placements[item.key] = run.place_normally(item, item.due_date, pin_notes.get(item.key, ""))
    return [placements[item.key] for item in ordered]
