"""Surveys: instruments (XLSForm), their expressions, interviews and consultations."""
