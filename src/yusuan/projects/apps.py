from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "yusuan.projects"
    label = "projects"
    verbose_name = _("Project library")

    def ready(self) -> None:
        from yusuan.projects import workflow  # noqa: F401  (declares the document type)
        from yusuan.projects.documents import register_documents

        register_documents()  # how its documents read on the audit log and traces
