from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.api import Id, IdempotencyKey, Rendered, api_actor, paged, require
from yusuan.identity.models import ApiToken, User
from yusuan.identity.selectors import (
    access_api_token,
    access_user,
    api_token_list,
    incompatible_role_holders,
    locked_usernames,
    user_list_visible_to,
)
from yusuan.identity.services import (
    UserData,
    api_token_issue,
    api_token_revoke,
    user_create,
    user_set_active,
    user_set_password,
    user_set_roles,
    user_unlock,
)

router = Router(tags=["identity"])


class ScopeOut(Schema):
    mof_div_codes: list[str]
    organisation_count: int | None
    label: str


class MeOut(Schema):
    username: str
    full_name: str
    organisation_id: int
    organisation_code: str
    organisation_name: str
    roles: list[str]
    scope: ScopeOut


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    """Who am I, in which organisation, with which roles and data scope."""
    user = api_actor(request)
    scope = user.scope
    return {
        "username": user.username,
        "full_name": user.full_name,
        "organisation_id": user.organisation_id,
        "organisation_code": user.organisation.code,
        "organisation_name": user.organisation.name,
        "roles": list(user.role_codes),
        "scope": {
            "mof_div_codes": sorted(scope.mof_div_codes),
            "organisation_count": None
            if scope.organisation_ids is None
            else len(scope.organisation_ids),
            "label": scope.label,
        },
    }


# --- Personal API tokens ------------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    username: str = Field(description="the holder")
    name: str
    prefix: str = Field(description="the key's first characters, to recognise it")
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    usable: bool


class IssuedTokenOut(TokenOut):
    key: str | None = Field(
        description="The token itself, in this answer only (only its SHA-256 is kept); "
        "null when a retry with the same Idempotency-Key replays the answer."
    )


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    scopes: list[str] = Field(min_length=1, max_length=8, description="e.g. core:read")
    days: int = Field(90, ge=1, le=3660, description="lifetime; the server's maximum applies")


def _token(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "username": token.user.username,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "usable": token.is_usable,
    }


def _session_actor(request: HttpRequest) -> Any:
    """Tokens are managed by a signed-in person: a token cannot mint its own successor (which
    would outlive every expiry) nor list its siblings."""
    if getattr(request, "api_token_scopes", None) is not None:
        raise PermissionDeniedError("session (API tokens are managed from a signed-in session)")
    return api_actor(request)


@router.get("/tokens", response=list[TokenOut])
@paged(50)
def list_tokens(request: HttpRequest, everyone: bool = False) -> Any:
    """The caller's own tokens, newest first; ``everyone=true`` for an administrator: every token
    held in their scope."""
    actor = _session_actor(request)
    return Rendered(api_token_list(actor=actor, everyone=everyone), _token)


def _issue(
    request: HttpRequest,
    response: HttpResponse,
    *,
    payload: TokenIn,
    key: str | None,
    scope: str,
    holder: Callable[[Any], User],
    permission: str | None = None,
) -> Status[Any]:
    """Issue a token to ``holder(actor)``, from a session only. The key is in this answer only;
    the stored answer (a replay's) has ``key: null``, as the key is never stored."""
    _session_actor(request)
    shown: dict[str, str] = {}

    def issue(actor: Any) -> dict[str, Any]:
        issued = api_token_issue(
            actor=actor,
            user=holder(actor),
            name=payload.name,
            scopes=payload.scopes,
            days=payload.days,
        )
        shown["key"] = issued.key
        return {**_token(issued.token), "key": None}  # what is stored for a replay: no key

    answer = write_once(
        request,
        response,
        permission=permission,
        api_scope="identity:write",  # never a token's (refused above): a session's
        key=key,
        scope=scope,
        body=payload.model_dump(),
        status=201,
        render=issue,
    )
    return Status(answer.status_code, {**answer.value, "key": shown.get("key")})


@router.post("/tokens", response={201: IssuedTokenOut})
def issue_token(
    request: HttpRequest,
    response: HttpResponse,
    payload: TokenIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Issue a personal token with chosen scopes (only those the caller's roles can use) and a
    lifetime. The key is in this answer only; a replay of the same ``Idempotency-Key`` answers
    with the token but ``key: null`` (the key is never stored)."""
    return _issue(
        request,
        response,
        payload=payload,
        key=idempotency_key,
        scope="api:identity.token.issue",
        holder=lambda actor: actor,
    )


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
def revoke_token(
    request: HttpRequest,
    response: HttpResponse,
    token_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Revoke one of the caller's tokens (an administrator: any token in scope). Revoking a
    revoked token changes nothing and answers with it."""
    actor = _session_actor(request)
    token = access_api_token(actor=actor, pk=token_id)

    def revoke(actor: Any) -> dict[str, Any]:
        api_token_revoke(actor=actor, token=token)
        return _token(token)

    return write_once(
        request,
        response,
        api_scope="identity:write",  # never a token's (refused above): a session's
        key=idempotency_key,
        scope="api:identity.token.revoke",
        body={"token_id": token_id},
        status=200,
        render=revoke,
    )


# --- User administration: what the user pages do (system administrators; auditors read) --------


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    organisation_id: int
    organisation_code: str
    organisation_name: str
    roles: list[str]
    is_active: bool
    is_system_account: bool
    must_change_password: bool
    locked: bool = Field(description="locked out by failed sign-ins (an unlock clears it)")


def _user(user: User, locked: set[str]) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "organisation_id": user.organisation_id,
        "organisation_code": user.organisation.code,
        "organisation_name": user.organisation.name,
        "roles": sorted(role.code for role in user.roles.all()),
        "is_active": user.is_active,
        "is_system_account": user.is_system_account,
        "must_change_password": user.must_change_password,
        "locked": user.username in locked,
    }


def _one_user(user: User) -> dict[str, Any]:
    return _user(user, locked_usernames([user.username]))


class _UserPage(Rendered[dict[str, Any]]):
    """A page of users with their lockout read once for the page, as the list page does."""

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        users = list(self.queryset[index])
        locked = locked_usernames([u.username for u in users])
        return [_user(u, locked) for u in users]


@router.get("/users", response=list[UserOut])
@paged(50)
def list_users(request: HttpRequest, q: str = "") -> Any:
    """The users of the caller's scope, by organisation and name; ``q`` searches the user name,
    full name and organisation name (as the page)."""
    actor = require(request, "identity.view_user", "identity:read")
    users = user_list_visible_to(scope=actor.scope).order_by("organisation__code", "username")
    if text := q.strip():
        users = users.filter(
            Q(username__icontains=text)
            | Q(full_name__icontains=text)
            | Q(organisation__name__icontains=text)
        )
    return _UserPage(users, _one_user)


@router.get("/users/{user_id}", response=UserOut)
def get_user(request: HttpRequest, user_id: Id) -> dict[str, Any]:
    actor = require(request, "identity.view_user", "identity:read")
    return _one_user(access_user(scope=actor.scope, pk=user_id))


class UserIn(Schema):
    username: str = Field(pattern=r"^[A-Za-z0-9_.-]{3,40}$", max_length=40)
    full_name: str = Field(min_length=1, max_length=60)
    organisation_id: Id
    roles: list[str] = Field(default_factory=list, max_length=32, description="role codes")
    password: str | None = Field(
        None,
        max_length=128,
        description="initial password (the user changes it at the first sign-in); none for a "
        "system account that works with API tokens only",
    )


@router.post("/users", response={201: UserOut})
def create_user(
    request: HttpRequest,
    response: HttpResponse,
    payload: UserIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A user of an organisation in the caller's scope, with roles the organisation's kind
    allows. The password is never stored in the idempotency record (only a digest of the body)."""

    def render(actor: Any) -> dict[str, Any]:
        user = user_create(
            actor=actor,
            data=UserData(
                username=payload.username,
                full_name=payload.full_name,
                organisation_id=access_organisation_id(actor, payload.organisation_id),
                role_codes=tuple(payload.roles),
                is_system_account=not payload.password,
            ),
            password=payload.password or None,
        )
        return _one_user(user)

    return write_once(
        request,
        response,
        permission="identity.add_user",
        api_scope="identity:write",
        key=idempotency_key,
        scope="api:identity.user.create",
        body=payload.model_dump(),
        status=201,
        render=render,
    )


def access_organisation_id(actor: Any, organisation_id: int) -> int:
    """An organisation the caller sees (the page offers no other), else a 404."""
    from yusuan.core.selectors import access_organisation

    return access_organisation(actor=actor, pk=organisation_id).pk


def _user_write(
    request: HttpRequest,
    response: HttpResponse,
    *,
    user_id: int,
    key: str | None,
    action: str,
    body: dict[str, Any],
    call: Any,
) -> Status[Any]:
    """One of the user page's actions: the page's permission (``identity.change_user``), the user
    looked up in the caller's scope (another scope's: 404), the answer the user after it."""

    def render(actor: Any) -> dict[str, Any]:
        user = access_user(scope=actor.scope, pk=user_id)
        call(actor, user)
        return _one_user(access_user(scope=actor.scope, pk=user_id))

    return write_once(
        request,
        response,
        permission="identity.change_user",
        api_scope="identity:write",
        key=key,
        scope=f"api:identity.user.{action}:{user_id}",
        body=body,
        status=200,
        render=render,
    )


class RolesIn(Schema):
    roles: list[str] = Field(max_length=32, description="role codes: the user's whole set")


@router.put("/users/{user_id}/roles", response=UserOut)
def set_user_roles(
    request: HttpRequest,
    response: HttpResponse,
    user_id: Id,
    payload: RolesIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Grant and withdraw roles: the user holds exactly these afterwards (R-ID rules on which
    roles an organisation's kind allows)."""
    return _user_write(
        request,
        response,
        user_id=user_id,
        key=idempotency_key,
        action="roles",
        body=payload.model_dump(),
        call=lambda actor, user: user_set_roles(actor=actor, user=user, role_codes=payload.roles),
    )


@router.post("/users/{user_id}/activate", response=UserOut)
def activate_user(
    request: HttpRequest,
    response: HttpResponse,
    user_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    return _user_write(
        request,
        response,
        user_id=user_id,
        key=idempotency_key,
        action="activate",
        body={},
        call=lambda actor, user: user_set_active(actor=actor, user=user, is_active=True),
    )


@router.post("/users/{user_id}/deactivate", response=UserOut)
def deactivate_user(
    request: HttpRequest,
    response: HttpResponse,
    user_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The user can no longer sign in nor use a token; one's own account cannot be deactivated."""
    return _user_write(
        request,
        response,
        user_id=user_id,
        key=idempotency_key,
        action="deactivate",
        body={},
        call=lambda actor, user: user_set_active(actor=actor, user=user, is_active=False),
    )


@router.post("/users/{user_id}/unlock", response=UserOut)
def unlock_user(
    request: HttpRequest,
    response: HttpResponse,
    user_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Clear the failed sign-ins that locked the account out."""
    return _user_write(
        request,
        response,
        user_id=user_id,
        key=idempotency_key,
        action="unlock",
        body={},
        call=lambda actor, user: user_unlock(actor=actor, user=user),
    )


class PasswordIn(Schema):
    password: str = Field(min_length=1, max_length=128)


@router.post("/users/{user_id}/password", response=UserOut)
def reset_user_password(
    request: HttpRequest,
    response: HttpResponse,
    user_id: Id,
    payload: PasswordIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """An administrator's reset: the password policy applies, the user changes it at the next
    sign-in, and every usable token of the user is revoked. Only a session may reset (a token
    could otherwise take over the accounts it administers without anyone signing in)."""
    _session_actor(request)
    return _user_write(
        request,
        response,
        user_id=user_id,
        key=idempotency_key,
        action="password",
        body=payload.model_dump(),
        call=lambda actor, user: user_set_password(
            actor=actor, user=user, password=payload.password
        ),
    )


@router.post("/users/{user_id}/tokens", response={201: IssuedTokenOut})
def issue_user_token(
    request: HttpRequest,
    response: HttpResponse,
    user_id: Id,
    payload: TokenIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """An administrator issues a token for a system account (the agent bank's interface), as the
    user page does; another person's token is theirs to issue. From a session only."""

    def system_account(actor: Any) -> User:
        holder = access_user(scope=actor.scope, pk=user_id)
        if not holder.is_system_account or not actor.has_perm("identity.add_apitoken"):
            raise PermissionDeniedError("identity.add_apitoken (system accounts only)")
        return holder

    return _issue(
        request,
        response,
        payload=payload,
        key=idempotency_key,
        scope=f"api:identity.user.token:{user_id}",
        holder=system_account,
        permission="identity.change_user",
    )


class RoleConflictOut(Schema):
    user_id: int
    username: str
    full_name: str
    organisation_name: str
    first_role: str
    second_role: str
    reason: str


@router.get("/sod-report", response=list[RoleConflictOut])
def sod_report(request: HttpRequest) -> list[dict[str, Any]]:
    """不相容岗位: active users of the caller's scope who hold both roles of an incompatible pair
    (P6)."""
    actor = require(request, "identity.view_sod_report", "identity:read")
    return [
        {
            "user_id": c.user.pk,
            "username": c.user.username,
            "full_name": c.user.full_name,
            "organisation_name": c.user.organisation.name,
            "first_role": c.first_role,
            "second_role": c.second_role,
            "reason": c.reason,
        }
        for c in incompatible_role_holders(scope=actor.scope)
    ]
