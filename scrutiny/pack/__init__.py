"""Agenda packs: the spec (what goes in) and the assembler (DOCX + tagged, bookmarked PDF)."""
