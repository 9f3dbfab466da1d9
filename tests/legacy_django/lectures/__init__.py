"""Stand-in for the old SaaS's `lectures` app (app label `lectures`)."""
