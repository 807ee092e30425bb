"""Reads with meaning for identity: the incompatible-role report (P6)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from yusuan.common.scope import Scope
from yusuan.identity.models import IncompatibleRolePair, User


@dataclass(frozen=True)
class RoleConflict:
    user: User
    first_role: str
    second_role: str
    reason: str


def user_list_visible_to(*, scope: Scope) -> QuerySet[User]:
    users = User.objects.filter(organisation__mof_div_code__in=scope.mof_div_codes)
    if scope.organisation_ids is not None:
        users = users.filter(organisation_id__in=scope.organisation_ids)
    return users.select_related("organisation").prefetch_related("roles")


def incompatible_role_holders(*, scope: Scope) -> list[RoleConflict]:
    """Users who hold both roles of an incompatible pair in their one organisation."""
    pairs = list(IncompatibleRolePair.objects.select_related("first", "second"))
    conflicts: list[RoleConflict] = []
    for user in (
        user_list_visible_to(scope=scope)
        .filter(is_active=True)
        .order_by("organisation__code", "username")
    ):
        held = {role.pk for role in user.roles.all()}
        for pair in pairs:
            if pair.first_id in held and pair.second_id in held:
                conflicts.append(RoleConflict(user, pair.first.name, pair.second.name, pair.reason))
    return conflicts
