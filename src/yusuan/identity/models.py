"""Users belong to one organisation; roles (岗位) are data with their permissions."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.common.scope import Scope
from yusuan.identity.roles import READ_ONLY_ROLES


class Role(models.Model):
    """A post (岗位) of DESIGN §2; which organisations may hold it and what it may do."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80)
    organisation_kinds = models.JSONField(
        _("organisation kinds"),
        default=list,
        help_text=_("Kinds of organisation that may hold it."),
    )
    division_types = models.JSONField(
        _("division types"),
        default=list,
        blank=True,
        help_text=_("For finance-bureau roles: the division types that may hold it."),
    )
    permissions = models.ManyToManyField(Permission, verbose_name=_("permissions"), blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class IncompatibleRolePair(models.Model):
    """The incompatible-role matrix (不相容岗位): one person may not hold both in one unit (R-PY-6)."""

    first = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("incompatible role pair")
        verbose_name_plural = _("incompatible role pairs")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="incompatible_pair_unique"),
            models.CheckConstraint(
                condition=~models.Q(first=models.F("second")), name="incompatible_pair_distinct"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first} ≠ {self.second}"


class User(AbstractUser):
    """A person (or a system account such as an agent bank) of exactly one organisation."""

    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="users",
    )
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    is_system_account = models.BooleanField(_("system account"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an administrator chose the password; cleared by the user's change."),
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [
            ("view_sod_report", "Can view the incompatible-role report"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or self.username} ({self.username})"

    @property
    def mof_div_code(self) -> str:
        return self.organisation.mof_div_code

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id

    @cached_property
    def role_codes(self) -> tuple[str, ...]:
        if not self.pk:
            return ()
        return tuple(sorted(self.roles.values_list("code", flat=True)))

    @property
    def is_read_only(self) -> bool:
        """Holds no role that writes (an auditor, or no role at all): gets no API write scope and
        may neither comment on nor decide an approval."""
        return not any(code not in READ_ONLY_ROLES for code in self.role_codes)

    @cached_property
    def sees_whole_site(self) -> bool:
        """Whether the data scope covers the whole installation: a superuser, or a region-wide
        scope when every organisation of the installation is in its regions. Audit events tied to
        no region (a sign-in under a name nobody holds, an anonymous refusal) are shown to them
        only (ADR 0016)."""
        if self.is_superuser:
            return True
        scope = self.scope
        if not scope.is_region_wide or not scope.mof_div_codes:
            return False
        from yusuan.core.models import Organisation

        return not Organisation.objects.exclude(mof_div_code__in=scope.mof_div_codes).exists()

    @cached_property
    def scope(self) -> Scope:
        from yusuan.identity.scopes import scope_for_user

        return scope_for_user(self)


class ApiToken(models.Model):
    """A token for the API: a system account's (agent bank, data exchange) or a person's own.
    Only its SHA-256 is stored; the key is shown once, when it is issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("API scopes"), default=list, help_text=_("e.g. core:read"))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_organisation_id(self) -> int:
        return self.user.organisation_id

    @property
    def is_usable(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > timezone.now()


class GridPreference(models.Model):
    """The columns a person chose for a data grid (``common.grid``), kept until they choose again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grid_preferences")
    grid = models.CharField(_("grid"), max_length=60)
    columns = models.JSONField(_("columns"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grid preference")
        constraints = [
            models.UniqueConstraint(fields=["user", "grid"], name="grid_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.grid}"
