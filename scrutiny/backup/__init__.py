"""Backups of a home: one archive holding the state database and the document store.

``manifest`` is the archive's table of contents, ``database`` dumps and restores SQLite and
PostgreSQL, ``archive`` writes and verifies the file; ``scrutiny.services.backup`` decides what
goes in and where a restore puts it.
"""
