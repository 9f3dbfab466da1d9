"""Stand-in for the old SaaS's `students` app (app label `students`)."""
