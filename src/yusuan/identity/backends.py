"""Permissions come from the user's roles (岗位), not from per-user grants."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        """A system account (an agent bank's) works with API tokens only: the sign-in page
        refuses it like a wrong password, whatever the password, so it tells nobody whether the
        password was right (nor that the account is one)."""
        return bool(super().user_can_authenticate(user)) and not getattr(
            user, "is_system_account", False
        )

    def _get_group_permissions(self, user_obj: Any) -> Any:
        return Permission.objects.filter(role__users=user_obj)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """The role grants and any per-user grant in one query (Django's backend asks twice),
        cached on the user object like Django's: every page's menu asks (issue 20)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        cached: set[str] | None = getattr(user_obj, "_perm_cache", None)
        if cached is None:
            granted = (
                Permission.objects.all()
                if user_obj.is_superuser
                else Permission.objects.filter(pk__in=self._granted_ids(user_obj))
            )
            cached = {
                f"{app}.{codename}"
                for app, codename in granted.values_list("content_type__app_label", "codename")
                .order_by()
                .iterator()
            }
            user_obj._perm_cache = cached
        return cached

    @staticmethod
    def _granted_ids(user_obj: Any) -> Any:
        by_role = Permission.objects.filter(role__users=user_obj).order_by().values("pk")
        own = Permission.objects.filter(user=user_obj).order_by().values("pk")
        return by_role.union(own)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not getattr(user_obj, "is_active", False):
            return False
        return perm in self.get_all_permissions(user_obj, obj)
