from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.api import Id, IdempotencyKey, Rendered, api_actor, paged
from yusuan.identity.models import ApiToken
from yusuan.identity.selectors import access_api_token, api_token_list
from yusuan.identity.services import api_token_issue, api_token_revoke

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
    _session_actor(request)
    shown: dict[str, str] = {}

    def issue(actor: Any) -> dict[str, Any]:
        issued = api_token_issue(
            actor=actor, user=actor, name=payload.name, scopes=payload.scopes, days=payload.days
        )
        shown["key"] = issued.key
        return {**_token(issued.token), "key": None}  # what is stored for a replay: no key

    answer = write_once(
        request,
        response,
        api_scope="identity:write",  # never a token's (refused above): a session's
        key=idempotency_key,
        scope="api:identity.token.issue",
        body=payload.model_dump(),
        status=201,
        render=issue,
    )
    return Status(answer.status_code, {**answer.value, "key": shown.get("key")})


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
