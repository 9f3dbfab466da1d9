"""Speech recognition adapters: the sound of a stored source, and what was said in it."""
