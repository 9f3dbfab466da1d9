"""Stand-in for the old SaaS's `enrollment` app (app label `enrollment`)."""
