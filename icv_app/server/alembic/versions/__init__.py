"""The central store's Alembic revisions, one file each, applied in order."""
