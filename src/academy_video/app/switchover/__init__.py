"""Switching over from the old Django app: its rows as records (``records.py``), the import of
them as directory rows and domain events (``importer.py``), its report (``report.py``), and the
comparison of the old app's answers with this service's (``verify.py``, ``compare.py``)."""
