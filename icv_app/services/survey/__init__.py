"""Surveys: instruments, interviews and consultation responses on this laptop."""
