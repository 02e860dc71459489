"""The application shell: starting Qt, the main window and the passphrase prompt."""
