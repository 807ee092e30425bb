"""The library's own acts: reviews with expert scores (R-PJ-9), storing (入库, R-PJ-2/R-PJ-9),
the department's ranking (R-PJ-6) and the computed basic-expenditure projects (R-PJ-8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.core.selectors import standards_for
from yusuan.projects import hooks, locks, rules, selectors
from yusuan.projects.choices import (
    DECLARED_CATEGORIES,
    OPEN_CHANGE_STATES,
    ChangeState,
    ProjectKind,
    ProjectState,
    ReviewConclusion,
    ReviewKind,
)
from yusuan.projects.models import Project, ProjectReview

# The states in which the finance side reviews a declaration.
UNDER_REVIEW = frozenset(
    {ProjectState.DECLARED, ProjectState.DEPT_REVIEWED, ProjectState.FINANCE_REVIEWED}
)
MAX_EXPERTS = 30


@dataclass(frozen=True)
class ExpertScore:
    expert: str
    score: int  # 0–100
    opinion: str = ""


def _review_errors(
    kind: str,
    conclusion: str,
    experts: Sequence[ExpertScore],
    approved: Money | None,
    opinion: str,
    project: Project,
) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    if kind not in ReviewKind.values:
        errors.append(
            ErrorDetail(
                code="projects.review_kind",
                field="kind",
                value=kind,
                limit=list(ReviewKind.values),
                message_zh="评审类别无效",
                message_en="unknown review kind",
            )
        )
    if conclusion not in ReviewConclusion.values:
        errors.append(
            ErrorDetail(
                code="projects.review_conclusion",
                field="conclusion",
                value=conclusion,
                limit=list(ReviewConclusion.values),
                message_zh="评审结论无效",
                message_en="unknown conclusion",
            )
        )
    if not opinion.strip():
        errors.append(
            ErrorDetail(
                code="projects.review_opinion_required",
                rule="R-PJ-9",
                field="opinion",
                message_zh="请填写评审意见",
                message_en="write the review's opinion",
            )
        )
    if len(experts) > MAX_EXPERTS:
        errors.append(
            ErrorDetail(
                code="projects.review_too_many_experts",
                field="experts",
                value=len(experts),
                limit=MAX_EXPERTS,
                message_zh=f"专家最多 {MAX_EXPERTS} 位",
                message_en=f"at most {MAX_EXPERTS} experts",
            )
        )
    for i, e in enumerate(experts):
        if not e.expert.strip():
            errors.append(
                ErrorDetail(
                    code="projects.review_expert_required",
                    field=f"experts[{i}].expert",
                    row=i,
                    message_zh=f"第 {i + 1} 位专家：请填写姓名",
                    message_en=f"expert {i + 1}: the name is required",
                )
            )
        if not 0 <= e.score <= 100:
            errors.append(
                ErrorDetail(
                    code="projects.review_score_range",
                    rule="R-PJ-9",
                    field=f"experts[{i}].score",
                    row=i,
                    value=e.score,
                    limit=[0, 100],
                    message_zh=f"第 {i + 1} 位专家的评分 {e.score} 不在 0–100 之间",
                    message_en=f"expert {i + 1}: score {e.score} is not within 0–100",
                )
            )
    if kind == ReviewKind.APPRAISAL and conclusion != ReviewConclusion.REJECT:
        if approved is None or approved.fen <= 0:
            errors.append(
                ErrorDetail(
                    code="projects.review_approved_required",
                    rule="R-PJ-9",
                    field="approved_amount",
                    message_zh="财政评审须填写审定数",
                    message_en="an appraisal states the approved amount (审定数)",
                )
            )
        elif approved.fen > project.total_amount_fen:
            errors.append(
                ErrorDetail(
                    code="projects.review_approved_above_asked",
                    rule="R-PJ-9",
                    field="approved_amount",
                    value=approved.format(),
                    limit=Money(project.total_amount_fen).format(),
                    message_zh=f"审定数 {approved.format()} 元超过申报数"
                    f" {Money(project.total_amount_fen).format()} 元",
                    message_en=f"the approved amount {approved.format()} is above the"
                    f" {Money(project.total_amount_fen).format()} asked for",
                )
            )
    return errors


@transaction.atomic
def project_review_record(
    *,
    actor: Actor,
    project: Project,
    kind: str,
    conclusion: str,
    opinion: str,
    experts: Sequence[ExpertScore] = (),
    approved_amount: Money | None = None,
) -> ProjectReview:
    """An ex-ante assessment (绩效处) or a financial appraisal with the experts' scores
    (评审中心), recorded while the declaration is under review (R-PJ-9). After an appraisal the
    approved amount (审定数) is the project's ceiling for 一上."""
    ensure_permission(actor, "projects.add_projectreview")
    locked = locks.project_qs_select_for_update().visible_to(actor).filter(pk=project.pk).first()
    if locked is None:
        raise BusinessRuleError.single(
            code="not_found", message_zh="项目不存在", message_en="project not found", status=404
        )
    if (
        locked.state not in UNDER_REVIEW
        and not locked.changes.filter(state=ChangeState.SUBMITTED).exists()
    ):
        raise BusinessRuleError.single(
            code="projects.not_under_review",
            rule="R-PJ-9",
            field="state",
            value=locked.get_state_display(),
            message_zh=f"项目处于“{locked.get_state_display()}”状态，不在审核中，不能登记评审",
            message_en=f"the project is {locked.state}, not under review",
            status=409,
        )
    raise_if_any(_review_errors(kind, conclusion, experts, approved_amount, opinion, locked))
    scores = [e.score for e in experts]
    average = (
        (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if scores
        else None
    )
    review = ProjectReview.objects.create(
        project=locked,
        kind=kind,
        conclusion=conclusion,
        experts=[
            {"expert": e.expert.strip()[:60], "score": e.score, "opinion": e.opinion.strip()[:500]}
            for e in experts
        ],
        score=average,
        approved_amount_fen=approved_amount.fen if approved_amount else None,
        opinion=opinion.strip(),
        reviewer_id=actor.pk,
    )
    changes: dict[str, list[object]] = {}
    if kind == ReviewKind.APPRAISAL and approved_amount is not None:
        changes["approved_amount_fen"] = [locked.approved_amount_fen, approved_amount.fen]
        locked.approved_amount_fen = approved_amount.fen
        locked.save(update_fields=["approved_amount_fen", "updated_at"])
    audit_record(
        action=f"projects.review.{kind}",
        actor=actor,
        obj=locked,
        changes=changes,
        extra={"conclusion": conclusion, "score": str(average) if average is not None else None},
    )
    return review


def ensure_reviewed(project: Project, *, kind: str) -> None:
    """At the ex-ante or appraisal step: the review the project needs is on file (R-PJ-9)."""
    facts = selectors.declaration(project)
    limits = selectors.thresholds(mof_div_code=project.mof_div_code, year=project.budget_year)
    raise_if_any(rules.review_errors(facts, limits, kind=kind))


def ensure_declarable(project: Project) -> None:
    """At submission: R-PJ-3, R-PJ-9 (without the reviews), R-PJ-2/R-PF-5, and R-PJ-10's
    blocking errors when the region blocks."""
    facts = selectors.declaration(project)
    errors = rules.declaration_errors(facts)
    standards, block = selectors.standards_of(
        mof_div_code=project.mof_div_code, year=project.budget_year
    )
    if block:
        errors += rules.calculation_errors(
            facts.calculation, standards=standards, block_over_standard=True, prefix="calculation"
        )[0]
    raise_if_any(errors)


def project_store(*, actor: Actor | None, project: Project) -> None:
    """入库: called by the declaration's last approval, in its transaction. Every prerequisite
    is checked again (R-PJ-9, R-PJ-2); a failure rolls the approval back and names it."""
    facts = selectors.declaration(project)
    limits = selectors.thresholds(mof_div_code=project.mof_div_code, year=project.budget_year)
    raise_if_any(rules.storage_errors(facts, limits))
    project.stored_on = timezone.localdate()
    project.save(update_fields=["stored_on", "updated_at"])
    state_change(
        action="projects.state",
        actor=actor,
        obj=project,
        state=ProjectState.STORED,
        why="stored",
    )


@transaction.atomic
def project_rank(
    *, actor: Actor, department: Organisation, budget_year: int, ordered: Sequence[int]
) -> int:
    """R-PJ-6: the department orders all its stored, declared projects for the budget year,
    1 = first to fund. Every such project must appear once; returns how many ranks changed."""
    ensure_permission(actor, "projects.rank_project")
    if department.kind != OrganisationKind.DEPARTMENT or (
        getattr(actor, "organisation_id", None) != department.pk
    ):
        raise BusinessRuleError.single(
            code="projects.rank_not_department",
            rule="R-PJ-6",
            field="department",
            value=department.name,
            message_zh="只有主管部门可以对本部门项目排序",
            message_en="only the department itself ranks its projects",
            status=403,
        )
    rows = list(
        locks.project_qs_select_for_update()
        .visible_to(actor)
        .filter(
            organisation__path__startswith=department.path,
            state=ProjectState.STORED,
            category__in=DECLARED_CATEGORIES,
        )
        .order_by("pk")
    )
    candidates = {p.pk: p for p in rows if p.budget_year == budget_year}
    errors: list[ErrorDetail] = []
    seen: set[int] = set()
    for i, pk in enumerate(ordered):
        if pk not in candidates:
            errors.append(
                ErrorDetail(
                    code="projects.rank_unknown",
                    rule="R-PJ-6",
                    field=f"ordered[{i}]",
                    row=i,
                    value=pk,
                    message_zh=f"第 {i + 1} 位：项目 {pk} 不是本部门 {budget_year} 年已入库的项目",
                    message_en=f"place {i + 1}: project {pk} is not a stored project of the"
                    f" department for {budget_year}",
                )
            )
        elif pk in seen:
            errors.append(
                ErrorDetail(
                    code="projects.rank_duplicate",
                    rule="R-PJ-6",
                    field=f"ordered[{i}]",
                    row=i,
                    value=pk,
                    message_zh=f"第 {i + 1} 位：项目 {candidates[pk].code} 重复",
                    message_en=f"place {i + 1}: project {candidates[pk].code} appears twice",
                )
            )
        seen.add(pk)
    missing = [p for pk, p in candidates.items() if pk not in seen]
    if missing:
        errors.append(
            ErrorDetail(
                code="projects.rank_incomplete",
                rule="R-PJ-6",
                field="ordered",
                value=len(seen & set(candidates)),
                limit=len(candidates),
                message_zh=f"排序须包含本部门全部 {len(candidates)} 个已入库项目，缺少："
                + "、".join(f"{p.code} {p.name}" for p in missing[:10]),
                message_en=f"the ranking must hold all {len(candidates)} stored projects; missing: "
                + ", ".join(p.code for p in missing[:10]),
            )
        )
    raise_if_any(errors)
    changed = 0
    for place, pk in enumerate(ordered, start=1):
        project = candidates[pk]
        if project.rank != place:
            audit_record(
                action="projects.rank",
                actor=actor,
                obj=project,
                changes={"rank": [project.rank, place]},
            )
            project.rank = place
            project.save(update_fields=["rank", "updated_at"])
            changed += 1
    return changed


# --- the end of a project (R-PJ-4) and the rolling library (R-PJ-12) -----------------------------

ENDINGS = {
    # ending: (states it may start from, state it ends in, audit why)
    "terminate": (
        frozenset(
            {
                ProjectState.STORED,
                ProjectState.BUDGETED,
                ProjectState.EXECUTING,
                ProjectState.CARRIED_OVER,
            }
        ),
        ProjectState.TERMINATED,
    ),
    "complete": (
        frozenset({ProjectState.BUDGETED, ProjectState.EXECUTING, ProjectState.CARRIED_OVER}),
        ProjectState.COMPLETED,
    ),
    # 作废 / 出库: only before the project is budgeted, and only without indicator lines.
    "void": (
        frozenset(
            {
                ProjectState.DRAFT,
                ProjectState.DECLARED,
                ProjectState.DEPT_REVIEWED,
                ProjectState.FINANCE_REVIEWED,
                ProjectState.STORED,
            }
        ),
        ProjectState.VOID,
    ),
}
# The unit ends its own projects; the budget division also removes stale ones (出库, R-PJ-12).
ENDING_PERMISSIONS = {
    "terminate": ("projects.change_project",),
    "complete": ("projects.change_project",),
    "void": ("projects.change_project", "projects.roll_library"),
}


@transaction.atomic
def project_end(*, actor: Actor, project: Project, ending: str, reason: str) -> Project:
    """Terminate (终止), complete (完成) or void (作废/出库) a project (R-PJ-4). Money in flight
    or under contract stops termination and completion; a project that ever had an indicator line
    is terminated, never voided (the ledger's checks, ``projects.hooks``). The money a terminated
    project leaves unspent becomes 结余 at year end."""
    if ending not in ENDINGS:
        raise BusinessRuleError.single(
            code="projects.bad_ending",
            field="ending",
            value=ending,
            limit=sorted(ENDINGS),
            message_zh="操作无效",
            message_en="unknown ending",
        )
    permissions = ENDING_PERMISSIONS[ending]
    if not any(actor.has_perm(p) for p in permissions):
        ensure_permission(actor, permissions[0])
    locked = locks.project_qs_select_for_update().visible_to(actor).filter(pk=project.pk).first()
    if locked is None:
        raise BusinessRuleError.single(
            code="not_found", message_zh="项目不存在", message_en="project not found", status=404
        )
    starts, ends_in = ENDINGS[ending]
    errors: list[ErrorDetail] = []
    if locked.state not in starts:
        errors.append(
            ErrorDetail(
                code=f"projects.cannot_{ending}",
                rule="R-PJ-4",
                field="state",
                value=locked.get_state_display(),
                limit=sorted(starts),
                message_zh=f"项目处于“{locked.get_state_display()}”状态，不能"
                f"{ {'terminate': '终止', 'complete': '办理完成', 'void': '作废'}[ending] }",
                message_en=f"a project that is {locked.state} cannot be {ending}d",
            )
        )
    if not reason.strip():
        errors.append(
            ErrorDetail(
                code="projects.end_reason_required",
                rule="R-PJ-4",
                field="reason",
                message_zh="请说明原因",
                message_en="give the reason",
            )
        )
    if locked.changes.filter(state__in=OPEN_CHANGE_STATES).exists():
        errors.append(
            ErrorDetail(
                code="projects.change_open",
                rule="R-PJ-11",
                field="state",
                message_zh="项目有未办结的调整，请先办结或取消",
                message_en="the project has an open change: finish or cancel it first",
            )
        )
    errors += hooks.end_errors(locked, ending)
    raise_if_any(errors)
    locked.ended_on = timezone.localdate()
    locked.end_reason = reason.strip()[:500]
    locked.save(update_fields=["ended_on", "end_reason", "updated_at"])
    state_change(action="projects.state", actor=actor, obj=locked, state=ends_in, why=ending)
    return locked


@dataclass(frozen=True)
class RollResult:
    offered: int  # stored, unfunded, offered again for the next year
    continuing: int  # multi-year projects whose next year's plan goes into 一上 as 延续
    stale: list[Project]  # stored this many years without money: listed for 出库


@transaction.atomic
def library_roll(*, actor: Actor, mof_div_code: str, from_year: int) -> RollResult:
    """R-PJ-12 at the turn of the budget year ``from_year`` → ``from_year + 1``: stored
    projects not funded for ``from_year`` stay in the library, offered for the next year with
    their rank; multi-year projects with a plan for the next year are marked 延续; projects
    stored ``project.stale_years`` years without money are listed for 出库 (removal is a
    decision: ``project_end(ending="void")``). Running it twice changes nothing more."""
    ensure_permission(actor, "projects.roll_library")
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    next_year = from_year + 1
    offered = 0
    continuing = 0
    stored = locks.project_qs_select_for_update().filter(
        mof_div_code=mof_div_code, state=ProjectState.STORED
    )
    for project in stored:
        if project.budget_year == from_year:
            before = project.pool_year
            project.pool_year = next_year
            project.save(update_fields=["pool_year", "updated_at"])
            audit_record(
                action="projects.roll",
                actor=actor,
                obj=project,
                changes={"pool_year": [before, next_year]},
            )
            offered += 1
    funded = locks.project_qs_select_for_update().filter(
        mof_div_code=mof_div_code,
        state__in=[ProjectState.BUDGETED, ProjectState.EXECUTING],
        end_year__gte=next_year,
    )
    for project in funded:
        if project.kind != ProjectKind.CONTINUING and project.plans.filter(year=next_year).exists():
            audit_record(
                action="projects.roll",
                actor=actor,
                obj=project,
                changes={"kind": [project.kind, ProjectKind.CONTINUING]},
            )
            project.kind = ProjectKind.CONTINUING
            project.save(update_fields=["kind", "updated_at"])
            continuing += 1
    return RollResult(
        offered=offered,
        continuing=continuing,
        stale=stale_projects(mof_div_code=mof_div_code, year=next_year),
    )


def stale_projects(*, mof_div_code: str, year: int) -> list[Project]:
    """R-PJ-12: stored, never funded, and in the library for ``project.stale_years`` budget
    years or more by ``year``."""
    years = standards_for(mof_div_code=mof_div_code, fiscal_year=year)["project.stale_years"]
    return [
        p
        for p in Project.objects.filter(
            mof_div_code=mof_div_code, state=ProjectState.STORED
        ).select_related("organisation")
        if year - max(p.start_year, p.fiscal_year) >= years
    ]
