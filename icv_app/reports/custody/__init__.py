"""Custody visiting reports: the visit report PDF."""
