"""Row locks of the projects app, one function per locked set (Saleor's ``lock_objects``)."""

from __future__ import annotations

from typing import Any

from yusuan.core.models.base import ScopedQuerySet
from yusuan.projects.models import Project, ProjectChange


def project_qs_select_for_update() -> ScopedQuerySet[Project]:
    """Projects (项目库), locked in pk order."""
    return Project.objects.order_by("pk").select_for_update()


def change_qs_select_for_update() -> ScopedQuerySet[ProjectChange]:
    """Project changes (项目调整), locked in pk order; a change's project is locked after it."""
    return ProjectChange.objects.order_by("pk").select_for_update()


def basic_run_qs_select_for_update() -> ScopedQuerySet[Any]:
    """Basic-expenditure computations (R-PJ-5), newest version first: one computation of a
    region's year at a time."""
    from yusuan.projects.basic_models import BasicRun

    return BasicRun.objects.order_by("-version").select_for_update()
