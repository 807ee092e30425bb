"""One click: a 批复 becomes indicators (R-BP-12; ADR 0046).

For a first 批复, per fund type: one indicator source of kind ``budget_line`` carrying the 批复
文号 and the people's-congress decision, and one 下达 document with a row per approved line —
executable when the line names unit, project, functional 项, economic 款 and fund type, else a
pending line held by the department. For a changed 批复: the difference of each changed line, as a
追加 (from a new ``budget_line`` source) or a 追减 (back to the line's source) of the indicator the
first 批复 made; never an edit. The documents post through the indicator ledger in this
transaction (the 批复 was entered by one officer and approved by another: R-WF-1 is met there),
and each line's result is a ``GeneratedIndicator`` unique per (line, 批复) — a second run finds the
批复 generated and creates nothing. Carry-over lines are not generated: their indicators come
from last year's year-end (R-BP-11)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.budgeting import rules
from yusuan.budgeting.choices import ReplyKind, ReplyState, Side
from yusuan.budgeting.models import BudgetLine, GeneratedIndicator, ProvisionalIndicator, Reply
from yusuan.budgeting.rules import THREE_PUBLIC_CODES
from yusuan.budgeting.services.common import facts, refuse
from yusuan.budgeting.services.reply import REPLY_PERMISSION, access_reply, current_figures
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.money import Money
from yusuan.core.models import FiscalYear
from yusuan.indicators.choices import DocumentKind, LineKind, SourceKind
from yusuan.indicators.models import IndicatorDocument, IndicatorLine
from yusuan.indicators.services.documents import document_create
from yusuan.indicators.services.inputs import DocumentInput, LineInput, LineSpec
from yusuan.indicators.services.posting import apply_document
from yusuan.indicators.services.sources import SourceInput, source_create

ANNUAL_BUDGET = "01"  # 指标来源 01 年初预算


@dataclass
class Outcome:
    reply: Reply
    created: int = 0
    existing: int = 0
    documents: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def spec_of(line: BudgetLine) -> LineSpec:
    """The indicator a budget line becomes: its elements copied, nothing re-typed (R-BP-12)."""
    detailed = rules.executable(facts(line))
    return LineSpec(
        line_kind=LineKind.EXECUTABLE if detailed else LineKind.PENDING,
        organisation_id=line.organisation_id if detailed else line.department_id,
        project_id=line.project_id
        if detailed
        or (line.project is not None and line.project.organisation_id == line.department_id)
        else None,
        exp_func_code=line.exp_func_code,
        dep_bgt_eco_code=line.dep_bgt_eco_code,
        fund_type_code=line.fund_type_code,
        source_type_code=ANNUAL_BUDGET,
        pay_type_code=line.pay_type_code if detailed else "",
        acc_type=line.acc_type if detailed else "",
        is_gov_pur=line.is_gov_pur,
        thr_exp_code=THREE_PUBLIC_CODES.get(line.dep_bgt_eco_code[:5], ""),
        is_sal=line.dep_bgt_eco_code.startswith("301"),
        summary=(line.summary or (line.project.name if line.project else ""))[:200],
    )


def _created_lines(document: IndicatorDocument) -> list[int]:
    return list(document.lines.order_by("row").values_list("created_line_id", flat=True))


def _reference(reply: Reply) -> str:
    return f"{reply.doc_no}；人大批准 {reply.round.congress_decision_no}"[:120]


def _first(actor: Actor, reply: Reply, outcome: Outcome) -> None:
    rows = list(
        reply.lines.filter(line__carry_over=False, line__side=Side.EXPENDITURE)
        .select_related("line", "line__project")
        .order_by("line__organisation__path", "line__position")
    )
    figures = {row.line_id: row.amount_fen for row in rows}
    # R-BP-8: lines issued before the congress approval are trued up, not issued again; one
    # the 批复 leaves out is decreased to nothing.
    provisional = {
        p.line_id: p
        for p in ProvisionalIndicator.objects.filter(
            line__round=reply.round, line__department=reply.organisation
        ).select_related("line", "line__project", "indicator")
    }
    fresh: dict[str, list[tuple[BudgetLine, int]]] = defaultdict(list)
    for row in rows:
        if row.line_id not in provisional and row.amount_fen > 0:
            fresh[row.line.fund_type_code].append((row.line, row.amount_fen))
    ups: dict[str, list[tuple[BudgetLine, int]]] = defaultdict(list)
    downs: dict[str, list[tuple[BudgetLine, int]]] = defaultdict(list)
    trued: list[tuple[ProvisionalIndicator, int]] = []
    for line_id, found in provisional.items():
        figure = figures.get(line_id, 0)
        delta = figure - found.indicator.total
        trued.append((found, figure))
        if delta:
            (ups if delta > 0 else downs)[found.line.fund_type_code].append((found.line, delta))
    targets = {line_id: p.indicator_id for line_id, p in provisional.items()}
    for fund_type in sorted(set(fresh) | set(ups)):
        items = fresh.get(fund_type, [])
        raised = ups.get(fund_type, [])
        source = source_create(
            actor=actor,
            data=SourceInput(
                kind=SourceKind.BUDGET_LINE,
                name=f"{reply.organisation.name}{reply.fiscal_year}年部门预算批复（{rules.FUND_NAMES.get(fund_type, fund_type)}）"[
                    :200
                ],
                amount=Money(sum(fen for _line, fen in items) + sum(d for _line, d in raised)),
                fiscal_year=reply.fiscal_year,
                reference_no=_reference(reply),
                fund_type_code=fund_type,
            ),
        )
        outcome.sources.append(source.code)
        if items:
            document = document_create(
                actor=actor,
                data=DocumentInput(
                    kind=DocumentKind.ISSUE,
                    title=reply.title[:200],
                    doc_no=reply.doc_no,
                    reason=f"R-BP-12：按批复 {reply.number} 一键生成",
                    fiscal_year=reply.fiscal_year,
                    budget_source_id=source.pk,
                    lines=[LineInput(amount=Money(fen), spec=spec_of(line)) for line, fen in items],
                ),
            )
            apply_document(actor=actor, document=document)
            made = _created_lines(document)
            _link(
                reply,
                document,
                [(line, made_id, fen) for (line, fen), made_id in zip(items, made, strict=True)],
            )
            outcome.documents.append(document.number)
            outcome.created += len(items)
        if raised:
            _true_up(actor, reply, DocumentKind.INCREASE, raised, targets, outcome, source.pk)
    for _fund_type, lowered in sorted(downs.items()):
        _true_up(actor, reply, DocumentKind.DECREASE, lowered, targets, outcome, None)
    # Every trued-up line is the 批复's: its indicator, at the approved figure.
    moved = {
        line_id: document_id
        for line_id, document_id in GeneratedIndicator.objects.filter(
            reply=reply, line_id__in=list(provisional)
        ).values_list("line_id", "document_id")
    }
    now = timezone.now()
    GeneratedIndicator.objects.bulk_create(
        GeneratedIndicator(
            mof_div_code=reply.mof_div_code,
            reply=reply,
            line=found.line,
            indicator_id=found.indicator_id,
            document_id=found.document_id,
            delta_fen=figure,
            created_at=now,
        )
        for found, figure in trued
        if found.line_id not in moved
    )
    outcome.created += sum(1 for found, _figure in trued if found.line_id not in moved)


def _true_up(
    actor: Actor,
    reply: Reply,
    kind: str,
    items: list[tuple[BudgetLine, int]],
    targets: dict[int, int],
    outcome: Outcome,
    source_id: int | None,
) -> None:
    """R-BP-8: a provisional indicator raised or lowered to its approved figure; the link's
    amount is the whole figure (the provisional part and the difference)."""
    document = document_create(
        actor=actor,
        data=DocumentInput(
            kind=kind,
            title=reply.title[:200],
            doc_no=reply.doc_no,
            reason=f"R-BP-8：按批复 {reply.number} 调整人大批准前预拨的指标",
            fiscal_year=reply.fiscal_year,
            budget_source_id=source_id,
            lines=[
                LineInput(amount=Money(abs(d)), target_id=targets[line.pk]) for line, d in items
            ],
        ),
    )
    apply_document(actor=actor, document=document)
    totals = dict(
        IndicatorLine.objects.filter(pk__in=[targets[line.pk] for line, _d in items]).values_list(
            "pk", "total"
        )
    )
    _link(
        reply, document, [(line, targets[line.pk], totals[targets[line.pk]]) for line, _d in items]
    )
    outcome.documents.append(document.number)
    outcome.created += len(items)


def _change(actor: Actor, reply: Reply, outcome: Outcome) -> None:
    first = Reply.objects.get(
        round=reply.round, organisation=reply.organisation, kind=ReplyKind.FIRST
    )
    rows = list(reply.lines.select_related("line"))
    indicators = dict(
        GeneratedIndicator.objects.filter(
            reply=first, line_id__in=[r.line_id for r in rows]
        ).values_list("line_id", "indicator_id")
    )
    generated = dict(
        GeneratedIndicator.objects.filter(line_id__in=[r.line_id for r in rows])
        .values("line_id")
        .annotate(t=Sum("delta_fen"))
        .values_list("line_id", "t")
    )
    ups: dict[str, list[tuple[BudgetLine, int]]] = defaultdict(list)
    downs: dict[str, list[tuple[BudgetLine, int]]] = defaultdict(list)
    for row in rows:
        delta = row.amount_fen - generated.get(row.line_id, 0)
        if delta == 0:
            continue
        if row.line_id not in indicators:
            raise refuse(
                "budgeting.no_indicator",
                f"lines[{row.line.position}]",
                f"第 {row.line.position} 行在原批复中没有生成指标，不能按差额追加追减",
                f"row {row.line.position} has no indicator from the first 批复",
                rule="R-BP-12",
            )
        (ups if delta > 0 else downs)[row.line.fund_type_code].append((row.line, delta))
    for fund_type, items in sorted(ups.items()):
        source = source_create(
            actor=actor,
            data=SourceInput(
                kind=SourceKind.BUDGET_LINE,
                name=f"{reply.organisation.name}{reply.fiscal_year}年批复调整（{rules.FUND_NAMES.get(fund_type, fund_type)}）"[
                    :200
                ],
                amount=Money(sum(d for _x, d in items)),
                fiscal_year=reply.fiscal_year,
                reference_no=_reference(reply),
                fund_type_code=fund_type,
            ),
        )
        outcome.sources.append(source.code)
        _post(actor, reply, DocumentKind.INCREASE, items, indicators, outcome, source.pk)
    for _fund_type, items in sorted(downs.items()):
        _post(actor, reply, DocumentKind.DECREASE, items, indicators, outcome, None)


def _post(
    actor: Actor,
    reply: Reply,
    kind: str,
    items: list[tuple[BudgetLine, int]],
    indicators: dict[int, int],
    outcome: Outcome,
    source_id: int | None,
) -> None:
    document = document_create(
        actor=actor,
        data=DocumentInput(
            kind=kind,
            title=reply.title[:200],
            doc_no=reply.doc_no,
            reason=reply.reason or f"R-BP-12：按批复调整 {reply.number} 生成",
            fiscal_year=reply.fiscal_year,
            budget_source_id=source_id,
            lines=[
                LineInput(amount=Money(abs(d)), target_id=indicators[line.pk]) for line, d in items
            ],
        ),
    )
    apply_document(actor=actor, document=document)
    _link(reply, document, [(line, indicators[line.pk], d) for line, d in items])
    outcome.documents.append(document.number)
    outcome.created += len(items)


def _link(
    reply: Reply, document: IndicatorDocument, made: list[tuple[BudgetLine, int, int]]
) -> None:
    now = timezone.now()
    GeneratedIndicator.objects.bulk_create(
        (
            GeneratedIndicator(
                mof_div_code=reply.mof_div_code,
                reply=reply,
                line=line,
                indicator_id=indicator_id,
                document=document,
                delta_fen=fen,
                created_at=now,
            )
            for line, indicator_id, fen in made
        ),
        batch_size=500,
    )


def conservation_errors(reply: Reply) -> list[str]:
    """R-BP-12: Σ indicators = Σ 批复 per department and fund type (new money; carry-over apart)."""
    lines = BudgetLine.objects.filter(
        round=reply.round, department=reply.organisation, side=Side.EXPENDITURE, carry_over=False
    )
    approved = current_figures(list(lines.values_list("pk", flat=True)))
    funds = dict(lines.values_list("pk", "fund_type_code"))
    want: dict[str, int] = defaultdict(int)
    for line_id, fen in approved.items():
        want[funds[line_id]] += fen
    indicator_ids = set(
        GeneratedIndicator.objects.filter(line__in=lines).values_list("indicator_id", flat=True)
    )
    have: dict[str, int] = defaultdict(int)
    for fund_type, total in IndicatorLine.objects.filter(pk__in=indicator_ids).values_list(
        "fund_type_code", "total"
    ):
        have[fund_type] += total
    return [
        f"{reply.organisation.name} {fund}: 批复 {rules.yuan(want.get(fund, 0))} ≠ 指标 {rules.yuan(have.get(fund, 0))}"
        for fund in sorted(set(want) | set(have))
        if want.get(fund, 0) != have.get(fund, 0)
    ]


def reply_generate(*, actor: Actor, reply_id: object) -> Outcome:
    """R-BP-12: turn an approved 批复 into indicators, once."""
    ensure_permission(actor, REPLY_PERMISSION)
    with transaction.atomic():
        reply = access_reply(actor, reply_id, for_update=True)
        outcome = Outcome(reply)
        if reply.state != ReplyState.APPROVED:
            raise refuse(
                "budgeting.reply_not_approved",
                "state",
                f"批复 {reply.number} 处于“{reply.get_state_display()}”状态，批准后才能生成指标",
                f"{reply.number} is {reply.state}; indicators come from an approved 批复",
                rule="R-BP-12",
                status=409,
            )
        if reply.generated_at is not None:
            outcome.existing = GeneratedIndicator.objects.filter(reply=reply).count()
            return outcome
        if not FiscalYear.objects.filter(
            mof_div_code=reply.mof_div_code, year=reply.fiscal_year
        ).exists():
            raise refuse(
                "budgeting.year_not_open",
                "fiscal_year",
                f"{reply.fiscal_year} 年度尚未开启（代码集未建立），不能生成指标",
                f"fiscal year {reply.fiscal_year} is not open yet",
                rule="R-BP-12",
                value=reply.fiscal_year,
                status=409,
            )
        if reply.kind == ReplyKind.FIRST:
            _first(actor, reply, outcome)
        else:
            _change(actor, reply, outcome)
        problems = conservation_errors(reply)
        if problems:
            raise refuse(
                "budgeting.not_conserved",
                "indicators",
                "生成的指标与批复数不一致：" + "；".join(problems),
                "generated indicators differ from the 批复: " + "; ".join(problems),
                rule="R-BP-12",
            )
        reply.generated_at = timezone.now()
        reply.save(update_fields=["generated_at", "updated_at"])
        audit_record(
            action="budgeting.reply_generate",
            actor=actor,
            obj=reply,
            extra={
                "created": outcome.created,
                "documents": outcome.documents,
                "sources": outcome.sources,
            },
        )
    return outcome
