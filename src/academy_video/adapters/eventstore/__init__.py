"""eventsourcing plug-ins: how events are encoded and appended."""
