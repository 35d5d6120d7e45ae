"""Counts a trial reports (kills, faults, cases), shown together at the end of the run, also with pytest -n."""

from __future__ import annotations

import pytest

_current: list[pytest.Item] = []


def note(text: str) -> None:
    """Report a count from inside a test; it is printed in the run's "trial counts" section."""
    if _current:
        _current[-1].user_properties.append(("count", text))
    print(text)
