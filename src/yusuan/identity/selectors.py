"""Reads with meaning for identity: the incompatible-role report (P6)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from yusuan.common.actor import Actor
from yusuan.common.scope import Scope
from yusuan.identity.login_throttle import locked_usernames as locked_usernames
from yusuan.identity.models import ApiToken, IncompatibleRolePair, User


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


def api_token_list(*, actor: Actor, everyone: bool = False) -> QuerySet[ApiToken]:
    """The actor's own tokens; with ``everyone``, for an administrator, also every token held in
    their scope (system accounts' and people's own)."""
    visible = Q(user_id=actor.pk)
    if everyone and actor.has_perm("identity.change_apitoken"):
        scope = actor.scope
        in_scope = Q(user__organisation__mof_div_code__in=scope.mof_div_codes)
        if scope.organisation_ids is not None:
            in_scope &= Q(user__organisation_id__in=scope.organisation_ids)
        visible |= in_scope
    return (
        ApiToken.objects.filter(visible)
        .select_related("user", "user__organisation")
        .order_by("-created_at", "-pk")
    )


def access_api_token(*, actor: Actor, pk: int) -> ApiToken:
    """One's own token, or (for an administrator) one in their scope; else a 404."""
    token = api_token_list(actor=actor, everyone=True).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


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
