"""Route handlers by area. Handlers are synchronous and run in Litestar's thread pool
(``sync_to_thread=True``): the use cases block on the event store and the database, and must not
hold up the event loop."""
