"""Salary batches (工资统发, R-PY-4; ADR 0012): a salary sheet becomes one payment request.

1. **Import** (``payroll_import``): the sheet is read whole, every bad row reported at once
   (``payroll.services.sheet``); nothing is stored until the sheet is clean; a clean sheet is kept (the
   file itself, as evidence) with one row per employee.
2. **Matching** (``proposal``, ``check_matches``): each salary item (economic code) is matched
   to the unit's executable salary indicator lines with the three checks of R-PY-4 — a matched
   amount is above 0, within the line's mountable balance, within the item's unmatched amount —
   and every item must be matched in full.
3. **Request** (``payroll_request_create``): one request for the batch, one line per employee
   (net pay to their card) and one per deduction (to the withholding payee the clerk names).
   The lines are charged across the matched indicator lines in order (``fill``): the amounts
   per indicator line are exactly the matched ones, and one employee's line is refundable alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.bulk import insert_rows
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import PayeeKind
from yusuan.core.selectors import acting_organisation
from yusuan.core.services.sequences import next_number
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.choices import BusinessType, SettlementMode
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services.checks import PayeeSnapshot, PaymentInput, PaymentLineInput
from yusuan.payments.services.requests import create
from yusuan.payroll import contributions, locks
from yusuan.payroll.choices import PayrollState
from yusuan.payroll.events import PAYROLL_ACCRUED, AccrualPart, accrued
from yusuan.payroll.models import PayrollBatch, PayrollContribution, PayrollEmployee
from yusuan.payroll.services.personnel import WARN, check_sheet
from yusuan.payroll.services.sheet import RULE, read_sheet, salary_codes


@transaction.atomic
def payroll_import(
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    month: int,
    fiscal_year: int,
    organisation_id: int | None = None,
) -> PayrollBatch:
    ensure_permission(actor, "payroll.add_payrollbatch")
    organisation = acting_organisation(actor=actor, organisation_id=organisation_id)
    if not 1 <= month <= 12:
        raise BusinessRuleError.single(
            code="payroll.bad_month",
            field="month",
            value=month,
            limit="1–12",
            message_zh="工资月份应为 1–12",
            message_en="the salary month must be 1–12",
        )
    digest = hashlib.sha256(data).hexdigest()
    earlier = (
        PayrollBatch.objects.filter(organisation=organisation, file_sha256=digest)
        .exclude(state=PayrollState.VOID)
        .first()
    )
    if earlier is not None:
        raise BusinessRuleError.single(
            code="payroll.already_imported",
            rule=RULE,
            field="file",
            value=filename,
            limit=earlier.number,
            message_zh=f"这份工资表已导入为批次 {earlier.number}，不能重复发放",
            message_en=f"this sheet was already imported as batch {earlier.number}",
            status=409,
        )
    sheet = read_sheet(
        data, filename, known_codes=salary_codes(organisation.mof_div_code, fiscal_year)
    )
    # The number first: its sequence row stays locked until commit, so imports of the region's
    # year follow one another and R-PS-5's "once a month" sees every batch committed before.
    sequence = next_number(
        mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year, series="payroll"
    )
    # The region's standards in force on the first day of the salary month (ADR 0039).
    standards = contributions.rates(
        mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year, month=month
    )
    # R-PS-5 (ADR 0045): the sheet against the personnel database.
    checked = check_sheet(
        actor=actor,
        sheet=sheet,
        organisation=organisation,
        fiscal_year=fiscal_year,
        month=month,
        filename=filename,
        standards=standards,
    )
    raise_if_any(checked.errors)
    items, withheld = sheet.item_totals(), sheet.deduction_totals()
    batch = PayrollBatch.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        organisation=organisation,
        number=f"GF{fiscal_year}{sequence:06d}",
        month=month,
        file_name=filename[:200],
        file_sha256=digest,
        file=data,
        employees=len(sheet.rows),
        gross=sum(items.values()),
        deductions=sum(withheld.values()),
        net=sum(r.net for r in sheet.rows),
        items=items,
        deduction_totals=withheld,
        personnel_check=checked.mode,
        findings=checked.findings,
        created_by_id=actor.pk,
    )
    insert_rows(  # COPY on PostgreSQL: a sheet has thousands of rows (issue 20)
        PayrollEmployee,
        (
            PayrollEmployee(
                batch=batch,
                row=r.row,
                name=r.name,
                id_number=r.id_number,
                account_no=r.account_no,
                bank_name=r.bank_name,
                items=r.items,
                gross=r.gross,
                deductions=sum(r.deductions.values()),
                net=r.net,
                reason=r.reason,
                standard=checked.standards.get(r.row),
            )
            for r in sheet.rows
        ),
    )
    # R-PY-13: the unit's own contributions of the month, per item, kept with the batch (with
    # the rates used): at the region's standards in force that month (ADR 0039).
    owed = contributions.compute(
        ((r.contribution_base, r.employer) for r in sheet.rows),
        read=sheet.employer,
        rates=standards,
    )
    PayrollContribution.objects.bulk_create(
        PayrollContribution(
            batch=batch,
            item=c.item,
            name=c.name,
            base=c.base,
            rate_bp=c.rate_bp,
            amount=c.amount,
            components=c.components,
        )
        for c in owed
    )
    audit_record(
        action="payments.payroll_import",
        actor=actor,
        obj=batch,
        changes={"state": [None, PayrollState.IMPORTED]},
        extra={
            "file": filename,
            "sha256": digest,
            "employees": len(sheet.rows),
            "contributions": {c.item: c.amount for c in owed},
            "personnel_check": checked.mode,
            "warnings": sum(1 for f in checked.findings if f["outcome"] == WARN),
        },
    )
    return batch


# --- matching (R-PY-4) -------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    item: str  # economic code of the salary item
    line_id: int
    amount: int  # fen


def salary_lines(batch: PayrollBatch) -> list[IndicatorLine]:
    """The unit's executable salary lines of the year with money left, best first."""
    return list(
        IndicatorLine.objects.filter(
            organisation_id=batch.organisation_id,
            fiscal_year=batch.fiscal_year,
            kind=LineKind.EXECUTABLE,
            is_sal=True,
            available__gt=0,
        ).order_by("dep_bgt_eco_code", "-available", "pk")
    )


def covers(line: IndicatorLine, item: str) -> bool:
    """A line of economic code 30101 pays item 30101; a line kept at 301 pays any 301xx."""
    return item.startswith(line.dep_bgt_eco_code)


def proposal(batch: PayrollBatch, lines: Sequence[IndicatorLine] | None = None) -> list[Match]:
    """Each item on the lines of its economic code, largest balance first, as far as it goes.
    ``lines``: ``salary_lines(batch)`` when the caller has them already."""
    lines = salary_lines(batch) if lines is None else lines
    left = {line.pk: line.available for line in lines}
    matches: list[Match] = []
    for item, total in sorted(batch.items.items()):
        unmatched = total
        for line in lines:
            if unmatched <= 0:
                break
            if not covers(line, item) or left[line.pk] <= 0:
                continue
            take = min(unmatched, left[line.pk])
            matches.append(Match(item, line.pk, take))
            left[line.pk] -= take
            unmatched -= take
    return matches


def check_matches(
    batch: PayrollBatch, matches: Sequence[Match], lines: Mapping[int, IndicatorLine]
) -> list[ErrorDetail]:
    """The three checks of R-PY-4 on each matched amount, then: every item matched in full."""
    errors: list[ErrorDetail] = []
    unmatched = dict(batch.items)
    mountable = {pk: line.available for pk, line in lines.items()}
    for index, match in enumerate(matches):
        path = f"matches[{index}]"
        line = lines.get(match.line_id)
        if match.item not in unmatched:
            errors.append(
                _match_error(
                    path + ".item",
                    index,
                    "payroll.match_item",
                    f"工资表没有项目 {match.item}",
                    f"the sheet has no item {match.item}",
                    match.item,
                )
            )
            continue
        if line is None or not covers(line, match.item):
            errors.append(
                _match_error(
                    path + ".line",
                    index,
                    "payroll.match_line",
                    f"项目 {match.item} 须挂接本单位经济分类相符的可执行工资指标",
                    f"item {match.item} needs an executable salary line "
                    "of this unit with a matching economic code",
                    line.code if line else match.line_id,
                )
            )
            continue
        if match.amount <= 0:
            errors.append(
                _match_error(
                    path + ".amount",
                    index,
                    "payroll.match_not_positive",
                    f"挂接金额须大于 0（当前 {Money(match.amount)} 元）",
                    f"the matched amount must be above 0 (got {Money(match.amount)})",
                    Money(match.amount).format(),
                    limit="> 0",
                )
            )
            continue
        if match.amount > mountable[line.pk]:
            errors.append(
                _match_error(
                    path + ".amount",
                    index,
                    "payroll.match_over_line",
                    f"指标 {line.code} 可挂接额度 {Money(mountable[line.pk])} 元，"
                    f"本次挂接 {Money(match.amount)} 元",
                    f"indicator {line.code} can take "
                    f"{Money(mountable[line.pk])}; "
                    f"{Money(match.amount)} was matched",
                    Money(match.amount).format(),
                    limit=Money(mountable[line.pk]).format(),
                )
            )
            continue
        if match.amount > unmatched[match.item]:
            errors.append(
                _match_error(
                    path + ".amount",
                    index,
                    "payroll.match_over_item",
                    f"项目 {match.item} 未挂接金额 {Money(unmatched[match.item])} 元，"
                    f"本次挂接 {Money(match.amount)} 元",
                    f"item {match.item} has {Money(unmatched[match.item])} "
                    f"unmatched; {Money(match.amount)} was matched",
                    Money(match.amount).format(),
                    limit=Money(unmatched[match.item]).format(),
                )
            )
            continue
        mountable[line.pk] -= match.amount
        unmatched[match.item] -= match.amount
    for item, left in sorted(unmatched.items()):
        if left > 0:
            errors.append(
                ErrorDetail(
                    code="payroll.item_unmatched",
                    rule=RULE,
                    field=f"items.{item}",
                    value=Money(left).format(),
                    limit="0.00",
                    message_zh=f"工资项目 {item} 还有 {Money(left)} 元未挂接指标（可用工资指标不足）",
                    message_en=f"salary item {item} has {Money(left)} not matched to any indicator "
                    "(not enough salary indicator left)",
                )
            )
    return errors


def _match_error(
    path: str, index: int, code: str, zh: str, en: str, value: object, limit: object = None
) -> ErrorDetail:
    return ErrorDetail(
        code=code,
        rule=RULE,
        field=path,
        row=index,
        value=value,
        limit=limit,
        message_zh=f"挂接第 {index + 1} 行：{zh}",
        message_en=f"match row {index + 1}: {en}",
    )


def fill(
    pools: Sequence[tuple[int, int]], amounts: Sequence[int]
) -> list[tuple[tuple[int, int], ...]]:
    """Charge each amount, in order, to the pools in order (north-west corner): pool totals and
    amounts are met exactly, in fen, and an amount spans two pools only at a pool's end."""
    if sum(fen for _, fen in pools) != sum(amounts):
        raise ValueError("the matched total is not the batch total")
    result: list[tuple[tuple[int, int], ...]] = []
    queue = [[line_id, fen] for line_id, fen in pools if fen > 0]
    at = 0
    for amount in amounts:
        parts: list[tuple[int, int]] = []
        need = amount
        while need:
            line_id, left = queue[at]
            take = min(need, left)
            parts.append((line_id, take))
            need -= take
            queue[at][1] -= take
            if queue[at][1] == 0:
                at += 1
        result.append(tuple(parts))
    return result


def salary_parts(
    batch: PayrollBatch,
    pools: Sequence[tuple[str, int]],
    withheld: Sequence[tuple[str, int]],
) -> list[AccrualPart]:
    """E1/E2: the gross pay by item, and which item each withholding comes out of: the net pay
    lines take the matched items first, in the order the request's lines are charged (``fill``),
    so the withholdings are what each item has left; then each item's payable clears exactly
    when its lines are paid."""
    nets = [e.net for e in batch.rows.order_by("row")]
    ordered = sorted(pools)
    taken = fill([(int(item), fen) for item, fen in ordered], [*nets, *(f for _, f in withheld)])
    parts = [AccrualPart("gross", item, fen) for item, fen in sorted(batch.items.items())]
    for (name, _), charge in zip(withheld, taken[len(nets) :], strict=True):
        parts += [AccrualPart("withheld", f"{item:05d}", fen, kind=name) for item, fen in charge]
    return parts


@transaction.atomic
def payroll_request_create(
    *,
    actor: Actor,
    batch_id: int,
    pay_date: dt.date,
    payer_account_id: int | None,
    deduction_payees: Mapping[str, int | None],
    matches: Sequence[Match] | None = None,
) -> PaymentRequest:
    ensure_permission(actor, "payments.add_paymentrequest")
    batch = (
        locks.batch_qs_select_for_update()
        .visible_to(actor)
        .select_related("organisation")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        raise NotFoundError("salary batch")
    if batch.state != PayrollState.IMPORTED:
        raise BusinessRuleError.single(
            code="payroll.already_requested",
            field="state",
            value=batch.get_state_display(),
            message_zh=f"工资批次 {batch.number} 已生成支付申请",
            message_en=f"salary batch {batch.number} already has its payment request",
            status=409,
        )
    available = salary_lines(batch)
    lines = {line.pk: line for line in available}
    chosen = list(matches) if matches is not None else proposal(batch, available)
    errors = check_matches(batch, chosen, lines)
    for name, fen in sorted(batch.deduction_totals.items()):
        if fen > 0 and not deduction_payees.get(name):
            errors.append(
                ErrorDetail(
                    code="payroll.deduction_payee",
                    rule="R-PY-5",
                    field=f"deduction_payees.{name}",
                    value=Money(fen).format(),
                    message_zh=f"请选择代扣“{name}”（{Money(fen)} 元）的收款人",
                    message_en=f"pick the payee of the withheld '{name}' ({Money(fen)})",
                )
            )
    raise_if_any(errors)
    employees = list(batch.rows.order_by("row"))
    withheld = [(n, f) for n, f in sorted(batch.deduction_totals.items()) if f > 0]
    amounts = [e.net for e in employees] + [fen for _, fen in withheld]
    pools = [(m.line_id, m.amount) for m in sorted(chosen, key=lambda m: (m.item, m.line_id))]
    charges = fill(pools, amounts)
    summary = f"{batch.fiscal_year}年{batch.month}月工资"
    rows = [
        PaymentLineInput(
            indicator_line_id=charge[0][0],
            amount=Money(e.net),
            summary=summary,
            payee=PayeeSnapshot(PayeeKind.INDIVIDUAL, e.name, e.account_no, e.bank_name),
            charges=charge,
        )
        for e, charge in zip(employees, charges, strict=False)
    ]
    rows += [
        PaymentLineInput(
            indicator_line_id=charge[0][0],
            amount=Money(fen),
            payee_id=deduction_payees[name],
            summary=f"{summary}代扣{name}",
            charges=charge,
        )
        for (name, fen), charge in zip(withheld, charges[len(employees) :], strict=True)
    ]
    request = create(
        actor=actor,
        data=PaymentInput(
            business_type=BusinessType.SALARY,
            settlement_mode=SettlementMode.TRANSFER,
            purpose=f"{summary}（{batch.number}，{batch.employees} 人）",
            pay_date=pay_date,
            payer_account_id=payer_account_id,
            lines=rows,
            organisation_id=batch.organisation_id,
        ),
        organisation=batch.organisation,
        fiscal_year=batch.fiscal_year,
    )
    PAYROLL_ACCRUED.publish_built(
        lambda: accrued(
            batch,
            kind="salary",
            parts=salary_parts(batch, [(m.item, m.amount) for m in chosen], withheld),
            business_date=pay_date,
            event_by_id=actor.pk,
        )
    )
    batch.matches = [[m.item, m.line_id, m.amount] for m in chosen]
    batch.request = request
    batch.state = PayrollState.REQUESTED
    batch.save(update_fields=["matches", "request", "state", "updated_at"])
    audit_record(
        action="payments.payroll_request",
        actor=actor,
        obj=batch,
        changes={"state": [PayrollState.IMPORTED, PayrollState.REQUESTED]},
        extra={"request": request.number, "matches": batch.matches},
    )
    return request


def matching_report(
    batch: PayrollBatch, proposed: Sequence[Match] | None = None
) -> list[dict[str, object]]:
    """工资发放与指标匹配表 (DOMAIN §8): per salary item, its total, what each indicator line
    took and what is left unmatched — the matching used, or the proposal (``proposed`` when the
    caller has it already) until the request is generated."""
    if batch.matches:
        matches = [Match(*m) for m in batch.matches]
    else:
        matches = list(proposed) if proposed is not None else proposal(batch)
    codes = IndicatorLine.objects.in_bulk({m.line_id for m in matches})
    report = []
    for item, total in sorted(batch.items.items()):
        taken = [m for m in matches if m.item == item]
        matched = sum(m.amount for m in taken)
        report.append(
            {
                "item": item,
                "total": total,
                "matched": matched,
                "unmatched": total - matched,
                "lines": [(codes[m.line_id], m.amount) for m in taken if m.line_id in codes],
            }
        )
    return report
