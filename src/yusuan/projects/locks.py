"""Row locks of the projects app, one function per locked set (Saleor's ``lock_objects``)."""

from __future__ import annotations

from yusuan.core.models.base import ScopedQuerySet
from yusuan.projects.models import Project


def project_qs_select_for_update() -> ScopedQuerySet[Project]:
    """Projects (项目库), locked in pk order."""
    return Project.objects.order_by("pk").select_for_update()
