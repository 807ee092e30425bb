"""备忘单 (memo): a test-only document type built by following
docs/development/adding-a-document-type.md to the letter. Installed under test settings only."""
