from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "yusuan.personnel"
    label = "personnel"
    verbose_name = _("Personnel database")

    def ready(self) -> None:
        from yusuan.personnel import workflow  # noqa: F401  (declares personnel.change)
