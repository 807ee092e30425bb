from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    # post_migrate is the one signal the style allows: reference data that migrations create.
    # Roles grant permissions of apps installed after this one, so make sure they all exist first.
    from django.contrib.auth.management import create_permissions

    from yusuan.identity.services import roles_sync

    for app_config in apps.get_app_configs():
        create_permissions(
            app_config,
            verbosity=0,
            using=kwargs.get("using", "default"),
            apps=kwargs.get("apps", apps),
        )
    roles_sync()


class IdentityConfig(AppConfig):
    name = "yusuan.identity"
    label = "identity"
    verbose_name = _("Identity and roles")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self)
        from yusuan.audit.readable import register_role_names
        from yusuan.identity.roles import ROLE_CATALOGUE

        # The audit log names roles (it sits below us and cannot read the catalogue itself).
        register_role_names({spec.code: (spec.name, spec.name_en) for spec in ROLE_CATALOGUE})
