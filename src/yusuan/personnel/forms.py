"""Forms of the personnel pages: parsing and types only."""
