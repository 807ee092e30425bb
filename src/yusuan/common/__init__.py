"""Domain-free helpers shared by every app (no models)."""
