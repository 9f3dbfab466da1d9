"""SQL adapters beside the event store (same database): id allocation; read models later."""
