"""What the UI and the headless commands call, without Qt, a folder per area: custody, sync."""
