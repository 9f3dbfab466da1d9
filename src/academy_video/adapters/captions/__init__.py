"""Caption files from staff: decoded (``decoding.py``) and parsed into cues (``parsing.py``)
with webvtt-py, on untrusted input: every step bounded, and a refusal names the file's line."""
