"""Sync between laptop and server: the wire format they share, and the laptop's client."""
