"""How projects read on other pages (audit log): ``common.documents``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yusuan.common import documents
from yusuan.projects.models import Project, ProjectChange


def register_documents() -> None:
    for code in ("projects.project", "projects.declaration"):
        documents.register(
            code,
            noun=_("Project"),
            permission="projects.view_project",
            queryset=Project.objects.visible_to,
            number="code",
            url_name="projects:project_detail",
        )
    for code in ("projects.projectchange", "projects.change"):
        documents.register(
            code,
            noun=_("Project change"),
            permission="projects.view_project",
            queryset=ProjectChange.objects.visible_to,
            number="number",
            url_name="projects:change_detail",
        )
