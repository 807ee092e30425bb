"""The library's own acts: reviews with expert scores (R-PJ-9), storing (入库, R-PJ-2/R-PJ-9),
the department's ranking (R-PJ-6) and the computed basic-expenditure projects (R-PJ-8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.projects import locks, rules, selectors
from yusuan.projects.choices import (
    DECLARED_CATEGORIES,
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
    if locked.state not in UNDER_REVIEW:
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
