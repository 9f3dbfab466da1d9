"""Pure domain: aggregates, their events and the playback rules. No I/O, no imports from app/."""
