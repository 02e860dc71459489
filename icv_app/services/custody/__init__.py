"""Custody visiting services: what a volunteer can do with visit reports, without Qt."""
