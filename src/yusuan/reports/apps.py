from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "yusuan.reports"
    label = "reports"
    verbose_name = _("Execution reports")

    def ready(self) -> None:
        from yusuan.reports.services.aggregates import subscribe

        subscribe()  # every money event keeps the execution aggregates (ADR 0053)
