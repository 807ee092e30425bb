from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ninja import Router, Schema

from yusuan.common.api import api_actor

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
