"""The `scrutiny` command line: one module per command, each returning a result the CLI formats."""
