from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yusuan.core"
    label = "core"
    verbose_name = _("Master data")

    def ready(self) -> None:
        from yusuan.audit.readable import register_field_labels
        from yusuan.core import standard_keys

        def standard_name(key: str) -> str | None:
            known = standard_keys.BY_KEY.get(key)
            return known.name if known is not None else None

        # A year's standards are recorded by key (core.standards.seed): the log names them.
        register_field_labels("core.standard", standard_name)
