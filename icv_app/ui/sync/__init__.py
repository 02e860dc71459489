"""Sync screens: the controller, the status panel, sign-in, conflicts, refused records."""
