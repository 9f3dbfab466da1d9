"""The old Django app's database: its tables, read for the import and for ``--verify``."""
