"""Storage backends. Nothing outside this package knows which backend is in use."""
