"""Payment requests (支付申请) and their lines. DOMAIN §2.10; ADR 0011. A procurement request
cites a filed contract of ``yusuan.procurement`` (R-PY-3).

A line draws on one executable indicator line and keeps a read-only copy of its elements
(R-PY-2) and its own payee (a salary batch pays one employee per line, and one line can later be
refunded alone, P9). Money never lives here: submitting freezes each line's amount on the
indicator ledger, the bank's result pays or releases it (``yusuan.indicators.services.ledger``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yusuan.core.choices import PayeeKind
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel
from yusuan.payments.choices import (
    BusinessType,
    CorrectionState,
    LineState,
    RefundKind,
    RefundReason,
    RefundState,
    RequestState,
    SettlementMode,
    VoucherKind,
)


class PaymentRequest(TimestampedModel):
    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(
        _("region code"), max_length=9
    )  # (mof_div_code, number) is unique: its index leads with it
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    number = models.CharField(_("number"), max_length=20, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    business_type = models.CharField(
        _("business type"), max_length=16, choices=BusinessType.choices
    )
    settlement_mode = models.CharField(
        _("settlement mode"), max_length=12, choices=SettlementMode.choices
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    pay_date = models.DateField(_("payment date"))
    payer_account = models.ForeignKey(
        "core.BankAccount",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payer account"),
    )
    contract = models.ForeignKey(
        "procurement.Contract",
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
        verbose_name=_("contract"),
    )
    # R-GP-10: the payment-schedule node it pays (a contract with a schedule names one).
    instalment = models.ForeignKey(
        "procurement.ContractInstalment",
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
        verbose_name=_("contract instalment"),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=RequestState.choices, default=RequestState.DRAFT
    )
    explanation = models.TextField(_("explanation of warnings"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "number"], name="payment_no_unique")
        ]
        permissions = [
            ("send_to_bank", "Can send payment vouchers to the agent bank"),
            ("record_bank_result", "Can record the bank's payment results"),
            # R-PY-12: the treasury records the 人民银行国库's receipt for a 实拨 voucher.
            ("confirm_allocation", "Can record the treasury's receipt for an allocation"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total_fen(self) -> int:
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "lines" in cache:  # lists prefetch the lines
            return sum(line.amount for line in cache["lines"])
        return int(self.lines.aggregate(s=models.Sum("amount"))["s"] or 0)


class PaymentLine(models.Model):
    request = models.ForeignKey(
        PaymentRequest,
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,  # (request, row) is unique: that index serves the request's lines
    )
    row = models.PositiveIntegerField(_("row"))
    indicator_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        related_name="payment_lines",
        verbose_name=_("indicator"),
    )
    amount = models.BigIntegerField(_("amount"))
    # The indicator's elements at entry, read-only (R-PY-2).
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    exp_func_code = models.CharField(_("functional class"), max_length=16)
    dep_bgt_eco_code = models.CharField(_("department economic class"), max_length=16)
    gov_bgt_eco_code = models.CharField(_("government economic class"), max_length=16)
    fund_type_code = models.CharField(_("fund nature"), max_length=8)
    thr_exp_code = models.CharField(_("三公 category"), max_length=2, blank=True)
    is_gov_pur = models.BooleanField(_("government procurement"), default=False)
    is_sal = models.BooleanField(_("salary"), default=False)
    is_dir = models.BooleanField(_("direct funds"), default=False)
    # The payee of this line (a salary batch: one employee).
    payee = models.ForeignKey(
        "core.Payee", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    payee_kind = models.CharField(_("payee kind"), max_length=12, choices=PayeeKind.choices)
    payee_name = models.CharField(_("payee"), max_length=200)
    payee_account_no = models.CharField(_("payee account"), max_length=32)
    payee_bank_name = models.CharField(_("payee bank"), max_length=120)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    state = models.CharField(
        _("bank state"), max_length=8, choices=LineState.choices, default=LineState.OPEN
    )
    refunded = models.BigIntegerField(_("refunded"), default=0)

    class Meta:
        verbose_name = _("payment line")
        ordering = ["request_id", "row"]
        constraints = [
            models.UniqueConstraint(fields=["request", "row"], name="payment_line_row_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_line_positive"),
            models.CheckConstraint(
                condition=Q(refunded__gte=0) & Q(refunded__lte=models.F("amount")),
                name="payment_line_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.row}"


class PaymentCharge(models.Model):
    """Which indicator line bears how much of a payment line (ADR 0012).

    An ordinary line has one charge, on its own indicator line. A salary batch's lines are
    charged across the indicator lines its items were matched to (R-PY-4), so one employee's
    line may span two of them; the ledger is always moved by charges. ``restored`` is what
    same-year refunds gave back to this indicator line (R-RF-2); a correction (R-RF-5) moves
    part of a charge to another indicator line of the same unit.
    """

    line = models.ForeignKey(PaymentLine, on_delete=models.CASCADE, related_name="charges")
    indicator_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        related_name="payment_charges",
        verbose_name=_("indicator"),
    )
    amount = models.BigIntegerField(_("amount"))
    restored = models.BigIntegerField(_("restored by refunds"), default=0)

    class Meta:
        verbose_name = _("payment charge")
        ordering = ["line_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_charge_not_negative"),
            models.CheckConstraint(
                condition=Q(restored__gte=0) & Q(restored__lte=models.F("amount")),
                name="payment_charge_restored_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id}→{self.indicator_line_id}: {self.amount}"


class BankFile(models.Model):
    """One pain.001 file sent to one agent bank: the vouchers it carries, as sent. R-PY-9: only
    vouchers whose payer account that bank holds."""

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    bank = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("agent bank"),
    )
    message_id = models.CharField(_("message id"), max_length=35, unique=True)
    xml = models.TextField(_("file"))
    transfers = models.PositiveIntegerField(_("transfers"))
    total = models.BigIntegerField(_("total"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank file")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message_id


class BankResult(models.Model):
    """A bank's result for one payment line, kept once per (message, entry) of the bank (P11).

    For a 实拨 (R-PY-12) the 人民银行国库 is the bank: its receipt number is the message id and the
    line's end-to-end id the entry id (``services.allocation``)."""

    message_id = models.CharField(_("bank message id"), max_length=64)
    entry_id = models.CharField(_("bank entry id"), max_length=64)
    line = models.ForeignKey(
        "payments.PaymentLine",
        on_delete=models.PROTECT,
        related_name="bank_results",
        db_index=False,  # bank_result_once_per_line is the index on it
    )
    accepted = models.BooleanField(_("paid"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # R-PY-10: the day the bank says the money moved (its result message), which clearing uses;
    # not the day the system recorded the result.
    value_date = models.DateField(_("bank value date"), null=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank result")
        constraints = [
            models.UniqueConstraint(
                fields=["message_id", "entry_id"], name="bank_result_once_per_entry"
            ),
            # A line is settled once: paid or failed, never both, never twice.
            models.UniqueConstraint(fields=["line"], name="bank_result_once_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}/{self.entry_id}"


class PaymentVoucher(TimestampedModel):
    """支付凭证: issued once the request passed approval and monitoring; what the bank pays."""

    SCOPE_ORGANISATION_LOOKUP = "request__organisation_id"

    mof_div_code = models.CharField(
        _("region code"), max_length=9
    )  # (mof_div_code, number) is unique: its index leads with it
    number = models.CharField(_("voucher number"), max_length=20, editable=False)
    request = models.OneToOneField(PaymentRequest, on_delete=models.PROTECT, related_name="voucher")
    # R-PY-12: 实拨 vouchers (treasury to treasury) never go into an agent bank's file.
    kind = models.CharField(
        _("voucher kind"), max_length=12, choices=VoucherKind.choices, default=VoucherKind.PAYMENT
    )
    amount = models.BigIntegerField(_("amount"))
    amount_in_words = models.CharField(_("amount in words"), max_length=80)
    approvers = models.JSONField(_("approved by"), default=list)
    bank_file = models.ForeignKey(
        BankFile, on_delete=models.PROTECT, related_name="vouchers", null=True, blank=True
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment voucher")
        verbose_name_plural = _("payment vouchers")
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "number"], name="voucher_no_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class SecondPersonRecord(TimestampedModel):
    """What one person registers and another confirms (R-WF-1): refunds and corrections.
    ``services.second_person.locked_for_confirmation`` works on these fields and ``state``
    (``registered`` until confirmed)."""

    number: models.CharField[str, str]
    state: models.CharField[str, str]
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.number)


class Refund(SecondPersonRecord):
    """退回: one original payment line, part or all of it (R-RF-1, P9). Registered by the unit or
    matched from the bank's return; confirmed by another person, which restores the indicator in
    the same year (R-RF-2) or marks the money returned to the treasury (R-RF-3)."""

    SCOPE_ORGANISATION_LOOKUP = "line__request__organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    number = models.CharField(_("refund number"), max_length=20, editable=False)
    line = models.ForeignKey(PaymentLine, on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField(_("kind"), max_length=16, choices=RefundKind.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=RefundReason.choices)
    amount = models.BigIntegerField(_("amount"))
    refund_date = models.DateField(_("refund date"))
    bank_receipt_no = models.CharField(_("bank receipt number"), max_length=60, blank=True)
    same_year = models.BooleanField(_("same year"))
    state = models.CharField(
        _("state"), max_length=16, choices=RefundState.choices, default=RefundState.REGISTERED
    )

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "number"], name="refund_no_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]


class ClearingDay(models.Model):
    """清算 (R-PY-8, R-PY-10): one zero-balance account, held at one agent bank, on one bank
    value date, against one clearing source (R-PY-11: 国库单一账户 or 财政专户) — what the bank
    says it paid minus what came back, against the system's paid lines minus refunds of that
    value date; a difference stays open until someone else resolves it."""

    OPEN, MATCHED, RESOLVED = "open", "matched", "resolved"
    STATES = ((OPEN, _("Difference open")), (MATCHED, _("Matched")), (RESOLVED, _("Resolved")))
    TREASURY, SPECIAL = "treasury", "special"
    SOURCES = (
        (TREASURY, _("Treasury single account (国库单一账户)")),
        (SPECIAL, _("Fiscal special account (财政专户)")),
    )

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    bank = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("agent bank"),
    )
    account = models.ForeignKey(
        "core.BankAccount", on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    day = models.DateField(_("bank value date"))
    source = models.CharField(
        _("clearing source"), max_length=10, choices=SOURCES, default=TREASURY
    )
    bank_paid = models.BigIntegerField(_("paid by the bank"), default=0)
    bank_returned = models.BigIntegerField(_("returned to the account"), default=0)
    bank_total = models.BigIntegerField(_("bank total"))
    system_total = models.BigIntegerField(_("system total"))
    state = models.CharField(_("state"), max_length=10, choices=STATES)
    note = models.TextField(_("resolution"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("clearing day")
        ordering = ["-day", "account_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "day", "source"], name="clearing_once_per_day_and_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}"

    @property
    def difference(self) -> int:
        return self.bank_total - self.system_total


class Correction(SecondPersonRecord):
    """更正 (R-RF-5): part of a paid line is moved to another indicator line of the same unit; no
    money moves at the bank. Entered by the unit, confirmed by another person, which posts
    CORRECT_OUT on the old line and CORRECT_IN on the new one."""

    SCOPE_ORGANISATION_LOOKUP = "line__request__organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    number = models.CharField(_("correction number"), max_length=20, editable=False)
    line = models.ForeignKey(PaymentLine, on_delete=models.PROTECT, related_name="corrections")
    from_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from indicator"),
    )
    to_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to indicator"),
    )
    amount = models.BigIntegerField(_("amount"))
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=CorrectionState.choices,
        default=CorrectionState.REGISTERED,
    )

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "number"], name="correction_no_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="correction_amount_positive"),
        ]
