"""Custody visiting in the local store: visits, amendments, the visits list query."""
