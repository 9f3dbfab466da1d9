"""Media work on PyAV (FFmpeg): probing sources, and transcoding."""
