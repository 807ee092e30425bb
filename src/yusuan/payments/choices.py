"""Choices of the payments module (DOMAIN §2.10, §2.11)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessType(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary (普通)")
    SALARY = "salary", _("Salary (工资)")
    CARD_REPAYMENT = "card_repayment", _("Official card repayment (公务卡还款)")
    PROCUREMENT = "procurement", _("Government procurement (政府采购)")


class SettlementMode(models.TextChoices):
    TRANSFER = "transfer", _("Transfer (转账)")
    CARD = "card", _("Official card (公务卡)")
    CASH = "cash", _("Cash (现金)")


class VoucherKind(models.TextChoices):
    """R-PY-12 (DOMAIN §2.0): a 支付凭证 goes to the agent bank of a zero-balance account; a 实拨
    voucher (PAY_ALLOCATION_CERT) moves money treasury to treasury and goes into no bank file."""

    PAYMENT = "payment", _("Payment voucher (支付凭证)")
    ALLOCATION = "allocation", _("Allocation voucher (实拨资金凭证)")


class RequestState(models.TextChoices):
    """DOMAIN §2.10: draft → submitted (frozen) → approved → voucher issued → at bank → paid."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("In approval")
    APPROVED = "approved", _("Approved, awaiting monitoring and voucher")
    PENDING_EXPLANATION = "pending_explanation", _("Warning: explanation needed")
    # R-MO-14: a red or orange warning explained by the unit waits for the monitoring officer.
    PENDING_REVIEW = "pending_review", _("Warning: awaiting the monitoring officer's review")
    BLOCKED = "blocked", _("Blocked by monitoring")
    VOUCHER_ISSUED = "voucher_issued", _("Voucher issued")
    AT_BANK = "at_bank", _("At the bank")
    PAID = "paid", _("Paid")
    PARTLY_FAILED = "partly_failed", _("Partly failed")
    FAILED = "failed", _("Failed")
    CLEARED = "cleared", _("Cleared")
    REJECTED = "rejected", _("Rejected")
    VOID = "void", _("Void")


# States in which the request's lines hold frozen money (released on leaving them).
FROZEN_STATES = frozenset(
    {
        RequestState.SUBMITTED,
        RequestState.APPROVED,
        RequestState.PENDING_EXPLANATION,
        RequestState.PENDING_REVIEW,
        RequestState.VOUCHER_ISSUED,
        RequestState.AT_BANK,
    }
)


class LineState(models.TextChoices):
    OPEN = "open", _("Not yet paid")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed at the bank")


class RefundKind(models.TextChoices):
    """DOMAIN §2.11: the money never arrived (退票), or the payee sent it back (退款)."""

    BANK_RETURN = "bank_return", _("Bank return (退票)")
    PAYEE_REFUND = "payee_refund", _("Payee refund (退款)")


class RefundReason(models.TextChoices):
    WRONG_ACCOUNT = "wrong_account", _("Payee account wrong")
    RETURNED = "returned", _("Returned by the payee")
    OVERPAID = "overpaid", _("Overpaid")
    ERROR = "error", _("Paid in error")


class RefundState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    RESTORED = "restored", _("Indicator restored (same year)")
    TO_TREASURY = "to_treasury", _("Returned to the treasury (prior year)")


class CorrectionState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    POSTED = "posted", _("Posted")
