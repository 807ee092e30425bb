from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "yusuan.procurement"
    label = "procurement"
    verbose_name = _("Government procurement")

    def ready(self) -> None:
        from yusuan.procurement.documents import register_documents

        register_documents()  # how its documents read on the audit log and traces
        from yusuan.procurement import workflow  # noqa: F401 (declares the plan document type)
