"""One module per command; each registers its parser and handler."""

from scrutiny.cli.commands import init, letters, meetings, pack, plan, remind, responses, run, timetable

COMMANDS = [init, meetings, timetable, plan, letters, responses, remind, pack, run]
