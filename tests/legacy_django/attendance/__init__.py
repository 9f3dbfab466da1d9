"""Stand-in for the old SaaS's `attendance` app (app label `attendance`)."""
