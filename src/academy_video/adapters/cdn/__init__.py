"""Signed media URLs for the CDN edge (and for the service itself on the embedded default)."""
