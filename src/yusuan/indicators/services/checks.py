"""Checks of indicator documents before they are saved, submitted or posted (R-IN-1, R-IN-2,
R-IN-6, R-AJ-1…R-AJ-5): every violation at once, each naming ``lines[i].field`` and its figures.
The posting re-checks the money atomically; these checks tell the clerk early and completely.

Here: one check per document kind, ``validate`` that runs them, and the document's source (R-IN-7).
What every row check shares — the lookups, a row's lines and the elements of a line it creates
(R-IN-1, R-IN-8, R-IN-9) — is in ``row_checks``; a 调剂's own rules in ``adjustment_checks``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Literal

from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail
from yusuan.common.money import Money
from yusuan.core.validation import element_errors
from yusuan.indicators.choices import DocumentKind, LineKind, SourceKind
from yusuan.indicators.models import IndicatorLine, IndicatorSource
from yusuan.indicators.services.adjustment_checks import _Adjust
from yusuan.indicators.services.inputs import DocumentInput, LineInput, LineSpec
from yusuan.indicators.services.ledger import insufficient
from yusuan.indicators.services.row_checks import (
    KindCheck,
    _Checked,
    _err,
    _Resolved,
    _Row,
    _spec_from_parent,
)


def _shortfall(
    line: IndicatorLine, bucket: str, amount: int, index: int, rule: str
) -> ErrorDetail | None:
    if amount <= int(getattr(line, bucket)):
        return None
    return insufficient(line, bucket, amount, rule=rule, field=f"lines[{index}].amount", row=index)


# --- One check per document kind -------------------------------------------------------------


class _Issue(KindCheck):
    """下达: each row creates a line from its own elements (R-IN-1)."""

    doc_no_required = True
    source_use: Literal["draw", "decrease"] | None = "draw"

    def check_row(self, row: _Row) -> _Resolved:
        spec = row.item.spec or LineSpec()
        row.check_spec(spec, parent=None)
        return _Resolved(spec)


class _Allocate(KindCheck):
    """分解下达: a pending line's money goes to a new line below it (R-IN-2): executable, or
    pending again for a lower holder — budget division → sector division → department 待分 →
    unit (R-IN-8); the child keeps the transfer's references (R-IN-9)."""

    bucket = ("available", "R-IN-2")

    def check_row(self, row: _Row) -> _Resolved:
        source = row.line("source", want_kind=LineKind.PENDING)
        if source is None:
            return _Resolved(row.item.spec)
        spec = _spec_from_parent(source, row.item.spec or LineSpec(), pending_allowed=True)
        row.check_spec(spec, parent=source)
        return _Resolved(spec, source=source)


class _OnTarget(KindCheck):
    """追加, 追减, 冻结, 解冻: the row names the line it changes."""

    def __init__(
        self,
        *,
        doc_no_required: bool,
        bucket: tuple[str, str] | None,
        source_use: Literal["draw", "decrease"] | None = None,
    ) -> None:
        self.doc_no_required = doc_no_required
        self.bucket = bucket
        self.source_use = source_use

    def check_row(self, row: _Row) -> _Resolved:
        return _Resolved(row.item.spec, target=row.line("target"))


class _Reclaim(KindCheck):
    """收回: to finance, or to the pending line it was allocated from (R-IN-6)."""

    bucket = ("available", "R-IN-6")

    def check_row(self, row: _Row) -> _Resolved:
        source = row.line("source")
        if (
            source is not None
            and row.item.to_parent
            and not (
                source.parent_id is not None
                and IndicatorLine.objects.filter(
                    pk=source.parent_id, kind=LineKind.PENDING
                ).exists()
            )
        ):
            row.error(
                "indicators.no_parent",
                "to_parent",
                f"指标 {source.code} 不是分解而来，只能收回财政",
                f"{source.code} was not allocated from a pending line",
                rule="R-IN-6",
                value=source.code,
            )
        return _Resolved(row.item.spec, source=source)


# Every kind has its check: a kind added to ``DocumentKind`` without one fails at import.
KIND_CHECKS: Mapping[DocumentKind, KindCheck] = MappingProxyType(
    {
        DocumentKind.ISSUE: _Issue(),
        DocumentKind.ALLOCATE: _Allocate(),
        DocumentKind.INCREASE: _OnTarget(doc_no_required=True, bucket=None, source_use="draw"),
        DocumentKind.DECREASE: _OnTarget(
            doc_no_required=True, bucket=("available", "R-IN-3"), source_use="decrease"
        ),
        DocumentKind.ADJUST: _Adjust(),
        DocumentKind.HOLD: _OnTarget(doc_no_required=False, bucket=("available", "R-IN-3")),
        DocumentKind.RELEASE: _OnTarget(doc_no_required=False, bucket=("held", "R-IN-3")),
        DocumentKind.RECLAIM: _Reclaim(),
    }
)
if set(KIND_CHECKS) != set(DocumentKind):  # pragma: no cover - caught at import
    raise ImportError(f"indicator checks missing for {set(DocumentKind) - set(KIND_CHECKS)}")


def validate(
    actor: Actor, data: DocumentInput, *, mof_div_code: str, fiscal_year: int
) -> tuple[_Checked, list[LineInput]]:
    checked = _Checked()
    errors = checked.errors
    lines = list(data.lines)
    if data.kind not in DocumentKind.values:
        errors.append(
            _err(
                "indicators.bad_kind",
                "kind",
                "单据类型无效",
                "unknown document type",
                value=data.kind,
            )
        )
        return checked, lines
    kind = KIND_CHECKS[DocumentKind(data.kind)]
    if not data.title.strip():
        errors.append(_err("indicators.title_required", "title", "标题不能为空", "title required"))
    if kind.doc_no_required and not data.doc_no.strip():
        errors.append(
            _err(
                "indicators.doc_no_required",
                "doc_no",
                "下达、追加、追减须填写指标文号",
                "issue, increase and decrease need the 文号",
                rule="R-IN-4",
            )
        )
    errors += kind.header_errors(data)
    if not lines:
        errors.append(
            _err("indicators.no_lines", "lines", "至少需要一行", "at least one line is needed")
        )
    checked.prefetch(actor, lines, mof_div_code)
    resolved: list[LineInput] = []
    # Amount asked per (line, bucket) over all rows, so two rows cannot each take the same yuan.
    asked: dict[tuple[int, str], int] = {}
    # R-IN-7: the rows funded by the document's source: index, amount, new line or target.
    funded: list[tuple[int, int, LineSpec | None, IndicatorLine | None]] = []
    for index, item in enumerate(lines):
        if item.amount.fen <= 0:
            errors.append(
                _err(
                    "indicators.amount_not_positive",
                    f"lines[{index}].amount",
                    f"第 {index + 1} 行：金额必须大于 0（当前 {item.amount} 元）",
                    f"row {index + 1}: the amount must be above 0 (got {item.amount})",
                    value=item.amount.format(),
                    limit="> 0",
                    row=index,
                )
            )
        found = kind.check_row(_Row(actor, data, item, index, mof_div_code, fiscal_year, checked))
        # Money checks against the line as it is now (posting re-checks atomically).
        checked_line = found.source or found.target
        if kind.bucket is not None and checked_line is not None and item.amount.fen > 0:
            bucket, rule = kind.bucket
            key = (checked_line.pk, bucket)
            asked[key] = asked.get(key, 0) + item.amount.fen
            problem = _shortfall(checked_line, bucket, asked[key], index, rule)
            if problem is not None:
                errors.append(problem)
        resolved.append(replace(item, spec=found.spec))
        if found.spec is not None or found.target is not None:
            funded.append((index, item.amount.fen, found.spec, found.target))
    if kind.source_use is not None:
        errors += _source_errors_of(actor, data, kind.source_use, funded, mof_div_code, fiscal_year)
    errors += element_errors(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year, elements=checked.elements
    )
    return checked, resolved


def _source_errors_of(
    actor: Actor,
    data: DocumentInput,
    use: Literal["draw", "decrease"],
    funded: Sequence[tuple[int, int, LineSpec | None, IndicatorLine | None]],
    mof_div_code: str,
    fiscal_year: int,
) -> list[ErrorDetail]:
    """R-IN-7 (and R-AJ-7 for a 预算调整 row): the source is named, of the region and year, has
    the money for Σ rows (summed like the buckets, so two rows cannot take the same yuan), and a
    预算调整 row funds only its fund type and functional class."""
    if data.budget_source_id is None:
        if use == "decrease":
            return []  # the money goes back to the source each line came from
        return [
            _err(
                "indicators.source_required",
                "budget_source",
                "下达和追加须指定指标来源（批复预算、待分资金或预算调整）",
                "an issue or increase names its source: a budget line, a pot or an adjustment",
                rule="R-IN-7",
            )
        ]
    source = (
        IndicatorSource.objects.visible_to(actor)
        .filter(pk=data.budget_source_id, mof_div_code=mof_div_code, fiscal_year=fiscal_year)
        .first()
    )
    if source is None:
        return [
            _err(
                "indicators.source_unknown",
                "budget_source",
                f"指标来源不存在或不属于 {fiscal_year} 年度",
                f"the source does not exist in {fiscal_year}",
                rule="R-IN-7",
                value=data.budget_source_id,
            )
        ]
    errors: list[ErrorDetail] = []
    asked = sum(amount for _i, amount, _s, _t in funded if amount > 0)
    if use == "decrease" and source.kind == SourceKind.ADJUSTMENT:
        left, rule = source.decrease_amount - source.decreased, "R-AJ-7"
        zh = f"预算调整 {source.code}（{source.name}）核定调减额度不足：需要 {Money(asked)} 元，剩余 {Money(left)} 元"
        en = f"budget adjustment row {source.code} authorises {Money(left)} more decrease; {Money(asked)} is needed"
    elif use == "decrease":
        left, rule = source.drawn, "R-IN-7"
        zh = f"退回指标来源 {source.code}（{source.name}）的金额 {Money(asked)} 元超过其已下达 {Money(left)} 元"
        en = f"source {source.code} issued only {Money(left)}; {Money(asked)} cannot go back to it"
    else:
        left, rule = source.left, "R-IN-7"
        zh = f"指标来源 {source.code}（{source.name}）余额不足：需要 {Money(asked)} 元，剩余 {Money(left)} 元"
        en = (
            f"source {source.code} ({source.name}) has {Money(left)} left; {Money(asked)} is needed"
        )
    if asked > left:
        errors.append(
            _err(
                "indicators.adjustment_exceeded"
                if rule == "R-AJ-7"
                else "indicators.source_insufficient",
                "budget_source",
                zh,
                en,
                rule=rule,
                value=Money(asked).format(),
                limit=Money(left).format(),
            )
        )
    if source.kind == SourceKind.ADJUSTMENT:
        # R-AJ-7: a 预算调整 row authorises one fund type and functional class.
        for index, _amount, spec, target in funded:
            fund = (
                spec.fund_type_code if spec is not None else target.fund_type_code if target else ""
            )
            func = (
                spec.exp_func_code if spec is not None else target.exp_func_code if target else ""
            )
            if fund != source.fund_type_code or not func.startswith(source.exp_func_code):
                errors.append(
                    _err(
                        "indicators.outside_adjustment",
                        f"lines[{index}].exp_func_code",
                        f"第 {index + 1} 行：资金性质 {fund}、功能分类 {func} 不在预算调整 "
                        f"{source.code} 核定的 {source.fund_type_code}、{source.exp_func_code} 范围内",
                        f"row {index + 1}: fund {fund} and functional class {func} are outside "
                        f"adjustment row {source.code} ({source.fund_type_code}, {source.exp_func_code})",
                        rule="R-AJ-7",
                        value=func,
                        limit=source.exp_func_code,
                        row=index,
                    )
                )
    return errors
