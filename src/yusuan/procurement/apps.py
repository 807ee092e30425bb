from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "yusuan.procurement"
    label = "procurement"
    verbose_name = _("Government procurement")

    def ready(self) -> None:
        from yusuan.procurement.documents import register_documents

        register_documents()  # how its documents read on the audit log and traces
        from yusuan.core.events import YEAR_OPENED
        from yusuan.procurement import workflow  # noqa: F401 (declares the plan document type)
        from yusuan.procurement.services.catalogue import catalogue_copy_on_year_opened

        # ADR 0052: a new year starts with last year's 集中采购目录 (core does not import us).
        YEAR_OPENED.subscribe(catalogue_copy_on_year_opened)
