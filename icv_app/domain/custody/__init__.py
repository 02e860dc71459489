"""Custody visiting domain: the visit report, its validation, reference data and demo data."""
