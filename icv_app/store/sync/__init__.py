"""Sync bookkeeping in the local store: server copies, pending changes, conflicts, checks."""
