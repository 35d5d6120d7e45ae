"""One module per command; each registers its parser and handler."""

from scrutiny.cli.commands import init, meetings, plan, timetable

COMMANDS = [init, meetings, timetable, plan]
