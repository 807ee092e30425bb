from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectState(models.TextChoices):
    """DOMAIN §2.3. The declaration workflow moves draft → declared → dept_reviewed →
    finance_reviewed; storing, budgeting and execution belong to later modules."""

    DRAFT = "draft", _("Draft")
    DECLARED = "declared", _("Declared")
    DEPT_REVIEWED = "dept_reviewed", _("Reviewed by department")
    FINANCE_REVIEWED = "finance_reviewed", _("Reviewed by finance")
    STORED = "stored", _("In the library")
    BUDGETED = "budgeted", _("Budgeted")
    EXECUTING = "executing", _("Executing")
    CARRIED_OVER = "carried_over", _("Carried over")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    TERMINATED = "terminated", _("Terminated")
    VOID = "void", _("Void")


EDITABLE_STATES = frozenset({ProjectState.DRAFT})
# R-PJ-11: a project whose change (项目调整) is being prepared is edited in these states too.
CHANGEABLE_STATES = frozenset(
    {
        ProjectState.STORED,
        ProjectState.BUDGETED,
        ProjectState.EXECUTING,
        ProjectState.CARRIED_OVER,
    }
)
# R-PJ-4: ended for good by termination or completion.
TERMINABLE_STATES = CHANGEABLE_STATES


class ProjectKind(models.TextChoices):
    NEW = "new", _("New")
    CONTINUING = "continuing", _("Continuing")
    CARRIED = "carried", _("Carried over")


# R-PJ-7 (DOMAIN-2 C1): the category codes of the project library.
PERSONNEL, PUBLIC_FUNDS, OTHER_OPERATING, SPECIFIC = "1", "21", "22", "3"
CATEGORY_NAMES = {
    PERSONNEL: "人员类",
    PUBLIC_FUNDS: "公用经费",
    OTHER_OPERATING: "其他运转类",
    SPECIFIC: "特定目标类",
}
# R-PJ-8: one per unit and year, computed from the personnel database and the quotas.
SYSTEM_CATEGORIES = frozenset({PERSONNEL, PUBLIC_FUNDS})
# R-PJ-9: what must be in place before these are stored (入库).
DECLARED_CATEGORIES = frozenset({OTHER_OPERATING, SPECIFIC})
# R-PJ-1: the states in which a project may carry budget lines.
FUNDABLE_STATES = frozenset(
    {
        ProjectState.STORED,
        ProjectState.BUDGETED,
        ProjectState.EXECUTING,
        ProjectState.CARRIED_OVER,
    }
)


class BasisKind(models.TextChoices):
    """Documents a declaration rests on (立项依据 and the rest, DOMAIN-2 §2.1)."""

    POLICY = "policy", _("Policy basis (立项依据)")
    PLAN = "plan", _("Implementation plan (实施方案)")
    FEASIBILITY = "feasibility", _("Feasibility study")
    APPROVAL = "approval", _("Development and reform approval (基本建设)")
    OTHER = "other", _("Other")


class GoalLevel1(models.TextChoices):
    OUTPUT = "output", _("Output (产出)")
    BENEFIT = "benefit", _("Benefit (效益)")
    SATISFACTION = "satisfaction", _("Satisfaction (满意度)")


class GoalLevel2(models.TextChoices):
    """DOMAIN §2.4 / DOMAIN-2 §7.1: the second level under each first-level indicator."""

    QUANTITY = "quantity", _("Quantity (数量)")
    QUALITY = "quality", _("Quality (质量)")
    TIMELINESS = "timeliness", _("Timeliness (时效)")
    COST = "cost", _("Cost (成本)")
    ECONOMIC = "economic", _("Economic (经济)")
    SOCIAL = "social", _("Social (社会)")
    ECOLOGICAL = "ecological", _("Ecological (生态)")
    SUSTAINABLE = "sustainable", _("Sustainable impact (可持续影响)")
    SERVED = "served", _("Satisfaction of those served (服务对象满意度)")


LEVEL2_UNDER: dict[str, frozenset[str]] = {
    GoalLevel1.OUTPUT: frozenset(
        {GoalLevel2.QUANTITY, GoalLevel2.QUALITY, GoalLevel2.TIMELINESS, GoalLevel2.COST}
    ),
    GoalLevel1.BENEFIT: frozenset(
        {GoalLevel2.ECONOMIC, GoalLevel2.SOCIAL, GoalLevel2.ECOLOGICAL, GoalLevel2.SUSTAINABLE}
    ),
    GoalLevel1.SATISFACTION: frozenset({GoalLevel2.SERVED}),
}


class Operator(models.TextChoices):
    GTE = "gte", "≥"
    LTE = "lte", "≤"
    EQ = "eq", "="
    QUALITATIVE = "qualitative", _("Qualitative (定性)")


class ReviewKind(models.TextChoices):
    """Reviews recorded on a declaration besides the approval steps (DOMAIN-2 §2.1, R-PJ-9)."""

    EX_ANTE = "ex_ante", _("Ex-ante performance assessment (事前绩效评估)")
    APPRAISAL = "appraisal", _("Financial appraisal (财政评审)")


class ReviewConclusion(models.TextChoices):
    SUPPORT = "support", _("Supported")
    REVISE = "revise", _("Supported after revision")
    REJECT = "reject", _("Not supported")


class ChangeState(models.TextChoices):
    """A 项目调整 (R-PJ-11): the project's content is edited while it is a draft; the review
    chain decides; a withdrawal or rejection puts the old content back."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_CHANGE_STATES = frozenset({ChangeState.DRAFT, ChangeState.SUBMITTED})


# A project's own declared fields: what a unit enters and a 项目调整 may change (R-PJ-11);
# the audit trail records them, with the state.
DECLARED_FIELDS = (
    "name",
    "category",
    "kind",
    "start_year",
    "end_year",
    "total_amount_fen",
    "fund_type",
    "basis",
    "content",
    "is_procurement",
    "is_three_public",
    "is_research",
    "is_infrastructure",
    "infrastructure_doc_no",
    "is_gov_service",
    "track_code",
)
