"""academy-video: the academy's video backend (event-sourced core, hexagonal adapters)."""

__version__ = "0.1.0"
