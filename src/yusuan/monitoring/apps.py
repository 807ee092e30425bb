from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "yusuan.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from yusuan.monitoring.services import MonitoringCheck
        from yusuan.payments.hooks import register_release_check

        # Between a payment request's final approval and its voucher (事中监控, ADR 0025).
        register_release_check("monitoring", MonitoringCheck())

        from yusuan.common import worklist
        from yusuan.monitoring.services import monitoring_work

        worklist.provide("monitoring", monitoring_work)

        from yusuan.monitoring.documents import register_documents

        register_documents()  # how its documents read on the audit log and traces

        from yusuan.monitoring import workflow  # noqa: F401  (the inquiry's document type)
