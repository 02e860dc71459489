"""The PySide6 desktop UI, a folder per area: shell, shared, custody, sync."""
