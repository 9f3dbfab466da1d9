"""Webhook delivery's outbound side: Standard Webhooks signing, and the HTTP sender."""
