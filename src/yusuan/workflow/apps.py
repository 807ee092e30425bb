from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "yusuan.workflow"
    label = "workflow"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        # The document types whose approval rules ship before their modules (vocabulary only).
        from yusuan.workflow import doctypes  # noqa: F401
