"""One module per command; each registers its parser and handler."""

from cli.commands import (
    calendar,
    committees,
    init,
    items,
    letters,
    meetings,
    minutes,
    pack,
    plan,
    programme,
    remind,
    responses,
    run,
    server,
    templates,
    timetable,
)

COMMANDS = [
    init,
    meetings,
    timetable,
    calendar,
    committees,
    plan,
    programme,
    items,
    letters,
    responses,
    remind,
    minutes,
    pack,
    run,
    templates,
    server,
]
