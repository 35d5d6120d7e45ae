"""How commands reach Prefect: the home's running server, a temporary one, or the user's own."""
