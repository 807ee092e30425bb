"""The REST API shell: /api/v1 with Django Ninja, one problem-details error body (DESIGN §6)."""
