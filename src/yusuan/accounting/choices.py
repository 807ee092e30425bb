"""Choices of unit accounting (单位会计核算, DOMAIN §2.13, DOMAIN-2 §5)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Half(models.TextChoices):
    """平行记账 (R-AC-1): the two halves of a unit's books, each balancing on its own (R-AC-2)."""

    FINANCIAL = "fa", _("Financial accounting")  # 财务会计, accounts 1–5
    BUDGETARY = "ba", _("Budgetary accounting")  # 预算会计, accounts 6–8


class Category(models.TextChoices):
    ASSET = "asset", _("Assets")
    LIABILITY = "liability", _("Liabilities")
    NET_ASSETS = "net_assets", _("Net assets")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expenses")
    BUDGET_REVENUE = "budget_revenue", _("Budget revenue")
    BUDGET_EXPENDITURE = "budget_expenditure", _("Budget expenditure")
    BUDGET_BALANCE = "budget_balance", _("Budget balances")


# The first digit of an account code names its category (财会〔2017〕25号).
CATEGORY_OF_DIGIT = {
    "1": Category.ASSET,
    "2": Category.LIABILITY,
    "3": Category.NET_ASSETS,
    "4": Category.REVENUE,
    "5": Category.EXPENSE,
    "6": Category.BUDGET_REVENUE,
    "7": Category.BUDGET_EXPENDITURE,
    "8": Category.BUDGET_BALANCE,
}


class Side(models.TextChoices):
    DEBIT = "dr", _("Debit")
    CREDIT = "cr", _("Credit")


class QuotaModel(models.TextChoices):
    """DOMAIN §4: how treasury payments are booked in a region and year (R-AC-6)."""

    UNIFIED = "unified", _("Integrated (解释第5号, no 1011)")
    LEGACY = "legacy", _("Legacy quota model (1011)")


class UnitKind(models.TextChoices):
    """R-AC-11: 行政单位 book 7101 行政支出, 事业单位 7201 事业支出."""

    ADMINISTRATIVE = "administrative", _("Administrative unit")
    INSTITUTION = "institution", _("Public institution")


class PeriodState(models.TextChoices):
    OPEN = "open", pgettext_lazy("accounting period", "Open")
    CLOSED = "closed", pgettext_lazy("accounting period", "Closed")


class VoucherState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("voucher state", "Draft")  # 制单
    REVIEWED = "reviewed", pgettext_lazy("voucher state", "Reviewed")  # 审核
    POSTED = "posted", pgettext_lazy("voucher state", "Posted")  # 记账


class VoucherOrigin(models.TextChoices):
    GENERATED = "generated", _("Generated from a money event")
    MANUAL = "manual", _("Entered by hand")
    REVERSAL = "reversal", _("Red-ink reversal")
    OPENING = "opening", _("Opening balances")


class BudgetActivity(models.TextChoices):
    """R-AC-3: the basic-personnel / basic-public / project split of a budgetary line."""

    NONE = "", _("—")
    PERSONNEL = "personnel", _("Basic: personnel")  # 基本支出—人员经费
    PUBLIC = "public", _("Basic: public funds")  # 基本支出—日常公用经费
    PROJECT = "project", _("Project")  # 项目支出


class RuleEvent(models.TextChoices):
    """The money events a posting rule answers (ADR 0022 channels; DOMAIN-2 §5.2)."""

    INDICATOR_POSTED = "indicators.posted", _("Indicator posted")
    PAYMENT_SETTLED = "payments.settled", _("Payment paid by the bank")
    REFUND_CONFIRMED = "payments.refund_confirmed", _("Refund confirmed")
    CORRECTION_POSTED = "payments.correction_posted", _("Correction posted")
    PAYROLL_ACCRUED = "payroll.accrued", _("Salary or contributions accrued")
    DEPRECIATION = "accounting.depreciation", _("Depreciation and amortisation of a month")


class AssetKind(models.TextChoices):
    """What an asset card depreciates (E11): the asset account and its accumulated account."""

    FIXED = "1601", _("Fixed asset (1601, depreciated to 1602)")
    INTANGIBLE = "1701", _("Intangible asset (1701, amortised to 1702)")
    INFRASTRUCTURE = "1801", _("Public infrastructure (1801, to 1802)")
    HOUSING = "1831", _("Public housing (1831, to 1832)")
