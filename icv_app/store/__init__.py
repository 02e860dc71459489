"""The encrypted local SQLite store (keys, migrations, one writer), with custody and sync tables."""
