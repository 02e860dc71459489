"""Plain typed Python: record status, serialisation, and the custody visiting domain."""
