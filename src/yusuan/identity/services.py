"""Identity services: roles sync, user and token administration, separation of duties."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.identity.models import ApiToken, GridPreference, IncompatibleRolePair, Role, User
from yusuan.identity.roles import INCOMPATIBLE_PAIRS, ROLE_CATALOGUE

TOKEN_PREFIX_LENGTH = 8


def roles_sync() -> int:
    """Create or refresh the catalogue roles and add missing incompatible pairs. Idempotent."""
    permissions = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for spec in ROLE_CATALOGUE:
        role, _ = Role.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "name_en": spec.name_en,
                "organisation_kinds": list(spec.organisation_kinds),
                "division_types": list(spec.division_types),
            },
        )
        missing = [name for name in spec.permissions if name not in permissions]
        assert not missing, f"role {spec.code} names unknown permissions {missing}"
        role.permissions.set([permissions[name] for name in spec.permissions])
    roles = {r.code: r for r in Role.objects.all()}
    for first, second, reason in INCOMPATIBLE_PAIRS:
        IncompatibleRolePair.objects.get_or_create(
            first=roles[first], second=roles[second], defaults={"reason": reason}
        )
    return len(ROLE_CATALOGUE)


def role_errors(*, organisation: Organisation, roles: Iterable[Role]) -> list[ErrorDetail]:
    errors = []
    for role in roles:
        allowed_kind = organisation.kind in role.organisation_kinds
        allowed_division = (
            not role.division_types
            or organisation.kind != "finance_division"
            or organisation.division_type in role.division_types
        )
        if not (allowed_kind and allowed_division):
            errors.append(
                ErrorDetail(
                    code="identity.role_not_allowed",
                    field="roles",
                    value=role.code,
                    limit=",".join(role.organisation_kinds),
                    message_zh=f"岗位“{role.name}”不能由 {organisation.name} 担任",
                    message_en=f"Role '{role.name_en}' cannot be held in {organisation.name}",
                )
            )
    return errors


@dataclass(frozen=True)
class UserData:
    username: str
    full_name: str
    organisation_id: int
    role_codes: tuple[str, ...]
    email: str = ""
    is_system_account: bool = False


@transaction.atomic
def user_create(
    *,
    actor: Actor | None,
    data: UserData,
    password: str | None,
    password_is_temporary: bool | None = None,
) -> User:
    """Create a user; ``actor`` None only for the bootstrap and the demo generator.

    The password must pass the password validators. One an administrator chose is temporary:
    the user is made to change it at the first sign-in. By default it is temporary exactly when
    an administrator (``actor``) sets it; the bootstrap and the demo (no actor) set passwords
    their users already know. An agent bank's users are system accounts (API tokens only)."""
    organisation = Organisation.objects.get(pk=data.organisation_id)
    if actor is not None:
        ensure_permission(actor, "identity.add_user")
        ensure_in_scope(
            actor, mof_div_code=organisation.mof_div_code, organisation_id=organisation.pk
        )
    roles = list(Role.objects.filter(code__in=data.role_codes))
    unknown = set(data.role_codes) - {r.code for r in roles}
    errors = [
        ErrorDetail(
            code="identity.role_unknown",
            field="roles",
            value=code,
            message_zh=f"岗位“{code}”不存在",
            message_en=f"Unknown role '{code}'",
        )
        for code in sorted(unknown)
    ]
    errors += role_errors(organisation=organisation, roles=roles)
    if User.objects.filter(username=data.username).exists():
        errors.append(
            ErrorDetail(
                code="identity.username_taken",
                field="username",
                value=data.username,
                message_zh=f"用户名“{data.username}”已存在",
                message_en=f"User name '{data.username}' is taken",
            )
        )
    system_account = data.is_system_account or organisation.kind == OrganisationKind.BANK
    user = User(
        username=data.username,
        full_name=data.full_name,
        organisation=organisation,
        email=data.email,
        is_system_account=system_account,
        password_changed_at=timezone.now(),
    )
    if password:
        errors += password_errors(password, user)
    raise_if_any(errors)
    if password:
        user.set_password(password)
        temporary = actor is not None if password_is_temporary is None else password_is_temporary
        user.must_change_password = temporary and not system_account
    else:
        user.set_unusable_password()
    user.save()
    user.roles.set(roles)
    audit_record(
        action="identity.user.create",
        actor=actor,
        obj=user,
        mof_div_code=organisation.mof_div_code,
        changes={
            "username": [None, user.username],
            "organisation": [None, organisation.code],
            "roles": [None, sorted(data.role_codes)],
        },
        extra={
            "system_account": user.is_system_account,
            "must_change_password": user.must_change_password,
        },
    )
    return user


def password_errors(password: str, user: User) -> list[ErrorDetail]:
    """The password validators' objections, one error each, beside the password field."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    def objections(language: str) -> list[str]:
        # The validators translate their messages when they raise: once in each language.
        with translation.override(language):
            try:
                validate_password(password, user)
            except ValidationError as exc:
                return [str(message) for message in exc.messages]
        return []

    chinese, english = objections("zh-hans"), objections("en")
    return [
        ErrorDetail(
            code="identity.weak_password",
            field="password",
            message_zh=zh,
            message_en=en,
        )
        for zh, en in zip(chinese, english, strict=True)
    ]


def ensure_different_actor(
    *,
    actor: Actor,
    step: str,
    earlier_steps: dict[str, object | None],
    document: str = "",
    field: str = "",
) -> None:
    """R-PY-6: the person acting at ``step`` performed none of the ``earlier_steps`` of the document.

    ``earlier_steps`` maps a step name (entry, review, approval, signing) to the user (or user id)
    who performed it. Workflows of every later module call this inside their service.
    """
    actor_id = actor.pk
    for earlier, performer in earlier_steps.items():
        performer_id = getattr(performer, "pk", performer)
        if performer_id is not None and performer_id == actor_id:
            raise BusinessRuleError(
                [
                    ErrorDetail(
                        code="identity.same_actor",
                        rule="R-PY-6",
                        field=field or step,
                        value=actor.username,
                        limit=earlier,
                        message_zh=f"{document}：同一人不能既做“{earlier}”又做“{step}”（不相容岗位）",
                        message_en=f"{document}: the same person cannot perform both '{earlier}' and '{step}'",
                    )
                ],
                status=403,
            )


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; only its hash is stored


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# What a token may be limited to; each API endpoint names the one it needs (``require``).
# ``identity`` (user administration, the SoD report) and ``audit`` (the log, for an auditor's tools)
# joined with issue 14's API parity: what a page shows or does, an operation does.
API_TOKEN_APPS = (
    "core",
    "identity",
    "audit",
    "workflow",
    "projects",
    "personnel",
    "indicators",
    "budgeting",
    "payments",
    "accounting",
)
API_SCOPES = tuple(f"{app}:{mode}" for app in API_TOKEN_APPS for mode in ("read", "write"))
# Approvals need no permission of their own (the inbox is everyone's; each step is checked).
OPEN_SCOPE_APPS = frozenset({"workflow"})


def api_scopes_allowed(user: User) -> list[str]:
    """The scopes the user's roles can use: ``app:read`` with any permission of the app,
    ``app:write`` with any that is more than viewing, and none for a read-only role (an
    auditor: not even ``workflow:write``, open to everyone else). A token only ever narrows the roles, so a
    scope beyond them would be dead weight that misleads whoever reads the token list."""
    held = user.get_all_permissions() if user.is_active else set()
    read_only = user.is_read_only
    allowed = []
    for scope in API_SCOPES:
        app, mode = scope.split(":")
        names = [p.split(".", 1)[1] for p in held if p.startswith(f"{app}.")]
        if mode == "write" and read_only:
            continue  # an auditor's token reads, whatever the app
        if (
            app in OPEN_SCOPE_APPS
            or (mode == "read" and names)
            or (mode == "write" and any(not n.startswith("view_") for n in names))
        ):
            allowed.append(scope)
    return allowed


def _token_errors(*, user: User, scopes: list[str], lifetime: int) -> list[ErrorDetail]:
    errors = []
    allowed = api_scopes_allowed(user)
    for scope in scopes:
        if scope not in allowed:
            errors.append(
                ErrorDetail(
                    code="identity.token_scope_not_allowed",
                    field="scopes",
                    value=scope,
                    limit=",".join(allowed),
                    message_zh=f"用户 {user.username} 的岗位不能使用 API 范围 {scope}",
                    message_en=f"The roles of {user.username} cannot use API scope {scope}",
                )
            )
    if not scopes:
        errors.append(
            ErrorDetail(
                code="identity.token_scope_required",
                field="scopes",
                message_zh="至少选择一个 API 范围",
                message_en="Choose at least one API scope",
            )
        )
    longest = settings.YUSUAN_API_TOKEN_MAX_DAYS
    if not 1 <= lifetime <= longest:
        errors.append(
            ErrorDetail(
                code="identity.token_lifetime",
                field="days",
                value=lifetime,
                limit=f"1–{longest}",
                message_zh=f"有效期 {lifetime} 天不在 1–{longest} 天之内",
                message_en=f"A lifetime of {lifetime} days is outside 1–{longest} days",
            )
        )
    return errors


def _ensure_may_issue_token_for(actor: Actor, user: User) -> None:
    """A person issues tokens for themselves only; an administrator also for the system accounts
    (an agent bank's) in their scope, never for another person, who could then be acted as."""
    if actor.pk == user.pk:
        return
    ensure_permission(actor, "identity.add_apitoken")
    ensure_in_scope(actor, mof_div_code=user.mof_div_code, organisation_id=user.organisation_id)
    if not user.is_system_account:
        raise BusinessRuleError(
            [
                ErrorDetail(
                    code="identity.token_for_another_person",
                    rule="DESIGN-7",
                    field="user",
                    value=user.username,
                    limit="system accounts",
                    message_zh=f"不能为他人（{user.username}）签发 API 令牌：个人令牌只能由本人签发，"
                    "管理员只能为系统账户签发",
                    message_en=f"An API token cannot be issued for another person ({user.username}): "
                    "people issue their own; administrators issue them for system accounts only",
                )
            ],
            status=403,
        )


def _ensure_may_revoke_token_of(actor: Actor, user: User) -> None:
    """A person revokes their own tokens; an administrator anyone's in their scope."""
    if actor.pk == user.pk:
        return
    ensure_permission(actor, "identity.change_apitoken")
    ensure_in_scope(actor, mof_div_code=user.mof_div_code, organisation_id=user.organisation_id)


def ensure_not_read_only(actor: Actor, action: str) -> None:
    """A read-only role (an auditor) writes nothing, whatever else it may see: a 403."""
    if getattr(actor, "is_read_only", False):
        raise BusinessRuleError(
            [
                ErrorDetail(
                    code="identity.read_only_role",
                    rule="DESIGN-7",
                    value=actor.username,
                    limit=action,
                    message_zh=f"只读岗位（如审计）不能执行此操作：{action}",
                    message_en=f"A read-only role (such as the auditor) cannot do this: {action}",
                )
            ],
            status=403,
        )


@transaction.atomic
def api_token_issue(
    *, actor: Actor | None, user: User, name: str, scopes: Iterable[str], days: int | None = None
) -> IssuedToken:
    """Issue a token for ``user``: their own (``actor`` is the user) or, for an administrator,
    a system account's of their scope (a bank's), never another person's. ``actor`` None only
    for the demo."""
    if actor is not None:
        _ensure_may_issue_token_for(actor, user)
    wanted = sorted(set(scopes))
    lifetime = days if days is not None else settings.YUSUAN_API_TOKEN_DAYS
    raise_if_any(_token_errors(user=user, scopes=wanted, lifetime=lifetime))
    key = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=key[:TOKEN_PREFIX_LENGTH],
        key_hash=_hash_key(key),
        scopes=wanted,
        expires_at=timezone.now() + dt.timedelta(days=lifetime),
    )
    token.save()
    audit_record(
        action="identity.api_token.issue",
        actor=actor,
        obj=token,
        mof_div_code=user.mof_div_code,
        extra={
            "user": user.username,
            "prefix": token.prefix,
            "scopes": token.scopes,
            "expires_at": timezone.localtime(token.expires_at).isoformat(timespec="seconds"),
        },
    )
    return IssuedToken(token, key)


def api_token_authenticate(key: str) -> ApiToken | None:
    """Constant-work lookup by hash; expired or revoked tokens do not authenticate."""
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_hash=_hash_key(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def api_token_claimed_holder(key: str) -> User | None:
    """Whose token a key that does not authenticate claims to be: the holder of the tokens that
    begin like it (the prefix lists show), if exactly one person holds them; else None."""
    prefix = key[:TOKEN_PREFIX_LENGTH]
    if len(prefix) < TOKEN_PREFIX_LENGTH:
        return None
    holders = list(
        User.objects.filter(api_tokens__prefix=prefix).select_related("organisation").distinct()[:2]
    )
    return holders[0] if len(holders) == 1 else None


def password_change_required_error() -> BusinessRuleError:
    """The API's 403 for a user who must first change the password an administrator chose:
    their session and their tokens alike."""
    return BusinessRuleError(
        [
            ErrorDetail(
                code="identity.password_change_required",
                field="password",
                message_zh="请先在网页上修改管理员设置的初始密码",
                message_en="Change the password an administrator set (on the web pages) first",
            )
        ],
        status=403,
    )


def ensure_token_holder_may_act(user: User) -> None:
    """A token works only while its holder could work in a session: not before they have
    changed a password an administrator chose."""
    if user.must_change_password:
        raise password_change_required_error()


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> bool:
    """Revoke a token: the holder's own, or an administrator any in their scope. ``False`` if it
    was already revoked (and nothing is recorded twice)."""
    _ensure_may_revoke_token_of(actor, token.user)
    return _revoke(actor=actor, token=token)


def _revoke(*, actor: Actor, token: ApiToken, reason: str = "") -> bool:
    now = timezone.now()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not revoked:
        return False
    token.revoked_at = now
    extra = {"user": token.user.username, "prefix": token.prefix}
    if reason:
        extra["reason"] = reason
    audit_record(
        action="identity.api_token.revoke",
        actor=actor,
        obj=token,
        mof_div_code=token.user.mof_div_code,
        extra=extra,
    )
    return True


def password_changed(*, user: User) -> None:
    """Recorded after Django's password-change form has saved the new hash; a temporary
    password is a temporary one no more."""
    with transaction.atomic(durable=True):
        User.objects.filter(pk=user.pk).update(
            password_changed_at=timezone.now(), must_change_password=False
        )
        user.must_change_password = False
        audit_record(
            action="identity.password.change", actor=user, obj=user, mof_div_code=user.mof_div_code
        )


def _ensure_can_manage(actor: Actor, user: User) -> None:
    ensure_permission(actor, "identity.change_user")
    ensure_in_scope(actor, mof_div_code=user.mof_div_code, organisation_id=user.organisation_id)


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def user_set_roles(*, actor: Actor, user: User, role_codes: Iterable[str]) -> User:
    _ensure_can_manage(actor, user)
    wanted = sorted(set(role_codes))
    roles = list(Role.objects.filter(code__in=wanted))
    raise_if_any(role_errors(organisation=user.organisation, roles=roles))
    before = sorted(user.roles.values_list("code", flat=True))
    user.roles.set(roles)
    if before != wanted:
        audit_record(
            action="identity.user.roles",
            actor=actor,
            obj=user,
            mof_div_code=user.mof_div_code,
            changes={"roles": [before, wanted]},
        )
    return user


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def user_set_active(*, actor: Actor, user: User, is_active: bool) -> User:
    _ensure_can_manage(actor, user)
    if user.pk == actor.pk:
        raise_if_any(
            [
                ErrorDetail(
                    code="identity.self_deactivation",
                    field="is_active",
                    value=user.username,
                    message_zh="不能停用自己的账号",
                    message_en="You cannot deactivate your own account",
                )
            ]
        )
    if user.is_active != is_active:
        User.objects.filter(pk=user.pk).update(is_active=is_active)
        audit_record(
            action="identity.user.active",
            actor=actor,
            obj=user,
            mof_div_code=user.mof_div_code,
            changes={"is_active": [user.is_active, is_active]},
        )
        user.is_active = is_active
    return user


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def user_unlock(*, actor: Actor, user: User) -> int:
    """Clear the failed-login record of a locked-out account (django-axes)."""
    from axes.utils import reset

    _ensure_can_manage(actor, user)
    cleared = reset(username=user.username)
    audit_record(
        action="identity.user.unlock",
        actor=actor,
        obj=user,
        mof_div_code=user.mof_div_code,
        extra={"attempts_cleared": cleared},
    )
    return int(cleared)


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def user_set_password(*, actor: Actor, user: User, password: str) -> User:
    """An administrator's reset; the password policy applies as on the user's own change, the
    user must change it at the next sign-in (the administrator knows it), and every usable API
    token of the user is revoked (each revocation audited)."""
    _ensure_can_manage(actor, user)
    raise_if_any(password_errors(password, user))
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = not user.is_system_account
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit_record(
        action="identity.password.reset", actor=actor, obj=user, mof_div_code=user.mof_div_code
    )
    # Whoever knew the old password may have issued tokens with it: they end with it.
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("pk"):
        _revoke(actor=actor, token=token, reason="password_reset")
    return user


def grid_columns_remember(*, actor: User, grid: str, columns: list[str]) -> None:
    """The columns ``actor`` chose for a data grid (``common.grid``), shown until they choose
    again. A display preference of the person's own: no business record, no audit entry."""
    GridPreference.objects.update_or_create(
        user=actor, grid=grid[:60], defaults={"columns": [c[:40] for c in columns[:60]]}
    )
