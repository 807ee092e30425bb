"""Tamper-evident audit trail (痕迹管理, promise P5). See docs/adr/0005-audit-trail-sealed-batches.md."""
