"""Prefect flows: thin sequences of calls into the scrutiny package."""
