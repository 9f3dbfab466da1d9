"""Redis: the hot playback session store."""
