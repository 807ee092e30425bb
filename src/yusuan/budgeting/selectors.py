"""What the budgeting pages and the API read: rounds, a draft's lines with every stage's figure
side by side (R-BP-9: 一上 vs 一下 vs 二上 vs 批复), the department's progress, the calendar's
breaches (R-BP-7) and the indicators a 批复 generated. Every read goes through ``visible_to``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet

from yusuan.budgeting import rules
from yusuan.budgeting.choices import (
    DraftStage,
    ReplyKind,
    Side,
    Stage,
)
from yusuan.budgeting.models import (
    BudgetDraft,
    BudgetLine,
    BudgetLineAmount,
    BudgetRound,
    ControlIssue,
    GeneratedIndicator,
    Reply,
)
from yusuan.budgeting.services.common import as_pk
from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation

# R-BP-7 (预算法 art. 52): finance 批复 departments within 20 days of the congress approval,
# departments their units within 15 days of their own 批复; department budgets are public
# within 20 days of the 批复 (art. 14).
REPLY_DAYS, UNIT_REPLY_DAYS, DISCLOSURE_DAYS = 20, 15, 20
STAGES = (Stage.APPLY_1, Stage.CONTROL, Stage.APPLY_2, Stage.APPROVED)


def rounds(actor: Actor) -> QuerySet[BudgetRound]:
    return BudgetRound.objects.visible_to(actor).order_by("-fiscal_year")


def access_round(actor: Actor, pk: object) -> BudgetRound:
    found = rounds(actor).filter(pk=as_pk(pk) or 0).first()
    if found is None:
        raise NotFoundError("budget round")
    return found


def access_draft(actor: Actor, pk: object) -> BudgetDraft:
    found = (
        BudgetDraft.objects.visible_to(actor)
        .select_related("round", "organisation", "department", "created_by")
        .filter(pk=as_pk(pk) or 0)
        .first()
    )
    if found is None:
        raise NotFoundError("budget draft")
    return found


def access_control(actor: Actor, pk: object) -> ControlIssue:
    found = (
        ControlIssue.objects.visible_to(actor)
        .select_related("round", "department", "created_by", "issued_by")
        .filter(pk=as_pk(pk) or 0)
        .first()
    )
    if found is None:
        raise NotFoundError("control numbers")
    return found


def access_reply(actor: Actor, pk: object) -> Reply:
    found = (
        Reply.objects.visible_to(actor)
        .select_related("round", "organisation", "created_by")
        .filter(pk=as_pk(pk) or 0)
        .first()
    )
    if found is None:
        raise NotFoundError("budget reply")
    return found


# --- figures by stage ---------------------------------------------------------------------------


def stage_figures(line_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Every written stage figure per line; ``current`` is the figure in force after 批复 (the
    latest changed 批复, else the 批复)."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for start in range(0, len(line_ids), 500):
        for line_id, stage, amount in (
            BudgetLineAmount.objects.filter(line_id__in=line_ids[start : start + 500])
            .order_by("written_at", "pk")
            .values_list("line_id", "stage", "amount_fen")
        ):
            found[line_id][stage] = amount
            if stage in (Stage.APPROVED, Stage.ADJUSTED):
                found[line_id]["current"] = amount
    return found


@dataclass
class LineRow:
    line: BudgetLine
    figures: dict[str, int]
    findings: list[rules.Finding] = field(default_factory=list)

    def figure(self, stage: str) -> int | None:
        return self.figures.get(stage)

    @property
    def by_stage(self) -> list[int | None]:
        """一上, 一下, 二上, 批复 (in force): the columns of every comparison."""
        return [*(self.figures.get(s) for s in STAGES[:3]), self.figures.get("current")]


def line_rows(lines: Iterable[BudgetLine], findings: Iterable[rules.Finding] = ()) -> list[LineRow]:
    lines = list(lines)
    figures = stage_figures([x.pk for x in lines])
    by_position: dict[int, list[rules.Finding]] = defaultdict(list)
    for finding in findings:
        if finding.position is not None:
            by_position[finding.position].append(finding)
    return [LineRow(x, figures.get(x.pk, {}), by_position.get(x.position, [])) for x in lines]


def draft_lines(draft: BudgetDraft) -> QuerySet[BudgetLine]:
    return (
        BudgetLine.objects.filter(round=draft.round, organisation=draft.organisation)
        .select_related("project")
        .order_by("side", "position")
    )


@dataclass
class StageTotals:
    """Σ per stage (and the working figure) of a set of lines: one row of the comparison."""

    label: str
    working: int = 0
    stages: dict[str, int] = field(default_factory=dict)
    pk: int = 0  # the department's (region level) for its drill-down

    @property
    def by_stage(self) -> list[int | None]:
        return [self.stages.get(s) for s in STAGES]


def compare(
    budget_round: BudgetRound, *, actor: Actor, department: Organisation | None = None
) -> list[StageTotals]:
    """Expenditure per unit (of a department) or per department (of the region), stage by stage,
    of what the actor may see."""
    lines = BudgetLine.objects.visible_to(actor).filter(round=budget_round, side=Side.EXPENDITURE)
    if department is not None:
        lines = lines.filter(department=department)
    key = "organisation" if department is not None else "department"
    names = dict(
        Organisation.objects.filter(pk__in=lines.values(f"{key}_id")).values_list("pk", "name")
    )
    rows: dict[int, StageTotals] = {}
    owner = {}
    for pk, holder, amount in lines.values_list("pk", f"{key}_id", "amount_fen"):
        owner[pk] = holder
        rows.setdefault(
            holder, StageTotals(names.get(holder, ""), pk=holder if department is None else 0)
        ).working += amount
    for line_id, figures in stage_figures(list(owner)).items():
        row = rows[owner[line_id]]
        for stage, amount in figures.items():
            row.stages[stage] = row.stages.get(stage, 0) + amount
    return sorted(rows.values(), key=lambda r: r.label)


# --- progress and the calendar ------------------------------------------------------------------


@dataclass
class DepartmentProgress:
    department: Organisation
    drafts: list[BudgetDraft]
    control: ControlIssue | None
    replies: list[Reply]

    def count(self, stage: str, state: str) -> int:
        return sum(1 for d in self.drafts if d.stage == stage and d.state == state)


def progress(actor: Actor, budget_round: BudgetRound) -> list[DepartmentProgress]:
    departments = list(
        Organisation.objects.visible_to(actor)
        .filter(mof_div_code=budget_round.mof_div_code, kind=OrganisationKind.DEPARTMENT)
        .order_by("code")
    )
    drafts: dict[int, list[BudgetDraft]] = defaultdict(list)
    for draft in (
        BudgetDraft.objects.visible_to(actor)
        .filter(round=budget_round)
        .select_related("organisation")
        .order_by("organisation__path", "stage")
    ):
        drafts[draft.department_id].append(draft)
    controls = {
        c.department_id: c
        for c in ControlIssue.objects.visible_to(actor).filter(round=budget_round)
    }
    replies: dict[int, list[Reply]] = defaultdict(list)
    for reply in Reply.objects.visible_to(actor).filter(round=budget_round).order_by("pk"):
        replies[reply.organisation_id].append(reply)
    return [
        DepartmentProgress(d, drafts.get(d.pk, []), controls.get(d.pk), replies.get(d.pk, []))
        for d in departments
    ]


@dataclass(frozen=True)
class Breach:
    rule: str
    what: str
    due: dt.date
    done: dt.date | None  # None: still not done


def _day(moment: dt.datetime | None) -> dt.date | None:
    from django.utils import timezone

    return timezone.localdate(moment) if moment is not None else None


def breaches(actor: Actor, budget_round: BudgetRound, today: dt.date) -> list[Breach]:
    """R-BP-7: every deadline of the calendar passed without the act, or met late."""
    found: list[Breach] = []

    def check(what: str, due: dt.date, done: dt.date | None) -> None:
        if (done is None and today > due) or (done is not None and done > due):
            found.append(Breach("R-BP-7", what, due, done))

    for draft in (
        BudgetDraft.objects.visible_to(actor)
        .filter(round=budget_round)
        .select_related("organisation")
        .order_by("organisation__path")
    ):
        due = (
            budget_round.apply_1_due
            if draft.stage == DraftStage.APPLY_1
            else budget_round.apply_2_due
        )
        check(
            f"{draft.organisation.name} {draft.get_stage_display()}", due, _day(draft.submitted_at)
        )
    for control in (
        ControlIssue.objects.visible_to(actor)
        .filter(round=budget_round)
        .select_related("department")
    ):
        check(
            f"{control.department.name} 一下控制数",
            budget_round.control_due,
            _day(control.issued_at),
        )
    if budget_round.congress_date is not None:
        reply_due = budget_round.congress_date + dt.timedelta(days=REPLY_DAYS)
        replied = {
            r.organisation_id: r
            for r in Reply.objects.visible_to(actor).filter(
                round=budget_round, kind=ReplyKind.FIRST
            )
        }
        # The departments whose 批复 the actor sees (as ``progress``): a unit's clerk does not
        # see its department's 批复, so it is not told that one is missing.
        departments = dict(
            Organisation.objects.visible_to(actor)
            .filter(
                pk__in=BudgetLine.objects.filter(round=budget_round).values("department_id"),
                kind=OrganisationKind.DEPARTMENT,
            )
            .values_list("pk", "name")
        )
        for department_id, name in sorted(departments.items(), key=lambda x: x[1]):
            reply = replied.get(department_id)
            check(
                f"{name} 批复（人大批准后 {REPLY_DAYS} 日内）",
                reply_due,
                _day(reply.approved_at) if reply else None,
            )
            approved_on = _day(reply.approved_at) if reply is not None else None
            if reply is not None and approved_on is not None:
                unit_due = approved_on + dt.timedelta(days=UNIT_REPLY_DAYS)
                check(
                    f"{name} 批复所属单位（{UNIT_REPLY_DAYS} 日内）",
                    unit_due,
                    reply.units_replied_on,
                )
    return found


def generated(reply: Reply) -> QuerySet[GeneratedIndicator]:
    return (
        GeneratedIndicator.objects.filter(reply=reply)
        .select_related("line", "line__organisation", "line__project", "indicator", "document")
        .order_by("line__organisation__path", "line__position")
    )


def generated_for_indicator(indicator_id: int) -> GeneratedIndicator | None:
    """The budget line (and 批复) an indicator came from, for its source trace (R-BP-12)."""
    return (
        GeneratedIndicator.objects.filter(indicator_id=indicator_id)
        .select_related("line", "line__organisation", "line__project", "reply", "reply__round")
        .order_by("pk")
        .first()
    )
