"""R-BP-8: spending before the people's congress approves the budget (预算法 art. 54).

Before the approval, finance may issue the budget year's basic expenditure provisionally, month
by month, up to the same period of last year: for ``months`` months, each unit's 人员类 and
公用经费 lines (their latest written figure, 二上 else 一上) × months / 12, but per unit and fund
type never more than last year's basic indicators × months / 12 (then scaled down, the remainder
to the largest lines). They come from a source of kind ``provisional``, as executable indicators
with the budget line's elements, each recorded as the line's ``ProvisionalIndicator``.

At the 批复, the one-click generation trues them up (``generate``): a line that had a provisional
indicator gets no second one; the indicator is increased (追加, from the 批复's source) or
decreased (追减, back to the provisional source) to the approved figure, so that Σ indicators = Σ
批复 holds per department and fund type and every yuan keeps its source.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.budgeting import rules
from yusuan.budgeting.choices import Part, Side, Stage
from yusuan.budgeting.models import BudgetLine, ProvisionalIndicator
from yusuan.budgeting.services.common import refuse, stage_amounts
from yusuan.budgeting.services.control import _department
from yusuan.budgeting.services.reply import REPLY_PERMISSION
from yusuan.budgeting.services.rounds import _finance, access_round
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.money import Money
from yusuan.core.models import FiscalYear
from yusuan.indicators.choices import DocumentKind, SourceKind
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services.documents import document_create
from yusuan.indicators.services.inputs import DocumentInput, LineInput
from yusuan.indicators.services.posting import apply_document
from yusuan.indicators.services.sources import SourceInput, source_create
from yusuan.projects.choices import SYSTEM_CATEGORIES

PROVISIONAL_SOURCE = "06"  # 指标来源: the line's source code stays 01 年初预算 [D]


@dataclass
class ProvisionalOutcome:
    lines: int = 0
    total_fen: int = 0
    scaled: list[str] = field(default_factory=list)  # units held to last year's same period
    documents: list[str] = field(default_factory=list)


def _last_year_basic(
    mof_div_code: str, year: int, unit_ids: set[int]
) -> dict[tuple[int, str], int]:
    """Last year's basic expenditure indicators per (unit, fund type): lines of its 人员类 and
    公用经费 projects."""
    found: dict[tuple[int, str], int] = defaultdict(int)
    for unit, fund, total in (
        IndicatorLine.objects.filter(
            mof_div_code=mof_div_code,
            fiscal_year=year - 1,
            organisation_id__in=unit_ids,
            project__category__in=SYSTEM_CATEGORIES,
        )
        .values("organisation_id", "fund_type_code")
        .annotate(t=Sum("total"))
        .values_list("organisation_id", "fund_type_code", "t")
    ):
        found[(unit, fund)] += total or 0
    return found


def _shares(figures: list[tuple[BudgetLine, int]], cap: int) -> list[tuple[BudgetLine, int]]:
    """Scale ``figures`` down to ``cap`` exactly (largest remainder)."""
    total = sum(f for _x, f in figures)
    if total <= cap:
        return figures
    raw = [(line, f * cap // total, f * cap % total) for line, f in figures]
    left = cap - sum(s for _x, s, _r in raw)
    order = sorted(range(len(raw)), key=lambda i: (-raw[i][2], raw[i][0].pk))
    bonus = set(order[:left])
    return [(line, s + (1 if i in bonus else 0)) for i, (line, s, _r) in enumerate(raw)]


@transaction.atomic
def provisional_issue(
    *, actor: Actor, round_id: object, department_id: object, months: int
) -> ProvisionalOutcome:
    ensure_permission(actor, REPLY_PERMISSION)
    _finance(actor)
    budget_round = access_round(actor, round_id, for_update=True)
    department = _department(actor, department_id)
    if budget_round.congress_date is not None:
        raise refuse(
            "budgeting.provisional_after_congress",
            "congress_date",
            f"{budget_round.fiscal_year} 年预算已于 {budget_round.congress_date} 经人大批准，"
            "按批复生成指标，不再预拨",
            "the congress has approved the budget; indicators come from the 批复",
            rule="R-BP-8",
            status=409,
        )
    if not 1 <= months <= 3:
        raise refuse(
            "budgeting.provisional_months",
            "months",
            f"人大批准前预拨月数为 1–3 个月（收到 {months}）",
            f"1 to 3 months before the approval (got {months})",
            rule="R-BP-8",
            value=months,
            limit="1–3",
        )
    if not FiscalYear.objects.filter(
        mof_div_code=budget_round.mof_div_code, year=budget_round.fiscal_year
    ).exists():
        raise refuse(
            "budgeting.year_not_open",
            "fiscal_year",
            f"{budget_round.fiscal_year} 年度尚未开启，不能预拨",
            f"fiscal year {budget_round.fiscal_year} is not open",
            rule="R-BP-8",
            status=409,
        )
    lines = list(
        BudgetLine.objects.filter(
            round=budget_round,
            department=department,
            side=Side.EXPENDITURE,
            part=Part.BASIC,
            removed=False,
        ).select_related("organisation", "project")
    )
    done = set(
        ProvisionalIndicator.objects.filter(line__in=lines).values_list("line_id", flat=True)
    )
    lines = [x for x in lines if x.pk not in done]
    ids = [x.pk for x in lines]
    second, first = stage_amounts(ids, Stage.APPLY_2), stage_amounts(ids, Stage.APPLY_1)
    last_year = _last_year_basic(
        budget_round.mof_div_code, budget_round.fiscal_year, {x.organisation_id for x in lines}
    )
    by_key: dict[tuple[int, str], list[tuple[BudgetLine, int]]] = defaultdict(list)
    for line in lines:
        figure = second.get(line.pk, first.get(line.pk))
        if figure:
            by_key[(line.organisation_id, line.fund_type_code)].append(
                (line, figure * months // 12)
            )
    outcome = ProvisionalOutcome()
    planned: dict[str, list[tuple[BudgetLine, int]]] = defaultdict(list)
    for key, figures in sorted(by_key.items()):
        cap = last_year.get(key, 0) * months // 12
        kept = _shares(figures, cap)
        if sum(f for _x, f in kept) < sum(f for _x, f in figures):
            outcome.scaled.append(
                f"{figures[0][0].organisation.name}（{rules.FUND_NAMES.get(key[1], key[1])}）"
                f"按上年同期 {rules.yuan(cap)} 元"
            )
        planned[key[1]].extend((line, fen) for line, fen in kept if fen > 0)
    for fund, items in sorted(planned.items()):
        _issue(actor, budget_round, department.name, fund, months, items, outcome)
    audit_record(
        action="budgeting.provisional_issue",
        actor=actor,
        obj=budget_round,
        extra={
            "department": department.pk,
            "months": months,
            "lines": outcome.lines,
            "total_fen": outcome.total_fen,
            "scaled": outcome.scaled,
            "documents": outcome.documents,
        },
    )
    return outcome


def _issue(
    actor: Actor,
    budget_round: object,
    department_name: str,
    fund: str,
    months: int,
    items: list[tuple[BudgetLine, int]],
    outcome: ProvisionalOutcome,
) -> None:
    from yusuan.budgeting.services.generate import spec_of

    year = items[0][0].fiscal_year
    total = sum(fen for _x, fen in items)
    source = source_create(
        actor=actor,
        data=SourceInput(
            kind=SourceKind.PROVISIONAL,
            name=f"{department_name}{year}年人大批准前预拨（{months}个月，{rules.FUND_NAMES.get(fund, fund)}）"[
                :200
            ],
            amount=Money(total),
            fiscal_year=year,
            reference_no="预算法第五十四条：预算年度开始后、人大批准前按上年同期安排",
            fund_type_code=fund,
        ),
        kinds=(SourceKind.PROVISIONAL,),
    )
    document = document_create(
        actor=actor,
        data=DocumentInput(
            kind=DocumentKind.ISSUE,
            title=f"{department_name}{year}年人大批准前基本支出预拨"[:200],
            doc_no=f"预拨{year}-{months}",
            reason="R-BP-8：人大批准前按上年同期安排",
            fiscal_year=year,
            budget_source_id=source.pk,
            lines=[LineInput(amount=Money(fen), spec=spec_of(line)) for line, fen in items],
        ),
    )
    apply_document(actor=actor, document=document)
    made = list(document.lines.order_by("row").values_list("created_line_id", flat=True))
    now = timezone.now()
    ProvisionalIndicator.objects.bulk_create(
        ProvisionalIndicator(
            mof_div_code=line.mof_div_code,
            line=line,
            indicator_id=indicator_id,
            document=document,
            amount_fen=fen,
            created_at=now,
        )
        for (line, fen), indicator_id in zip(items, made, strict=True)
    )
    outcome.lines += len(items)
    outcome.total_fen += total
    outcome.documents.append(document.number)
