"""Basic expenditure by quota, stored (R-PJ-5, R-PJ-8; ADR 0044).

``BasicRun`` is one computation of a region's budget year: the snapshot version and the standards
it read, who ran it, what changed since the previous run. ``BasicLine`` is a row of a unit's
人员经费测算表 or 公用经费测算表 in that run, with the inputs it used (rates, bases, quotas). Runs
and their lines are never changed: a recomputation is a new version, the latest is in force.
``BasicOverride`` is finance's figure for a unit's 人员类 or 公用经费 project with its reason,
append-only: the latest of a (unit, year, category) counts, and the computed figure stays beside it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yusuan.core.models.base import ScopedQuerySet


class BasicRun(models.Model):
    SCOPE_ORGANISATION_LOOKUP = None  # region-wide; its lines are scoped by their unit

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("budget year"))
    version = models.PositiveSmallIntegerField(_("version"))
    snapshot = models.ForeignKey(
        "personnel.BudgetSnapshot", on_delete=models.PROTECT, related_name="+"
    )
    snapshot_version = models.PositiveSmallIntegerField(_("snapshot version"))
    standards = models.JSONField(_("standards used"), default=dict)
    # Per unit: [agency type, function line, 编制数, vehicles] as read (the drill-down reuses them).
    inputs = models.JSONField(_("unit inputs used"), default=dict)
    units = models.PositiveIntegerField(_("units"), default=0)
    personnel_fen = models.BigIntegerField(_("personnel total"), default=0)
    public_fen = models.BigIntegerField(_("public funds total"), default=0)
    changes = models.JSONField(_("changes since the previous run"), default=list)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("basic expenditure computation")
        verbose_name_plural = _("basic expenditure computations")
        ordering = ["-fiscal_year", "-version"]
        permissions = [
            ("compute_basic", "May compute basic expenditure by quota (R-PJ-5)"),
            ("override_basic", "May override a computed basic expenditure figure (R-PJ-8)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "version"], name="basic_run_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mof_div_code} {self.fiscal_year} v{self.version}"


class BasicLine(models.Model):
    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("budget year"))
    run = models.ForeignKey(BasicRun, on_delete=models.PROTECT, related_name="lines")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    category = models.CharField(_("project category"), max_length=8)
    position = models.PositiveIntegerField(_("row"))
    economic_code = models.CharField(_("economic class"), max_length=16)
    functional_code = models.CharField(_("functional class"), max_length=16, blank=True)
    status = models.CharField(_("person category"), max_length=16, blank=True)
    label = models.CharField(_("item"), max_length=60)
    headcount = models.PositiveIntegerField(_("headcount"), default=0)
    standard_fen = models.BigIntegerField(_("standard"), default=0)
    multiplier = models.PositiveIntegerField(_("months or count"), default=0)
    rate_bp = models.PositiveIntegerField(_("rate (basis points)"), default=0)
    amount_fen = models.BigIntegerField(_("amount"))
    basis = models.JSONField(_("basis"), default=dict)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("basic expenditure row")
        verbose_name_plural = _("basic expenditure rows")
        ordering = ["run_id", "organisation_id", "category", "position"]
        indexes = [models.Index(fields=["run", "organisation", "category"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="basic_line_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.organisation_id} {self.economic_code} {self.amount_fen}"

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id


class BasicOverride(models.Model):
    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("budget year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    category = models.CharField(_("project category"), max_length=8)
    # None: the override is withdrawn and the computed figure counts again.
    amount_fen = models.BigIntegerField(_("amount set by finance"), null=True, blank=True)
    computed_fen = models.BigIntegerField(_("computed amount at the time"))
    run = models.ForeignKey(BasicRun, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("basic expenditure override")
        verbose_name_plural = _("basic expenditure overrides")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["mof_div_code", "fiscal_year", "organisation"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__isnull=True) | Q(amount_fen__gt=0),
                name="basic_override_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.fiscal_year} {self.category} {self.amount_fen}"

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id
