"""Scoped reads of projects."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from yusuan.common.actor import Actor
from yusuan.core.models import ClassificationCode
from yusuan.projects.models import Project


def project_list(*, actor: Actor, text: str = "", state: str = "") -> QuerySet[Project]:
    queryset = Project.objects.visible_to(actor).select_related("organisation")
    if text:
        queryset = queryset.filter(
            Q(code__icontains=text)
            | Q(name__icontains=text)
            | Q(organisation__name__icontains=text)
        )
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-created_at", "-pk")


def access_project(*, actor: Actor, pk: int) -> Project:
    project = (
        Project.objects.visible_to(actor)
        .select_related("organisation", "created_by")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    return project


def can_open_project(*, actor: Actor, pk: int) -> bool:
    """Whether ``project_detail`` opens for ``actor`` (its permission and scope): pages link a
    project only then, and show its code and name as plain text otherwise."""
    return bool(
        actor.has_perm("projects.view_project")
        and Project.objects.visible_to(actor).filter(pk=pk).exists()
    )


def code_choices(*, mof_div_code: str, fiscal_year: int, kind: str) -> list[tuple[str, str]]:
    return [
        (code, f"{code} {name}")
        for code, name in ClassificationCode.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, kind=kind, is_enabled=True
        )
        .order_by("code")
        .values_list("code", "name")
    ]
