"""icv-app: offline-first custody visiting on laptops, with a central store and sync."""

__version__ = "0.1.0"
