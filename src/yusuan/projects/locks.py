"""Row locks of the projects app, one function per locked set (Saleor's ``lock_objects``)."""

from __future__ import annotations

from yusuan.core.models.base import ScopedQuerySet
from yusuan.projects.models import Project, ProjectChange


def project_qs_select_for_update() -> ScopedQuerySet[Project]:
    """Projects (项目库), locked in pk order."""
    return Project.objects.order_by("pk").select_for_update()


def change_qs_select_for_update() -> ScopedQuerySet[ProjectChange]:
    """Project changes (项目调整), locked in pk order; a change's project is locked after it."""
    return ProjectChange.objects.order_by("pk").select_for_update()
