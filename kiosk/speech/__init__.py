"""Voice guidance: text to speech and its playback, engine-neutral and without Qt."""
