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

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not getattr(user_obj, "is_active", False):
            return False
        return perm in self.get_all_permissions(user_obj, obj)
