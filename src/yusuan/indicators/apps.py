from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "yusuan.indicators"
    label = "indicators"
    verbose_name = _("Budget indicators")

    def ready(self) -> None:
        from yusuan.audit.chain import register_coverage
        from yusuan.indicators import workflow  # noqa: F401  (attaches the adjustment handler)
        from yusuan.indicators.selectors import movement_coverage

        # audit_verify names any movement no audited action accounts for (ADR 0017).
        register_coverage("indicators.movements", movement_coverage)

        from yusuan.indicators.project_checks import project_end_errors
        from yusuan.projects.hooks import register_end_check

        register_end_check(project_end_errors)  # R-PJ-4

        from yusuan.common import worklist
        from yusuan.indicators.worklist import indicator_work

        worklist.provide("indicators", indicator_work)

        from yusuan.indicators.documents import register_documents

        register_documents()  # how its documents read on the audit log and traces
