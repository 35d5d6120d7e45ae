"""Scrutiny workflow automation: timetable, planner, letters, responses and agenda packs."""

__version__ = "0.1.0"
