"""Use cases: eventsourcing Applications per bounded context, services over ports, wiring."""
