"""Reads with meaning for identity: the incompatible-role report (P6)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from axes.models import AccessAttempt

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


def access_user(*, scope: Scope, pk: int) -> User:
    """Another scope's user is a 404, like every other object."""
    user = user_list_visible_to(scope=scope).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def locked_usernames(usernames: list[str]) -> set[str]:
    """Accounts django-axes currently locks (failures at or over the limit within the cool-off)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


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
