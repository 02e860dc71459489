"""Custody visiting screens: the visits list, the visit form, amendments, submission."""
