"""Speech models: manifest, locate/verify/install, recognizer factory, streaming transcriber."""
