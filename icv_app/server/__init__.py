"""The central store: the FastAPI app, its storage, authorisation, audit and admin commands."""
