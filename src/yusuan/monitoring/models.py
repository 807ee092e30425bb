"""What monitoring found on payment requests (DOMAIN §2.12), and each region's levels and thresholds
(R-MO-14). A finding belongs to a request, so monitoring sits above payments and reaches it through
payments' release-check hook (ADR 0025)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.core.models.base import ScopedQuerySet, TimestampedModel


class FindingStatus(models.TextChoices):
    """R-MO-14, the flow of DOMAIN §2.12: 生成 → 核实 → 认定正常 / 整改; yellow and blue are
    cleared by the unit's written explanation."""

    GENERATED = "generated", _("Generated")  # 生成
    EXPLAINED = "explained", _("Explained by the unit, awaiting review")  # 核实
    NORMAL = "normal", _("Confirmed normal")  # 认定正常
    RECTIFY = "rectify", _("Sent back for rectification")  # 整改
    CLEARED = "cleared", _("Cleared by the unit's explanation")  # yellow / blue
    NOTED = "noted", _("Reminder, nothing to do")  # 提示
    CLOSED = "closed", _("Rectified and closed")  # 整改销号


class Level(models.TextChoices):
    """DOMAIN §2.12 warn_level (gray is not used)."""

    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    BLUE = "blue", _("Blue")


class Outcome(models.TextChoices):
    PASS = "pass", _("Pass")  # noqa: S105  (an outcome, not a password)
    REMIND = "remind", _("Reminder")
    WARN = "warn", _("Warning")
    BLOCK = "block", _("Block")


class FindingSource(models.TextChoices):
    BEFORE = "before", _("Before the voucher")  # 事中
    SCAN = "scan", _("After-the-fact scan")  # 事后


class MonitoringFinding(models.Model):
    """What a monitoring rule found on a request before its voucher (DOMAIN §2.12), kept with the
    unit's explanation and, for red and orange, the reviewer's decision (R-MO-14)."""

    # Before the voucher: the request checked. After the fact (the scan): the request, the
    # indicator line (R-MO-9) or only the unit (R-MO-15) the finding is about.
    request = models.ForeignKey(
        "payments.PaymentRequest",
        on_delete=models.CASCADE,
        related_name="findings",
        null=True,
        blank=True,
    )
    round = models.PositiveIntegerField(_("approval round"), default=0)
    mof_div_code = models.CharField(_("region code"), max_length=9, blank=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("unit"),
    )
    indicator_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("indicator"),
    )
    source = models.CharField(
        _("found by"), max_length=8, choices=FindingSource.choices, default=FindingSource.BEFORE
    )
    # A scan's finding names what it is about (rule, subject, period): a later scan that finds
    # the same does not add it again.
    key = models.CharField(max_length=160, null=True, blank=True)
    found_on = models.DateField(_("found on"), null=True, blank=True)
    # The inquiry (问询单) that asks the unit about it, for the scan's findings.
    inquiry = models.ForeignKey(
        "monitoring.Inquiry",
        on_delete=models.PROTECT,
        related_name="findings",
        null=True,
        blank=True,
        verbose_name=_("inquiry"),
    )
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
        constraints = [models.UniqueConstraint(fields=["key"], name="monitoring_finding_key")]
        indexes = [models.Index(fields=["mof_div_code", "source", "status"], name="finding_scan")]

    def __str__(self) -> str:
        return f"{self.rule} {self.outcome}"


class RuleSettings(models.Model):
    """One version of a region's monitoring levels and thresholds (R-MO-14): data, not settings.
    Append-only: an edit adds the next version; the highest version is in force."""

    mof_div_code = models.CharField(_("region"), max_length=9)
    version = models.PositiveIntegerField(_("version"))
    levels = models.JSONField(_("levels"), default=dict)  # {"R-MO-1": "red", ...}
    # Per rule: {"enabled": bool, "action": remind | warn | block, "params": {...}} (catalogue.CATALOGUE).
    tuning = models.JSONField(_("rules' tuning"), default=dict)
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


class InquiryState(models.TextChoices):
    """问询单 (DOMAIN §2.12): 下发 → 单位核实 → 财政认定 (正常: closed) or 整改 → 整改报告 → 销号."""

    ISSUED = "issued", _("Issued, awaiting the unit's verification")  # 下发，待单位核实
    VERIFYING = "verifying", _("Verified by the unit, awaiting finance's decision")  # 待认定
    RECTIFYING = "rectifying", _("Rectification required")  # 整改中
    RECTIFY_REVIEW = "rectify_review", _("Rectification reported, awaiting closing")  # 待销号
    NORMAL = "normal", _("Confirmed normal, closed")  # 认定正常
    CLOSED = "closed", _("Rectified and closed")  # 整改销号
    BREACH = "breach", _("Breach confirmed, closed without rectification")  # 认定违规（驳回）


class Inquiry(TimestampedModel):
    """A finance monitoring officer's inquiry (问询单) to a unit about findings of the monitoring
    rules, answered and decided through the approval engine (document type
    ``monitoring.inquiry``): the unit's verification (核实) and later its rectification report
    (整改) are the submissions; the monitoring officer approves (认定正常 / 销号), returns (退回)
    or rejects a verification (认定违规，须整改)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    number = models.CharField(_("inquiry number"), max_length=20, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    question = models.TextField(_("suspected irregularity (疑似违规说明)"))
    answer_due = models.DateField(_("verification due"))
    state = models.CharField(
        _("state"), max_length=16, choices=InquiryState.choices, default=InquiryState.ISSUED
    )
    answer = models.TextField(_("unit's verification (核实意见)"), blank=True)
    # The monitoring officer's decision on a verification, taken with the approval: normal
    # closes it, rectify sends the unit to rectify by ``rectify_due`` (a new round).
    decision = models.CharField(_("decision"), max_length=8, blank=True)
    rectify_due = models.DateField(_("rectification due"), null=True, blank=True)
    rectification = models.TextField(_("rectification report (整改情况)"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    # The unit's person who submitted the last reply: the engine keeps them from deciding it.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("answered by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "number"], name="inquiry_number")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def due(self) -> Any:
        """The date the unit's current reply is due (None once it is with finance or closed)."""
        if self.state == InquiryState.ISSUED:
            return self.answer_due
        if self.state == InquiryState.RECTIFYING:
            return self.rectify_due
        return None
