"""Row locks of the audit app (Saleor's ``lock_objects``)."""

from __future__ import annotations

from yusuan.audit.models import AuditSeal


def last_seal_select_for_update() -> AuditSeal | None:
    """The newest seal, locked: one sealer at a time (writers of records are never blocked)."""
    return AuditSeal.objects.select_for_update().order_by("-last_record_id").first()
