from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    # post_migrate is the one signal the style allows: reference data that migrations create.
    from yusuan.identity.services import roles_sync

    roles_sync()


class IdentityConfig(AppConfig):
    name = "yusuan.identity"
    label = "identity"
    verbose_name = _("Identity and roles")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self)
