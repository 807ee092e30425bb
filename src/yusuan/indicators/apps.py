from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "yusuan.indicators"
    label = "indicators"
    verbose_name = _("Budget indicators")

    def ready(self) -> None:
        from yusuan.indicators import workflow  # noqa: F401  (attaches the adjustment handler)
