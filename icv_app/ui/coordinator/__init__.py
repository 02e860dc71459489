"""The scheme coordinator's screens: all reports, follow-ups, dip samples, custody record
reviews, reference data, statistics and administration (the **Coordination** menu)."""
