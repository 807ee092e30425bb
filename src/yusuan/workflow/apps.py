from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "yusuan.workflow"
    label = "workflow"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        # The document types whose approval rules ship before their modules (vocabulary only).
        from yusuan.audit.readable import register_value_labels
        from yusuan.workflow import doctypes  # noqa: F401
        from yusuan.workflow.audit_labels import step_names

        # The audit log names an approval's steps, not their codes.
        register_value_labels("workflow.workflowinstance", "step", step_names)
