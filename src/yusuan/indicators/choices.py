"""Choice sets of the indicator module (DOMAIN §2.6, §2.7)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LineKind(models.TextChoices):
    PENDING = "pending", _("Pending allocation")
    EXECUTABLE = "executable", _("Executable")


class ThreePublic(models.TextChoices):
    """三公经费 category of a line (R-AJ-3); blank when the line is not 三公."""

    NONE = "", _("Not 三公")
    ABROAD = "1", _("Official travel abroad")
    CAR_PURCHASE = "2", _("Official vehicle purchase")
    CAR_RUNNING = "3", _("Official vehicle running costs")
    RECEPTION = "4", _("Official reception")


class DocumentKind(models.TextChoices):
    ISSUE = "issue", _("Issue (下达)")
    ALLOCATE = "allocate", _("Allocation (分解下达)")
    INCREASE = "increase", _("Supplementary increase (追加)")
    DECREASE = "decrease", _("Supplementary decrease (追减)")
    ADJUST = "adjust", _("Adjustment (调剂)")
    HOLD = "hold", _("Freeze (冻结)")
    RELEASE = "release", _("Unfreeze (解冻)")
    RECLAIM = "reclaim", _("Reclaim (收回)")


# Documents the finance side enters and a second officer posts; adjustments go through the
# approval engine instead (R-AJ-2).
DIRECT_KINDS = frozenset(
    {
        DocumentKind.ISSUE,
        DocumentKind.ALLOCATE,
        DocumentKind.INCREASE,
        DocumentKind.DECREASE,
        DocumentKind.HOLD,
        DocumentKind.RELEASE,
        DocumentKind.RECLAIM,
    }
)
# Kinds whose lines create a new indicator line at posting.
CREATING_KINDS = frozenset({DocumentKind.ISSUE, DocumentKind.ALLOCATE})


class DocumentState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("In approval")
    POSTED = "posted", _("Effective")
    REJECTED = "rejected", _("Rejected")
    VOID = "void", _("Void")


class MovementKind(models.TextChoices):
    ISSUE = "ISSUE", _("Issued (下达)")
    ALLOCATE_OUT = "ALLOCATE_OUT", _("Allocated out")
    ALLOCATE_IN = "ALLOCATE_IN", _("Allocated in")
    INCREASE = "INCREASE", _("Increase")
    DECREASE = "DECREASE", _("Decrease")
    ADJUST_OUT = "ADJUST_OUT", _("Adjusted out")
    ADJUST_IN = "ADJUST_IN", _("Adjusted in")
    HOLD = "HOLD", _("Frozen by finance")
    UNHOLD = "UNHOLD", _("Unfrozen by finance")
    RECLAIM = "RECLAIM", _("Reclaimed")
    RECLAIM_IN = "RECLAIM_IN", _("Reclaimed back from a child line")
    RESERVE = "RESERVE", _("Reserved for a contract")
    UNRESERVE = "UNRESERVE", _("Contract reservation released")
    FREEZE = "FREEZE", _("Frozen for a payment")
    UNFREEZE = "UNFREEZE", _("Payment freeze released")
    PAY = "PAY", _("Paid")
    REFUND_RESTORE = "REFUND_RESTORE", _("Same-year refund restored")
    CORRECT_OUT = "CORRECT_OUT", _("Payment corrected to another line")
    CORRECT_IN = "CORRECT_IN", _("Payment corrected from another line")


class SupplementState(models.TextChoices):
    """追加申请 (R-AJ-7): a unit's request for more money, approved through the engine and then
    answered by finance with an 追加 document."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("In approval")
    APPROVED = "approved", _("Approved")
    ANSWERED = "answered", _("Answered with an increase")
    REJECTED = "rejected", _("Rejected")


class SourceKind(models.TextChoices):
    """Where an indicator's money comes from (R-IN-7, DOMAIN-2 C3)."""

    # (a) an approved budget line; a placeholder entered by finance until budget preparation
    # (批复, R-BP-12) exists.
    BUDGET_LINE = "budget_line", _("Approved budget line (批复)")
    # (b) 待分 pots held by finance.
    FINANCE_POT = "finance_pot", _("Held by finance for later issue (财政代编)")
    TRANSFER = "transfer", _("Upper-level transfer received (上级转移支付)")
    RESERVE = "reserve", _("General reserve fund (预备费)")
    # R-BP-8: before the people's congress approves the budget, up to last year's same period;
    # trued up by the 批复's generation.
    PROVISIONAL = "provisional", _("Before the congress approval (预拨, R-BP-8)")
    # (c) a row of a 预算调整 record (R-AJ-7).
    ADJUSTMENT = "adjustment", _("Budget adjustment (预算调整)")
    # Money issued before sources existed (the data migration's opening sources).
    LEGACY = "legacy", _("Opening balance (before sources)")


# 预备费 is budgeted under functional class 227 (R-IN-7).
RESERVE_FUNCTIONAL_CLASS = "227"


class SourceDrawKind(models.TextChoices):
    OPEN = "OPEN", _("Source opened")
    DRAW = "DRAW", _("Drawn by an issue or increase")
    RETURN = "RETURN", _("Returned by a decrease or reclaim")
