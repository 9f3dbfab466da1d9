"""In-process adapters: the embedded default's session store and the fakes tests build on."""
