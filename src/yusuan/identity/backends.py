"""Permissions come from the user's roles (岗位), not from per-user grants."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleBackend(ModelBackend):
    def _get_group_permissions(self, user_obj: Any) -> Any:
        return Permission.objects.filter(role__users=user_obj)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not getattr(user_obj, "is_active", False):
            return False
        return perm in self.get_all_permissions(user_obj, obj)
