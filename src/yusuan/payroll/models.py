"""Salary batches (工资统发, R-PY-4; ADR 0012): a salary sheet as imported, one row per employee,
and the one payment request that pays it. Payroll sits above payments: a batch points at its
request, payments never at a batch."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.core.models.base import ScopedQuerySet, TimestampedModel
from yusuan.payments.models import PaymentRequest
from yusuan.payroll.choices import PayrollState, PersonnelCheck


class PayrollBatch(TimestampedModel):
    """A salary sheet (工资发放明细表) as imported (R-PY-4): the file kept as evidence, its totals
    per salary item and deduction, and — once matched to salary indicator lines — the one
    payment request that pays it (one line per employee, one per deduction)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    number = models.CharField(_("batch number"), max_length=20, editable=False)
    month = models.PositiveSmallIntegerField(_("salary month"))
    file_name = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    file = models.BinaryField(_("file content"))
    employees = models.PositiveIntegerField(_("employees"))
    gross = models.BigIntegerField(_("gross pay"))
    deductions = models.BigIntegerField(_("deductions"))
    net = models.BigIntegerField(_("net pay"))
    # {economic code: fen}, {deduction name: fen}
    items = models.JSONField(_("salary items"), default=dict)
    deduction_totals = models.JSONField(_("deductions by kind"), default=dict)
    # [[item code, indicator line id, fen], …] once the request is generated
    matches = models.JSONField(_("matching"), default=list)
    state = models.CharField(
        _("state"), max_length=12, choices=PayrollState.choices, default=PayrollState.IMPORTED
    )
    # R-PS-5 (ADR 0045): how the sheet was checked against the personnel database, and what the
    # check found that did not block: [{code, rule, field, row, value, limit, message_zh,
    # message_en, reason}, …]; a finding with a ``reason`` was explained on the sheet (差异说明).
    personnel_check = models.CharField(
        _("personnel database check"),
        max_length=12,
        choices=PersonnelCheck.choices,
        default=PersonnelCheck.NO_DATABASE,
    )
    findings = models.JSONField(_("personnel database findings"), default=list)
    request = models.OneToOneField(
        PaymentRequest,
        on_delete=models.PROTECT,
        related_name="payroll",
        null=True,
        blank=True,
        verbose_name=_("payment request"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("salary batch")
        verbose_name_plural = _("salary batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "number"], name="payroll_no_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class PayrollEmployee(models.Model):
    """One row of the salary sheet: who is paid, where, and how the net pay was made up."""

    batch = models.ForeignKey(PayrollBatch, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField(_("sheet row"))
    name = models.CharField(_("name"), max_length=60)
    id_number = models.CharField(_("resident ID number"), max_length=18)
    account_no = models.CharField(_("bank account number"), max_length=32)
    bank_name = models.CharField(_("bank"), max_length=120)
    items = models.JSONField(_("salary items"), default=dict)
    gross = models.BigIntegerField(_("gross pay"))
    deductions = models.BigIntegerField(_("deductions"))
    net = models.BigIntegerField(_("net pay"))
    # R-PS-5: the sheet's 差异说明 (补发, 扣发 …), and the person's monthly standard by economic
    # class in the personnel database at import ({code: fen}; None when not checked).
    reason = models.CharField(_("reason for a difference"), max_length=200, blank=True)
    standard = models.JSONField(_("standard in the personnel database"), null=True, blank=True)

    class Meta:
        verbose_name = _("salary sheet row")
        ordering = ["batch_id", "row"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row"], name="payroll_row_unique"),
            models.UniqueConstraint(fields=["batch", "id_number"], name="payroll_person_once"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.row}"


class PayrollContribution(models.Model):
    """One employer contribution of a salary batch (单位缴费, R-PY-13; ADR 0031): the unit's
    pension (30108), annuity (30109), medical (30110), unemployment and work-injury (30112) or
    housing-fund (30113) share for the month, computed at import from the employees' bases (or
    read from the sheet's 单位… columns). It is paid by its own payment request to the agency,
    charged to indicator lines of its own economic and functional codes — never the salary
    lines."""

    batch = models.ForeignKey(PayrollBatch, on_delete=models.CASCADE, related_name="contributions")
    item = models.CharField(_("economic code"), max_length=5)
    name = models.CharField(_("name"), max_length=60)
    base = models.BigIntegerField(_("contribution base"))
    rate_bp = models.PositiveIntegerField(_("rate (basis points)"))
    amount = models.BigIntegerField(_("amount"))
    # [{"name", "rate_bp" (None when read from the sheet), "amount", "from_sheet"}, …]
    components = models.JSONField(_("components"), default=list)
    # [[indicator line id, fen], …] once the request is generated
    matches = models.JSONField(_("matching"), default=list)
    request = models.ForeignKey(
        PaymentRequest,
        on_delete=models.PROTECT,
        related_name="payroll_contributions",
        null=True,
        blank=True,
        verbose_name=_("payment request"),
    )

    class Meta:
        verbose_name = _("employer contribution")
        verbose_name_plural = _("employer contributions")
        ordering = ["batch_id", "item"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "item"], name="payroll_contribution_once"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payroll_contribution_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.item}"
