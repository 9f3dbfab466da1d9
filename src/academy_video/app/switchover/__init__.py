"""Switching over from the old Django app: the import and its verification."""
