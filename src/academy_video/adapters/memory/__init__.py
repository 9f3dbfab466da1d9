"""In-process adapters the embedded default runs on (no Redis): the session store, heartbeats on
it, the rate limiter, the system clock and the no-op worker waker. Fakes only tests use live in
``tests/fakes/``."""
