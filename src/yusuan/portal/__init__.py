"""The web shell: layout, navigation by role, home page with scope and inbox (待办)."""
