"""Webhooks and the event feed: subscriptions (the ``Webhooks`` Application), delivery, replay."""
