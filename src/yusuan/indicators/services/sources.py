"""Indicator sources (指标来源, R-IN-7) and 预算调整 records (R-AJ-7), ADR 0027.

Money enters the indicator system only here: a source's ``amount`` is opened once, by the budget
division, with an append-only ``SourceDraw`` row and its audit record. A 下达 or 追加 then draws
from the source it names, in the posting's transaction, by one conditional UPDATE
(``drawn + x <= amount``); a 追减 or 收回 to finance gives money back (``drawn >= x``), or, when the
追减 cites a 预算调整 row, takes it within the row's authorised decrease
(``decreased + x <= decrease_amount``). Every draw row carries the posting whose ``d_outside``
it matches, so ``yusuan reconcile`` proves Σ indicators per source = drawn ≤ amount.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import CodeKind, OrganisationKind
from yusuan.core.models import ClassificationCode, Organisation
from yusuan.core.selectors import acting_organisation
from yusuan.core.services.sequences import next_number
from yusuan.indicators.choices import RESERVE_FUNCTIONAL_CLASS, SourceDrawKind, SourceKind
from yusuan.indicators.models import (
    SOURCE_DRAW_HASHED_FIELDS,
    SOURCE_DRAWS_AUDIT_KEY,
    BudgetAdjustment,
    IndicatorSource,
    SourceDraw,
    source_draw_digest,
)

SOURCE_PERMISSION = "indicators.add_indicatorsource"
ADJUSTMENT_PERMISSION = "indicators.add_budgetadjustment"
# The kinds finance opens on the source page; adjustment rows come with their record, legacy
# sources only from the data migration.
OPENABLE_KINDS = (
    SourceKind.BUDGET_LINE,
    SourceKind.FINANCE_POT,
    SourceKind.TRANSFER,
    SourceKind.RESERVE,
)
SOURCE_TABLE = IndicatorSource._meta.db_table
DRAW_TABLE = SourceDraw._meta.db_table


@dataclass(frozen=True)
class SourceInput:
    kind: str
    name: str
    amount: Money
    fiscal_year: int | None = None
    reference_no: str = ""
    fund_type_code: str = ""
    exp_func_code: str = ""
    organisation_id: int | None = None


@dataclass(frozen=True)
class AdjustmentRowInput:
    fund_type_code: str
    exp_func_code: str
    amount: Money
    decrease_amount: Money = field(default_factory=lambda: Money(0))


@dataclass(frozen=True)
class AdjustmentInput:
    title: str
    decision_no: str
    decision_date: dt.date | None
    rows: Sequence[AdjustmentRowInput]
    fiscal_year: int | None = None
    organisation_id: int | None = None


def _err(code: str, field_path: str, zh: str, en: str, **kwargs: Any) -> ErrorDetail:
    return ErrorDetail(code=code, field=field_path, message_zh=zh, message_en=en, **kwargs)


def _finance_holder(actor: Actor, organisation_id: int | None, rule: str) -> Organisation:
    """Only the finance bureau and its divisions hold sources (R-IN-7, R-AJ-7): a unit or a
    department cannot create money (separation of duties, with the permission)."""
    organisation = acting_organisation(actor=actor, organisation_id=organisation_id)
    if organisation.kind not in (
        OrganisationKind.FINANCE_BUREAU,
        OrganisationKind.FINANCE_DIVISION,
    ):
        raise BusinessRuleError.single(
            code="indicators.source_finance_only",
            rule=rule,
            field="organisation",
            value=organisation.name,
            message_zh="指标来源和预算调整只能由财政部门（预算处）建立",
            message_en="only the finance bureau (budget division) creates sources and adjustments",
            status=403,
        )
    return organisation


def _code_known(mof_div_code: str, fiscal_year: int, kind: str, code: str) -> bool:
    return ClassificationCode.objects.filter(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year, kind=kind, code=code, is_enabled=True
    ).exists()


def _code_errors(
    prefix: str, mof_div_code: str, fiscal_year: int, fund: str, func: str, row: int | None
) -> list[ErrorDetail]:
    errors = []
    for name, kind, code, zh, en in (
        ("fund_type_code", CodeKind.FUND_TYPE, fund, "资金性质", "fund nature"),
        ("exp_func_code", CodeKind.FUNCTIONAL, func, "功能分类", "functional class"),
    ):
        if code and not _code_known(mof_div_code, fiscal_year, kind, code):
            errors.append(
                _err(
                    "indicators.source_bad_code",
                    f"{prefix}{name}",
                    f"{zh} {code} 不在 {fiscal_year} 年度代码集中",
                    f"{en} {code} is not in the {fiscal_year} code set",
                    rule="R-MD-1",
                    value=code,
                    row=row,
                )
            )
    return errors


def _amount_error(prefix: str, amount: Money, row: int | None = None) -> ErrorDetail | None:
    if amount.fen > 0:
        return None
    return _err(
        "indicators.amount_not_positive",
        f"{prefix}amount",
        f"来源金额必须大于 0（当前 {amount} 元）",
        f"the source amount must be above 0 (got {amount})",
        rule="R-IN-7",
        value=amount.format(),
        limit="> 0",
        row=row,
    )


def _open(
    *,
    actor: Actor,
    holder: Organisation,
    fiscal_year: int,
    kind: str,
    name: str,
    amount: int,
    reference_no: str = "",
    fund_type_code: str = "",
    exp_func_code: str = "",
    adjustment: BudgetAdjustment | None = None,
    decrease_amount: int = 0,
) -> tuple[IndicatorSource, list[list[Any]]]:
    """Create a source and its OPEN row: the one place money enters (R-IN-7)."""
    number = next_number(
        mof_div_code=holder.mof_div_code, fiscal_year=fiscal_year, series="indicator-source"
    )
    source = IndicatorSource.objects.create(
        mof_div_code=holder.mof_div_code,
        fiscal_year=fiscal_year,
        code=f"LY{fiscal_year}{number:06d}",
        kind=kind,
        name=name,
        reference_no=reference_no,
        holder=holder,
        fund_type_code=fund_type_code,
        exp_func_code=exp_func_code,
        adjustment=adjustment,
        amount=amount,
        decrease_amount=decrease_amount,
        created_by_id=actor.pk,
    )
    draw = SourceDraw.objects.create(
        source=source,
        kind=SourceDrawKind.OPEN,
        d_amount=amount,
        actor_id=actor.pk,
        created_at=timezone.now(),
    )
    return source, [_digest(draw)]


def _digest(draw: SourceDraw) -> list[Any]:
    values = {name: getattr(draw, name) for name in SOURCE_DRAW_HASHED_FIELDS}
    return [draw.pk, source_draw_digest(values).hex()]


def source_check(*, actor: Actor, data: SourceInput) -> list[ErrorDetail]:
    ensure_permission(actor, SOURCE_PERMISSION)
    holder = _finance_holder(actor, data.organisation_id, "R-IN-7")
    return _source_errors(holder, data, data.fiscal_year or timezone.localdate().year)


def _source_errors(
    holder: Organisation, data: SourceInput, year: int, kinds: Sequence[str] = OPENABLE_KINDS
) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    if data.kind not in kinds:
        errors.append(
            _err(
                "indicators.bad_source_kind",
                "kind",
                "请选择来源类型（批复预算、财政代编、上级转移支付或预备费）",
                "choose the source type (budget line, finance pot, transfer or reserve)",
                rule="R-IN-7",
                value=data.kind,
                limit=list(OPENABLE_KINDS),
            )
        )
    if not data.name.strip():
        errors.append(_err("indicators.name_required", "name", "名称不能为空", "name required"))
    problem = _amount_error("", data.amount)
    if problem is not None:
        errors.append(problem)
    if data.kind == SourceKind.RESERVE and not data.exp_func_code.startswith(
        RESERVE_FUNCTIONAL_CLASS
    ):
        errors.append(
            _err(
                "indicators.reserve_not_227",
                "exp_func_code",
                f"预备费须列功能分类 227 预备费（当前 {data.exp_func_code or '空'}）",
                f"the reserve fund is budgeted under functional class 227 "
                f"(got {data.exp_func_code or 'none'})",
                rule="R-IN-7",
                value=data.exp_func_code,
                limit=RESERVE_FUNCTIONAL_CLASS,
            )
        )
    errors += _code_errors(
        "", holder.mof_div_code, year, data.fund_type_code, data.exp_func_code, None
    )
    return errors


@transaction.atomic
def source_create(
    *, actor: Actor, data: SourceInput, kinds: Sequence[str] = OPENABLE_KINDS
) -> IndicatorSource:
    """Open a source (R-IN-7): budget division only; the source's amount enters the system.
    ``kinds``: what the caller may open — the source page the openable kinds; budget preparation
    also its provisional sources (R-BP-8)."""
    ensure_permission(actor, SOURCE_PERMISSION)
    holder = _finance_holder(actor, data.organisation_id, "R-IN-7")
    year = data.fiscal_year or timezone.localdate().year
    raise_if_any(_source_errors(holder, data, year, kinds))
    source, digests = _open(
        actor=actor,
        holder=holder,
        fiscal_year=year,
        kind=data.kind,
        name=data.name.strip(),
        amount=data.amount.fen,
        reference_no=data.reference_no.strip(),
        fund_type_code=data.fund_type_code,
        exp_func_code=data.exp_func_code,
    )
    audit_record(
        action="indicators.source_create",
        actor=actor,
        obj=source,
        changes={"amount": [None, source.amount]},
        extra={"kind": source.kind, SOURCE_DRAWS_AUDIT_KEY: digests},
    )
    return source


def _adjustment_errors(holder: Organisation, data: AdjustmentInput, year: int) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    if not data.title.strip():
        errors.append(_err("indicators.title_required", "title", "标题不能为空", "title required"))
    if not data.decision_no.strip():
        errors.append(
            _err(
                "indicators.npc_reference_required",
                "decision_no",
                "预算调整须填写人大常委会决议文号",
                "a budget adjustment needs the people's congress standing committee decision",
                rule="R-AJ-7",
            )
        )
    if data.decision_date is None:
        errors.append(
            _err(
                "indicators.decision_date_required",
                "decision_date",
                "请填写人大常委会决议日期",
                "the decision date is required",
                rule="R-AJ-7",
            )
        )
    if not data.rows:
        errors.append(
            _err(
                "indicators.no_lines",
                "rows",
                "预算调整至少需要一行（资金性质、功能分类、金额）",
                "a budget adjustment needs at least one row",
                rule="R-AJ-7",
            )
        )
    for index, row in enumerate(data.rows):
        prefix = f"rows[{index}]."
        if (
            row.amount.fen < 0
            or row.decrease_amount.fen < 0
            or (row.amount.fen == 0 and row.decrease_amount.fen == 0)
        ):
            errors.append(
                _err(
                    "indicators.amount_not_positive",
                    f"{prefix}amount",
                    f"第 {index + 1} 行：调增或调减金额须大于 0"
                    f"（调增 {row.amount} 元，调减 {row.decrease_amount} 元）",
                    f"row {index + 1}: the increase or decrease must be above 0 "
                    f"(got {row.amount} and {row.decrease_amount})",
                    rule="R-AJ-7",
                    value=row.amount.format(),
                    limit="> 0",
                    row=index,
                )
            )
        for name, value, zh, en in (
            ("fund_type_code", row.fund_type_code, "资金性质", "fund nature"),
            ("exp_func_code", row.exp_func_code, "功能分类", "functional class"),
        ):
            if not value:
                errors.append(
                    _err(
                        "indicators.element_missing",
                        f"{prefix}{name}",
                        f"第 {index + 1} 行：{zh}不能为空",
                        f"row {index + 1}: {en} is required (R-AJ-7)",
                        rule="R-AJ-7",
                        row=index,
                    )
                )
        errors += _code_errors(
            prefix, holder.mof_div_code, year, row.fund_type_code, row.exp_func_code, index
        )
    return errors


def adjustment_check(*, actor: Actor, data: AdjustmentInput) -> list[ErrorDetail]:
    ensure_permission(actor, ADJUSTMENT_PERMISSION)
    holder = _finance_holder(actor, data.organisation_id, "R-AJ-7")
    return _adjustment_errors(holder, data, data.fiscal_year or timezone.localdate().year)


@transaction.atomic
def adjustment_create(*, actor: Actor, data: AdjustmentInput) -> BudgetAdjustment:
    """A 预算调整 record (R-AJ-7) and one source per row (fund type, functional class)."""
    ensure_permission(actor, ADJUSTMENT_PERMISSION)
    holder = _finance_holder(actor, data.organisation_id, "R-AJ-7")
    year = data.fiscal_year or timezone.localdate().year
    raise_if_any(_adjustment_errors(holder, data, year))
    assert data.decision_date is not None
    number = next_number(
        mof_div_code=holder.mof_div_code, fiscal_year=year, series="budget-adjustment"
    )
    record = BudgetAdjustment.objects.create(
        mof_div_code=holder.mof_div_code,
        fiscal_year=year,
        number=f"YT{year}{number:04d}",
        title=data.title.strip(),
        decision_no=data.decision_no.strip(),
        decision_date=data.decision_date,
        holder=holder,
        created_by_id=actor.pk,
    )
    digests: list[list[Any]] = []
    for row in data.rows:
        _source, made = _open(
            actor=actor,
            holder=holder,
            fiscal_year=year,
            kind=SourceKind.ADJUSTMENT,
            name=f"{record.title}（{row.exp_func_code}）",
            amount=row.amount.fen,
            reference_no=record.decision_no,
            fund_type_code=row.fund_type_code,
            exp_func_code=row.exp_func_code,
            adjustment=record,
            decrease_amount=row.decrease_amount.fen,
        )
        digests += made
    audit_record(
        action="indicators.budget_adjustment_create",
        actor=actor,
        obj=record,
        changes={"decision_no": [None, record.decision_no]},
        extra={
            "rows": [[r.exp_func_code, r.amount.fen, r.decrease_amount.fen] for r in data.rows],
            SOURCE_DRAWS_AUDIT_KEY: digests,
        },
    )
    return record


# --- Draws, inside a document's posting -------------------------------------------------------


@dataclass(frozen=True)
class Draw:
    """One change of a source by a posting: ``drawn`` > 0 draws, < 0 gives back;
    ``decreased`` > 0 uses a 预算调整 row's authorised decrease."""

    source_id: int
    drawn: int = 0
    decreased: int = 0


def _shortfall(source_id: int, draw: Draw) -> BusinessRuleError:
    source = IndicatorSource.objects.get(pk=source_id)
    if draw.decreased:
        need, left = draw.decreased, source.decrease_amount - source.decreased
        zh = f"预算调整 {source.code}（{source.name}）核定调减额度不足：需要 {Money(need)} 元，剩余 {Money(left)} 元"
        en = f"budget adjustment row {source.code} authorises {Money(left)} more decrease; {Money(need)} is needed"
        code, rule = "indicators.adjustment_exceeded", "R-AJ-7"
    elif draw.drawn > 0:
        need, left = draw.drawn, source.amount - source.drawn
        zh = f"指标来源 {source.code}（{source.name}）余额不足：需要 {Money(need)} 元，剩余 {Money(left)} 元"
        en = f"source {source.code} ({source.name}) has {Money(left)} left; {Money(need)} is needed"
        code, rule = "indicators.source_insufficient", "R-IN-7"
    else:
        need, left = -draw.drawn, source.drawn
        zh = f"退回指标来源 {source.code}（{source.name}）的金额 {Money(need)} 元超过其已下达 {Money(left)} 元"
        en = f"source {source.code} issued only {Money(left)}; {Money(need)} cannot go back to it"
        code, rule = "indicators.source_return_exceeds", "R-IN-7"
    return BusinessRuleError.single(
        code=code,
        rule=rule,
        field="budget_source",
        value=Money(need).format(),
        limit=Money(left).format(),
        message_zh=zh,
        message_en=en,
    )


def draw_sources(
    *,
    draws: Sequence[Draw],
    posting: uuid.UUID,
    document_id: int | None,
    actor_id: int | None,
) -> list[list[Any]]:
    """Apply the draws of one posting (caller's transaction) by conditional UPDATEs, in source id
    order; write their rows; return ``[id, digest]`` pairs for the posting's audit record."""
    merged: dict[int, tuple[int, int]] = {}
    for draw in draws:
        drawn, decreased = merged.get(draw.source_id, (0, 0))
        merged[draw.source_id] = (drawn + draw.drawn, decreased + draw.decreased)
    now = timezone.now()
    rows: list[SourceDraw] = []
    with connection.cursor() as cursor:
        for source_id in sorted(merged):
            drawn, decreased = merged[source_id]
            if drawn == 0 and decreased == 0:
                continue
            # R-IN-7: Σ drawn ≤ amount and never below zero; R-AJ-7: decreased ≤ authorised.
            cursor.execute(
                f"UPDATE {SOURCE_TABLE} SET drawn = drawn + %s, decreased = decreased + %s "  # noqa: S608 (table name only)
                "WHERE id = %s AND drawn + %s <= amount AND drawn + %s >= 0 "
                "AND decreased + %s <= decrease_amount",
                [drawn, decreased, source_id, drawn, drawn, decreased],
            )
            if cursor.rowcount != 1:
                raise _shortfall(source_id, Draw(source_id, drawn, decreased))
            rows.append(
                SourceDraw(
                    source_id=source_id,
                    kind=SourceDrawKind.DRAW if drawn > 0 else SourceDrawKind.RETURN,
                    posting=posting,
                    document_id=document_id,
                    d_drawn=drawn,
                    d_decreased=decreased,
                    actor_id=actor_id,
                    created_at=now,
                )
            )
    made = SourceDraw.objects.bulk_create(rows)
    return [_digest(row) for row in made]
