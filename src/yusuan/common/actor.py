"""What services need of whoever acts: identity, roles, scope and permissions.

Defined here so that the data centre and the audit app can type their services without importing
the identity app above them (DESIGN §3 layering).
"""

from __future__ import annotations

from typing import Any, Protocol

from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.common.scope import Scope


class Actor(Protocol):
    pk: Any
    username: str

    @property
    def scope(self) -> Scope: ...

    @property
    def role_codes(self) -> tuple[str, ...]: ...

    def has_perm(self, perm: str, obj: Any = None) -> bool: ...


class PermissionDeniedError(BusinessRuleError):
    def __init__(self, permission: str) -> None:
        super().__init__(
            [
                ErrorDetail(
                    code="permission_denied",
                    rule="DESIGN-7",
                    value=permission,
                    message_zh=f"当前岗位无此操作权限（{permission}）",
                    message_en=f"Your role does not allow this action ({permission})",
                )
            ],
            status=403,
        )


def ensure_permission(actor: Actor, permission: str) -> None:
    """Checked once per request in the view and again here, inside the write service."""
    if not actor.has_perm(permission):
        raise PermissionDeniedError(permission)


def ensure_in_scope(actor: Actor, *, mof_div_code: str, organisation_id: int | None) -> None:
    """Another scope's object is indistinguishable from a missing one (a 404)."""
    if not actor.scope.covers(mof_div_code=mof_div_code, organisation_id=organisation_id):
        raise NotFoundError()
