"""Budget projects (预算项目, DOMAIN §2.3): the project library's unit of declaration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yusuan.audit.models import AppendOnlyError
from yusuan.common.model_fields import HundredthsField, NullableHundredthsField
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel
from yusuan.projects.choices import (
    CATEGORY_NAMES,
    BasisKind,
    ChangeState,
    GoalLevel1,
    GoalLevel2,
    Operator,
    ProjectKind,
    ProjectState,
    ReviewConclusion,
    ReviewKind,
)


class Project(TimestampedModel):
    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    code = models.CharField(_("project code"), max_length=24, editable=False)
    name = models.CharField(_("project name"), max_length=200)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("unit"),
    )
    category = models.CharField(_("project category"), max_length=8)
    kind = models.CharField(
        _("project kind"), max_length=12, choices=ProjectKind.choices, default=ProjectKind.NEW
    )
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    total_amount_fen = models.BigIntegerField(_("total amount"))
    fund_type = models.CharField(_("fund nature"), max_length=8)
    basis = models.TextField(_("basis for the project"), blank=True)
    content = models.TextField(_("content"), blank=True)
    is_procurement = models.BooleanField(_("includes government procurement"), default=False)
    is_three_public = models.BooleanField(_("三公 expenses"), default=False)
    is_research = models.BooleanField(_("research project"), default=False)
    is_infrastructure = models.BooleanField(_("capital construction (基本建设)"), default=False)
    infrastructure_doc_no = models.CharField(
        _("development and reform approval number"), max_length=100, blank=True
    )
    is_gov_service = models.BooleanField(_("government purchase of services"), default=False)
    # 二级项目 under a 一级项目 (DOMAIN-2 §2.1), where the region uses levels.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("first-level project"),
    )
    # R-PJ-13: transfer projects keep the upper level's project code.
    track_code = models.CharField(_("upper-level project code"), max_length=24, blank=True)
    # R-PJ-9: after 财政评审 the approved amount (审定数) is the ceiling for 一上.
    approved_amount_fen = models.BigIntegerField(_("approved amount"), null=True, blank=True)
    # R-PJ-6: the department's ranking of its stored projects; R-PJ-12 rolls it forward.
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    stored_on = models.DateField(_("stored on"), null=True, blank=True)
    # R-PJ-11: each approved change (项目调整) raises it.
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    # R-PJ-12: a stored project not funded in its year is offered again for this one.
    pool_year = models.PositiveSmallIntegerField(_("offered for year"), null=True, blank=True)
    # R-PJ-4 / 出库: why the project ended (termination, completion, removal), and when.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason it ended"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ProjectState.choices, default=ProjectState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at"]
        permissions = [
            ("rank_project", "Can rank a department's stored projects (R-PJ-6)"),
            ("roll_library", "Can roll the project library into the next year (R-PJ-12)"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "code"], name="project_code_unique"),
            models.CheckConstraint(
                condition=Q(total_amount_fen__gt=0), name="project_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="project_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES.get(self.category, self.category)

    @property
    def budget_year(self) -> int:
        """The year whose money the declaration asks for (测算明细 and 一上 look at it); a
        project rolled over unfunded (R-PJ-12) asks for the year it is offered for."""
        return self.pool_year or max(self.start_year, self.fiscal_year)


class ProjectPlan(models.Model):
    """分年度支出计划 by fund source (DOMAIN-2 §2.1): the year's plan is the Σ of its rows;
    R-PJ-3 wants the Σ of all rows to equal the project's total."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField(_("year"))
    fund_type = models.CharField(_("fund nature"), max_length=8)
    amount_fen = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["year", "fund_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "fund_type"], name="project_plan_unique"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="project_plan_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.fund_type} {self.amount_fen}"


class CalculationRow(models.Model):
    """测算明细 (DOMAIN-2 §2.1, R-PJ-9, R-PJ-10): what the year's money buys, row by row."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="calculation")
    position = models.PositiveSmallIntegerField(_("row"))
    year = models.PositiveSmallIntegerField(_("year"))
    content = models.CharField(_("expenditure item"), max_length=200)
    economic_code = models.CharField(_("economic class"), max_length=16)
    standard_key = models.CharField(_("expenditure standard"), max_length=60, blank=True)
    unit_price_fen = models.BigIntegerField(_("unit price"))
    quantity = HundredthsField(_("quantity"))
    unit = models.CharField(_("unit of measure"), max_length=20, blank=True)
    amount_fen = models.BigIntegerField(_("amount"))
    procurement_item = models.CharField(_("procurement catalogue item"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("calculation row")
        verbose_name_plural = _("calculation rows")
        ordering = ["year", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0, unit_price_fen__gt=0, quantity__gt=0),
                name="calculation_row_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.position} {self.content}"


class BasisDocument(models.Model):
    """A document the declaration rests on (立项依据, 实施方案, 发改批复…), with its 文号."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=12, choices=BasisKind.choices)
    doc_no = models.CharField(_("document number"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to="projects/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("basis document")
        verbose_name_plural = _("basis documents")
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return f"{self.doc_no} {self.title}"


class PerformanceGoal(models.Model):
    """绩效目标 of a project (DOMAIN §2.4, DOMAIN-2 §7.1): the overall goals and the indicator
    tree. Required before a declared project is stored (R-PJ-2, R-PF-5)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="goal")
    medium_term = models.TextField(_("medium-term goal"), blank=True)
    annual = models.TextField(_("goal for the year"))
    # 满意度 is required where the project serves people (R-PF-5).
    has_beneficiaries = models.BooleanField(_("serves the public or other beneficiaries"))

    class Meta:
        verbose_name = _("performance goal")
        verbose_name_plural = _("performance goals")

    def __str__(self) -> str:
        return self.annual[:40]


class GoalIndicator(models.Model):
    goal = models.ForeignKey(PerformanceGoal, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("row"))
    level1 = models.CharField(_("first-level indicator"), max_length=16, choices=GoalLevel1.choices)
    level2 = models.CharField(
        _("second-level indicator"), max_length=16, choices=GoalLevel2.choices
    )
    name = models.CharField(_("third-level indicator"), max_length=200)
    operator = models.CharField(_("operator"), max_length=12, choices=Operator.choices)
    # A number for ≥ ≤ =; words for a qualitative indicator.
    target = models.CharField(_("target value"), max_length=100)
    unit = models.CharField(_("unit of measure"), max_length=20, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), null=True, blank=True)

    class Meta:
        verbose_name = _("performance indicator")
        verbose_name_plural = _("performance indicators")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.level1}/{self.level2} {self.name}"


class ProjectReview(models.Model):
    """An ex-ante assessment or a financial appraisal of a declaration, with the experts' scores
    (R-PJ-9). Append-only: a second review of the same kind supersedes, never overwrites."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(_("kind"), max_length=12, choices=ReviewKind.choices)
    conclusion = models.CharField(_("conclusion"), max_length=10, choices=ReviewConclusion.choices)
    # [{"expert": name, "score": 0-100, "opinion": text}, …]
    experts = models.JSONField(_("expert scores"), default=list)
    score = NullableHundredthsField(_("average score"))
    approved_amount_fen = models.BigIntegerField(_("approved amount"), null=True, blank=True)
    opinion = models.TextField(_("opinion"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("project review")
        verbose_name_plural = _("project reviews")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.conclusion}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("project reviews are append-only")
        super().save(*args, **kwargs)


class ProjectChange(TimestampedModel):
    """项目调整 (R-PJ-11): a stored project's content, amount or years changed through the
    declaration's review chain. ``before`` is the content as it was (restored on withdrawal or
    rejection), ``after`` what was approved; the project's ``version`` rises on approval."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    number = models.CharField(_("number"), max_length=24, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="changes", verbose_name=_("project")
    )
    reason = models.TextField(_("reason for the change"))
    state = models.CharField(
        _("state"), max_length=12, choices=ChangeState.choices, default=ChangeState.DRAFT
    )
    from_version = models.PositiveSmallIntegerField(_("from version"))
    project_state = models.CharField(_("project state before"), max_length=20)
    before = models.JSONField(_("content before"), default=dict)
    after = models.JSONField(_("content approved"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project change")
        verbose_name_plural = _("project changes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "number"], name="project_change_no_unique"
            ),
            # One open change per project at a time.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(state__in=["draft", "submitted"]),
                name="project_one_open_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.project.name}"


# Basic expenditure by quota (R-PJ-5, R-PJ-8) lives in its own module.
from yusuan.projects.basic_models import BasicLine as BasicLine  # noqa: E402
from yusuan.projects.basic_models import BasicOverride as BasicOverride  # noqa: E402
from yusuan.projects.basic_models import BasicRun as BasicRun  # noqa: E402
