"""The personnel API (placeholder)."""
