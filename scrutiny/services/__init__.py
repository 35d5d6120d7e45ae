"""Data functions over a passed-in session: what the flows and the CLI call."""
