"""Whether a pack was published in time for its items to be taken (Local Government Act 1972 s100B)."""

from __future__ import annotations

from scrutiny.pack.context import included_items, long_date
from scrutiny.pack.spec import PackSpec


def late_publication_warning(spec: PackSpec) -> str | None:
    """One line when the pack is published after its statutory publication date, else None.

    An item on an agenda published less than five clear working days before the meeting may
    be considered only if the Chair agrees it is urgent (s100B(4)): the line says which items,
    the day the pack was made and the date it should have been published by.
    """
    statutory = spec.statutory_publication_date
    if statutory is None or spec.published_on <= statutory:
        return None
    numbers = [
        entry.number
        for entry in included_items(spec)
        if entry.item.kind == "substantive" or (entry.item.role == "minutes" and spec.previous_minutes is not None)
    ]
    if not numbers:
        which, verb = "its items", "they are"
    elif len(numbers) == 1:
        which, verb = f"item {numbers[0]}", "it is"
    else:
        which, verb = "items " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}", "they are"
    kind = f"supplementary agenda {spec.supplementary_sequence}" if spec.is_supplementary else "this agenda"
    return (
        f"Published late: {kind} was published on {long_date(spec.published_on)}, after the statutory "
        f"publication date of {long_date(statutory)} (five clear working days before the meeting), "
        f"so {which} can only be taken if the Chair agrees {verb} urgent (Local Government Act 1972 s100B(4))."
    )
