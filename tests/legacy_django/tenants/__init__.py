"""Stand-in for the old SaaS's `tenants` app (app label `tenants`)."""
