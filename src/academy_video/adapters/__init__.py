"""Adapters: technology on the outside of the ports (HTTP, SQL, storage, sessions, media, CLI)."""
