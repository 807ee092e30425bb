"""Budget preparation (预算编制, 两上两下; DOMAIN §3.3, DOMAIN-2 §4; ADR 0046).

``BudgetRound`` is a region's budget year with its calendar (R-BP-7) and the people's-congress
approval. ``BudgetLine`` is one line of a unit's budget, revenue or expenditure, carried through
every stage; the clerk edits its working ``amount_fen`` while the unit's draft is a draft, and each
stage's figure is written once into the append-only ``BudgetLineAmount`` (R-BP-9) when the stage
is decided. ``BudgetDraft`` is a unit's submission of a stage (一上, 二上) through the approval
engine. ``ControlIssue`` and its ``ControlNumber`` rows are finance's 一下 控制数 for a department
(R-BP-1). ``Reply`` is a 批复 to a department; ``ReplyLine`` the figure of each line, and
``GeneratedIndicator`` the indicator line each approved line became (R-BP-12), unique per
(budget line, 批复) so the one-click generation runs once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yusuan.budgeting.choices import (
    ControlState,
    DraftStage,
    DraftState,
    Part,
    ReplyKind,
    ReplyState,
    RevenueKind,
    Side,
    Stage,
)
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel


class BudgetRound(TimestampedModel):
    """A region's budget year in preparation (编制年度) and its calendar (R-BP-7)."""

    SCOPE_ORGANISATION_LOOKUP = None  # region-wide: every unit works in it

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("budget year"))
    name = models.CharField(_("name"), max_length=120)
    apply_1_due = models.DateField(_("一上 due"))
    control_due = models.DateField(_("一下 control numbers due"))
    apply_2_due = models.DateField(_("二上 due"))
    congress_due = models.DateField(_("draft to the people's congress due"))
    # The people's congress approval (R-BP-7, R-BP-8): recorded once by the budget division.
    congress_decision_no = models.CharField(
        _("people's congress decision"), max_length=120, blank=True
    )
    congress_date = models.DateField(_("people's congress approval date"), null=True, blank=True)
    congress_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget round")
        verbose_name_plural = _("budget rounds")
        ordering = ["-fiscal_year"]
        permissions = [
            ("manage_round", "May open a budget round and record the people's congress approval"),
            ("issue_control", "May set and issue 一下 control numbers (R-BP-1)"),
            ("reply_budget", "May enter a 批复 and generate its indicators (R-BP-12)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year"], name="budget_round_year"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BudgetDraft(TimestampedModel):
    """A unit's budget at one stage (一上 or 二上), sent up through the approval engine."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("budget year"))
    round = models.ForeignKey(BudgetRound, on_delete=models.PROTECT, related_name="drafts")
    number = models.CharField(_("number"), max_length=32, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    department = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("stage"), max_length=8, choices=DraftStage.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=DraftState.choices, default=DraftState.DRAFT
    )
    note = models.TextField(_("note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget draft")
        verbose_name_plural = _("budget drafts")
        ordering = ["round_id", "organisation__path", "stage"]
        permissions = [("prepare_budget", "May prepare a unit's budget draft (一上, 二上)")]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation", "stage"], name="budget_draft_unit_stage"
            )
        ]

    def __str__(self) -> str:
        return self.number


class BudgetLine(TimestampedModel):
    """One line of a unit's budget for the year, revenue or expenditure (DOMAIN-2 §4.1)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("budget year"))
    round = models.ForeignKey(BudgetRound, on_delete=models.PROTECT, related_name="lines")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    department = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("row"))
    side = models.CharField(_("side"), max_length=12, choices=Side.choices)
    revenue_kind = models.CharField(
        _("revenue"), max_length=12, choices=RevenueKind.choices, blank=True
    )
    part = models.CharField(_("basic or project"), max_length=8, choices=Part.choices, blank=True)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    exp_func_code = models.CharField(_("functional class"), max_length=16, blank=True)
    dep_bgt_eco_code = models.CharField(_("department economic class"), max_length=16, blank=True)
    fund_type_code = models.CharField(_("fund nature"), max_length=8, blank=True)
    # R-BP-10/R-BP-11: spent from last year's carry-over rather than new money.
    carry_over = models.BooleanField(_("from last year's carry-over"), default=False)
    pay_type_code = models.CharField(_("payment type"), max_length=8, blank=True)
    acc_type = models.CharField(_("account type"), max_length=24, blank=True)
    is_gov_pur = models.BooleanField(_("government procurement"), default=False)
    pur_item = models.CharField(_("procurement catalogue item (品目)"), max_length=40, blank=True)
    is_gov_service = models.BooleanField(_("government purchase of services"), default=False)
    # R-BP-15: the item of the region's catalogue of purchasable services.
    service_item = models.CharField(_("service catalogue item"), max_length=16, blank=True)
    is_asset = models.BooleanField(_("new asset (新增资产配置)"), default=False)
    # R-BP-14: 会议费/培训费 as people × days × standard.
    people = models.PositiveIntegerField(_("people"), null=True, blank=True)
    days = models.PositiveIntegerField(_("days"), null=True, blank=True)
    standard_fen = models.BigIntegerField(_("standard per person-day"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    # The working figure while the unit's draft is a draft; each stage's figure is written once
    # in BudgetLineAmount (R-BP-9).
    amount_fen = models.BigIntegerField(_("amount"), default=0)
    # System lines: 人员类/公用经费 computed (R-PJ-8) and 财政拨款 revenue derived.
    computed = models.BooleanField(_("computed by the system"), default=False)
    removed = models.BooleanField(_("removed from the draft"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["organisation_id", "side", "position"]
        indexes = [
            models.Index(fields=["round", "department", "side"]),
            models.Index(fields=["round", "organisation", "side"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="budget_line_not_negative"),
            models.UniqueConstraint(
                fields=["round", "organisation", "position"], name="budget_line_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}#{self.position}"

    @property
    def source_key(self) -> tuple[str, bool]:
        return (self.fund_type_code, self.carry_over)


class BudgetLineAmount(models.Model):
    """A stage figure of a budget line (R-BP-9): written once, never changed (trigger)."""

    SCOPE_ORGANISATION_LOOKUP = "line__organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="amounts")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    amount_fen = models.BigIntegerField(_("amount"))
    draft = models.ForeignKey(
        BudgetDraft, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    control = models.ForeignKey(
        "budgeting.ControlIssue", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reply = models.ForeignKey(
        "budgeting.Reply", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget line stage amount")
        verbose_name_plural = _("budget line stage amounts")
        ordering = ["line_id", "written_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "stage"],
                condition=~Q(stage=Stage.ADJUSTED),
                name="budget_amount_once_per_stage",
            ),
            models.UniqueConstraint(
                fields=["line", "reply"],
                condition=Q(stage=Stage.ADJUSTED),
                name="budget_amount_once_per_change",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0), name="budget_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.stage} {self.amount_fen}"


class ControlIssue(TimestampedModel):
    """一下: finance's control numbers for one department (R-BP-1), immutable once issued."""

    SCOPE_ORGANISATION_LOOKUP = "department_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("budget year"))
    round = models.ForeignKey(BudgetRound, on_delete=models.PROTECT, related_name="controls")
    department = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=32, editable=False)
    doc_no = models.CharField(_("document number (文号)"), max_length=60, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=ControlState.choices, default=ControlState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("control number issue")
        verbose_name_plural = _("control number issues")
        ordering = ["round_id", "department__path"]
        constraints = [
            models.UniqueConstraint(fields=["round", "department"], name="control_issue_department")
        ]

    def __str__(self) -> str:
        return self.number


class ControlNumber(models.Model):
    """One 控制数: a department's ceiling for one fund type and basic/project part (R-BP-1)."""

    SCOPE_ORGANISATION_LOOKUP = "issue__department_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    issue = models.ForeignKey(ControlIssue, on_delete=models.CASCADE, related_name="numbers")
    fund_type_code = models.CharField(_("fund nature"), max_length=8)
    part = models.CharField(_("basic or project"), max_length=8, choices=Part.choices)
    amount_fen = models.BigIntegerField(_("control number"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("control number")
        verbose_name_plural = _("control numbers")
        ordering = ["issue_id", "fund_type_code", "part"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "fund_type_code", "part"], name="control_number_key"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="control_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.fund_type_code} {self.part} {self.amount_fen}"


class ControlLine(models.Model):
    """一下: finance's figure (财政审核数, FIN_AUDIT_MONEY) for one project line it will fund
    (DOMAIN-2 §4.1), filled in the department's rank order (R-PJ-6)."""

    SCOPE_ORGANISATION_LOOKUP = "issue__department_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    issue = models.ForeignKey(ControlIssue, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("finance figure (财政审核数)"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("finance figure of a project line")
        verbose_name_plural = _("finance figures of project lines")
        ordering = ["issue_id", "line_id"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "line"], name="control_line_once"),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0), name="control_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.line_id} {self.amount_fen}"


class Reply(TimestampedModel):
    """批复: finance approves a department's budget (R-BP-7, R-BP-12); a change is a new one."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("budget year"))
    round = models.ForeignKey(BudgetRound, on_delete=models.PROTECT, related_name="replies")
    # The department replied to (the engine routes by it).
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReplyKind.choices)
    number = models.CharField(_("number"), max_length=32, editable=False)
    doc_no = models.CharField(_("批复 document number (文号)"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ReplyState.choices, default=ReplyState.DRAFT
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # The department's own 批复 to its units (R-BP-7: within 15 days), recorded by it.
    units_replied_on = models.DateField(_("replied to units on"), null=True, blank=True)
    generated_at = models.DateTimeField(_("indicators generated at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget reply (批复)")
        verbose_name_plural = _("budget replies (批复)")
        ordering = ["round_id", "organisation__path", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation"],
                condition=Q(kind=ReplyKind.FIRST),
                name="reply_first_once",
            )
        ]

    def __str__(self) -> str:
        return self.number


class ReplyLine(models.Model):
    """The figure a 批复 gives one budget line (a change: the new figure)."""

    SCOPE_ORGANISATION_LOOKUP = "line__organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("approved amount"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("批复 line")
        verbose_name_plural = _("批复 lines")
        ordering = ["reply_id", "line_id"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "line"], name="reply_line_once"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="reply_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.reply_id} {self.line_id} {self.amount_fen}"


class GeneratedIndicator(models.Model):
    """R-BP-12: what the one-click generation made of one approved line under one 批复 — the
    indicator line (a first 批复) or the 追加/追减 document row (a change). Unique per (budget line,
    批复): a second run finds it and creates nothing."""

    SCOPE_ORGANISATION_LOOKUP = "line__organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="generated")
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="generated")
    indicator = models.ForeignKey(
        "indicators.IndicatorLine", on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        "indicators.IndicatorDocument", on_delete=models.PROTECT, related_name="+"
    )
    # The money the generation moved for this line: the figure, or a change's difference.
    delta_fen = models.BigIntegerField(_("amount"))
    created_at = models.DateTimeField(_("created at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("generated indicator")
        verbose_name_plural = _("generated indicators")
        ordering = ["reply_id", "line_id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "reply"], name="generated_once_per_reply")
        ]

    def __str__(self) -> str:
        return f"{self.reply_id} {self.line_id} → {self.indicator_id}"


class ProvisionalIndicator(models.Model):
    """R-BP-8: the indicator issued for a basic line before the people's congress approved the
    budget; the 批复's generation trues it up to the approved figure instead of issuing another."""

    SCOPE_ORGANISATION_LOOKUP = "line__organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    line = models.OneToOneField(BudgetLine, on_delete=models.PROTECT, related_name="provisional")
    indicator = models.ForeignKey(
        "indicators.IndicatorLine", on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        "indicators.IndicatorDocument", on_delete=models.PROTECT, related_name="+"
    )
    amount_fen = models.BigIntegerField(_("amount"))
    created_at = models.DateTimeField(_("created at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("provisional indicator")
        verbose_name_plural = _("provisional indicators")
        ordering = ["line_id"]

    def __str__(self) -> str:
        return f"{self.line_id} → {self.indicator_id} {self.amount_fen}"


class RevenuePlan(models.Model):
    """一下's starting point: the district's available revenue (可用财力) for the budget year by
    fund type, which the control numbers of all departments together stay within (DOMAIN §3.3:
    finance balances against available revenue). Append-only: the latest row of a fund counts."""

    SCOPE_ORGANISATION_LOOKUP = None  # the region's

    mof_div_code = models.CharField(_("region code"), max_length=9)
    round = models.ForeignKey(BudgetRound, on_delete=models.PROTECT, related_name="revenue_plans")
    fund_type_code = models.CharField(_("fund nature"), max_length=8)
    amount_fen = models.BigIntegerField(_("available revenue"))
    note = models.CharField(_("basis"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("set at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("available revenue plan")
        verbose_name_plural = _("available revenue plans")
        ordering = ["round_id", "fund_type_code", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="revenue_plan_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.fund_type_code} {self.amount_fen}"
