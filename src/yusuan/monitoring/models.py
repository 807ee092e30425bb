"""What monitoring found on payment requests (DOMAIN §2.12), and each region's levels and thresholds
(R-MO-14). A finding belongs to a request, so monitoring sits above payments and reaches it through
payments' release-check hook (ADR 0025)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FindingStatus(models.TextChoices):
    """R-MO-14, the flow of DOMAIN §2.12: 生成 → 核实 → 认定正常 / 整改; yellow and blue are
    cleared by the unit's written explanation."""

    GENERATED = "generated", _("Generated")  # 生成
    EXPLAINED = "explained", _("Explained by the unit, awaiting review")  # 核实
    NORMAL = "normal", _("Confirmed normal")  # 认定正常
    RECTIFY = "rectify", _("Sent back for rectification")  # 整改
    CLEARED = "cleared", _("Cleared by the unit's explanation")  # yellow / blue


class Level(models.TextChoices):
    """DOMAIN §2.12 warn_level (gray is not used)."""

    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    BLUE = "blue", _("Blue")


class Outcome(models.TextChoices):
    PASS = "pass", _("Pass")  # noqa: S105  (an outcome, not a password)
    WARN = "warn", _("Warning")
    BLOCK = "block", _("Block")


class MonitoringFinding(models.Model):
    """What a monitoring rule found on a request before its voucher (DOMAIN §2.12), kept with the
    unit's explanation and, for red and orange, the reviewer's decision (R-MO-14)."""

    request = models.ForeignKey(
        "payments.PaymentRequest", on_delete=models.CASCADE, related_name="findings"
    )
    round = models.PositiveIntegerField(_("approval round"))
    rule = models.CharField(_("rule"), max_length=12)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    row = models.IntegerField(_("row"), null=True, blank=True)
    value = models.CharField(_("value"), max_length=40, blank=True)
    limit = models.CharField(_("limit"), max_length=40, blank=True)
    message_zh = models.CharField(max_length=300)
    message_en = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=FindingStatus.choices, default=FindingStatus.GENERATED
    )
    explanation = models.TextField(_("unit's explanation"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("explained by"),
    )
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reviewer's opinion"), blank=True)

    class Meta:
        verbose_name = _("monitoring finding")
        ordering = ["request_id", "round", "pk"]
        permissions = [("review_finding", "Decide red and orange findings (监控岗, R-MO-14)")]

    def __str__(self) -> str:
        return f"{self.rule} {self.outcome}"


class RuleSettings(models.Model):
    """One version of a region's monitoring levels and thresholds (R-MO-14): data, not settings.
    Append-only: an edit adds the next version; the highest version is in force."""

    mof_div_code = models.CharField(_("region"), max_length=9)
    version = models.PositiveIntegerField(_("version"))
    levels = models.JSONField(_("levels"), default=dict)  # {"R-MO-1": "red", ...}
    cash_single_warn = models.BigIntegerField(_("cash, single: warning"))
    cash_single_block = models.BigIntegerField(_("cash, single: block"))
    cash_month_warn = models.BigIntegerField(_("cash, month to date: warning"))
    cash_month_block = models.BigIntegerField(_("cash, month to date: block"))
    cash_year_warn = models.BigIntegerField(_("cash, year to date: warning"))
    cash_year_block = models.BigIntegerField(_("cash, year to date: block"))
    note = models.CharField(_("reason for the change"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("monitoring rule settings")
        ordering = ["mof_div_code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "version"], name="monitoring_settings_one_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mof_div_code} v{self.version}"
