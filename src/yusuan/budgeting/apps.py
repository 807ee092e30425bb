from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetingConfig(AppConfig):
    name = "yusuan.budgeting"
    label = "budgeting"
    verbose_name = _("Budget preparation")

    def ready(self) -> None:
        from yusuan.budgeting import workflow  # noqa: F401  (declares budgeting.draft, .reply)
        from yusuan.budgeting.origins import budget_origin
        from yusuan.indicators.origins import register_origin

        register_origin(budget_origin)  # R-BP-12: an indicator's page names its budget line
