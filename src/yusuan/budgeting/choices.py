"""Choice sets of budget preparation (预算编制, 两上两下; DOMAIN §3.3, DOMAIN-2 §4)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.budgeting.rules import UNIT_REVENUE_KINDS


class Stage(models.TextChoices):
    """The stage amounts of a budget line (R-BP-9), each written once."""

    APPLY_1 = "apply_1", _("一上 requested (申报数)")
    CONTROL = "control", _("一下 finance figure (财政审核数)")
    APPLY_2 = "apply_2", _("二上 requested")
    APPROVED = "approved", _("Approved (批复数)")
    # A changed 批复 (R-BP-12): the new figure, one row per change document.
    ADJUSTED = "adjusted", _("Changed 批复 (调整数)")


WRITE_ONCE_STAGES = (Stage.APPLY_1, Stage.CONTROL, Stage.APPLY_2, Stage.APPROVED)


class DraftStage(models.TextChoices):
    """The two rounds in which units send their drafts up."""

    APPLY_1 = "apply_1", _("一上")
    APPLY_2 = "apply_2", _("二上")


class DraftState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Side(models.TextChoices):
    REVENUE = "revenue", _("Revenue (收入)")
    EXPENDITURE = "expenditure", _("Expenditure (支出)")


class Part(models.TextChoices):
    """基本支出 / 项目支出: the split of control numbers (R-BP-1)."""

    BASIC = "basic", _("Basic expenditure (基本支出)")
    PROJECT = "project", _("Project expenditure (项目支出)")


class RevenueKind(models.TextChoices):
    """The revenue rows of a unit's budget (DOMAIN-2 §4.1). 财政拨款 rows are derived from the
    expenditure they fund; the rest are typed by the unit."""

    FISCAL = "fiscal", _("财政拨款收入")
    SPECIAL_ACCOUNT = "special", _("财政专户管理资金收入")
    BUSINESS = "business", _("事业收入")
    OPERATING = "operating", _("事业单位经营收入")
    SUPERIOR = "superior", _("上级补助收入")
    AFFILIATED = "affiliated", _("附属单位上缴收入")
    OTHER = "other", _("其他收入")
    CARRY_OVER = "carry_over", _("上年结转结余")


TYPED_REVENUE_KINDS = (
    RevenueKind.SPECIAL_ACCOUNT,
    RevenueKind.BUSINESS,
    RevenueKind.OPERATING,
    RevenueKind.SUPERIOR,
    RevenueKind.AFFILIATED,
    RevenueKind.OTHER,
    RevenueKind.CARRY_OVER,
)
assert set(UNIT_REVENUE_KINDS) <= set(RevenueKind.values)


class ControlState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued (已下达)")


class ReplyKind(models.TextChoices):
    FIRST = "first", _("批复")
    CHANGE = "change", _("批复调整")


class ReplyState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Under review")
    APPROVED = "approved", _("Approved (已批复)")
    REJECTED = "rejected", _("Rejected")
