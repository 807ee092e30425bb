"""Paying a salary batch's employer contributions (单位缴费, R-PY-13; ADR 0031).

Each contribution of the batch (computed at import, ``payroll.contributions``) is one payment line
to the agency the clerk names, charged to the unit's executable personnel lines of **its own**
economic code (30108, 30109, 30110, 30112, 30113) and functional code (2080505, 2080506,
2101101/2101102, the unit's function line, 2210201; DOMAIN §3.11) — never to the salary lines
the pay is drawn on. Contributions with the same payee make one request (one to the
social-insurance agency, one to the housing-fund centre). A missing or short line is named: its
unit, economic code and functional code, the amount owed and what the matching lines have left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.payments.choices import BusinessType, SettlementMode
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services.checks import PaymentInput, PaymentLineInput
from yusuan.payments.services.requests import create
from yusuan.payroll import locks
from yusuan.payroll.choices import PayrollState
from yusuan.payroll.contributions import RULE
from yusuan.payroll.events import PAYROLL_ACCRUED, AccrualPart, accrued
from yusuan.payroll.selectors import contribution_plan


@transaction.atomic
def payroll_contributions_request(
    *,
    actor: Actor,
    batch_id: int,
    pay_date: dt.date,
    payer_account_id: int | None,
    payees: Mapping[str, int | None],
) -> list[PaymentRequest]:
    """R-PY-13: the batch's employer contributions as draft payment requests, one per payee."""
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
    owed = list(batch.contributions.order_by("item"))
    if batch.state == PayrollState.VOID or not owed:
        raise BusinessRuleError.single(
            code="payroll.no_contributions",
            rule=RULE,
            field="contributions",
            value=batch.number,
            message_zh=f"工资批次 {batch.number} 没有待支付的单位缴费",
            message_en=f"salary batch {batch.number} has no employer contributions to pay",
        )
    if any(c.request_id for c in owed):
        raise BusinessRuleError.single(
            code="payroll.contributions_requested",
            rule=RULE,
            field="contributions",
            value=batch.number,
            message_zh=f"工资批次 {batch.number} 的单位缴费已生成支付申请",
            message_en=f"the employer contributions of batch {batch.number} are already requested",
            status=409,
        )
    plan = contribution_plan(batch)
    errors: list[ErrorDetail] = []
    charges: dict[str, list[tuple[int, int]]] = {}
    for entry in plan:
        item, amount = entry.contribution.item, entry.contribution.amount
        functional = "/".join(entry.functional_codes) or "—"
        where = (
            f"{batch.organisation.name} 经济分类 {item}、功能分类 {functional}",
            f"{batch.organisation.name}, economic code {item}, functional code {functional}",
        )
        if not entry.lines:
            errors.append(
                ErrorDetail(
                    code="payroll.contribution_line_missing",
                    rule=RULE,
                    field=f"contributions.{item}",
                    value=Money(amount).format(),
                    limit="0.00",
                    message_zh=f"单位缴费 {item} {entry.contribution.name} {Money(amount)} 元："
                    f"没有可用的人员经费指标（{where[0]}）；单位缴费不能挂接工资指标",
                    message_en=f"employer contribution {item} ({Money(amount)}): no executable "
                    f"personnel line with money left ({where[1]}); contributions are not paid "
                    "from the salary lines",
                )
            )
            continue
        if entry.available < amount:
            errors.append(
                ErrorDetail(
                    code="payroll.contribution_line_short",
                    rule=RULE,
                    field=f"contributions.{item}",
                    value=Money(amount).format(),
                    limit=Money(entry.available).format(),
                    message_zh=f"单位缴费 {item} {entry.contribution.name} 需 {Money(amount)} 元，"
                    f"相应指标（{where[0]}）仅余 {Money(entry.available)} 元",
                    message_en=f"employer contribution {item} needs {Money(amount)}; the "
                    f"matching lines ({where[1]}) have {Money(entry.available)} left",
                )
            )
            continue
        left, parts = amount, []
        for line in entry.lines:
            take = min(left, line.available)
            if take > 0:
                parts.append((line.pk, take))
                left -= take
        charges[item] = parts
    for entry in plan:
        item = entry.contribution.item
        if not payees.get(item):
            errors.append(
                ErrorDetail(
                    code="payroll.contribution_payee",
                    rule=RULE,
                    field=f"contribution_payees.{item}",
                    value=Money(entry.contribution.amount).format(),
                    message_zh=f"请选择单位缴费 {item} {entry.contribution.name} 的收款机构"
                    "（社会保险经办机构或住房公积金管理中心）",
                    message_en=f"pick the agency that receives employer contribution {item} "
                    "(the social-insurance agency or the housing-fund centre)",
                )
            )
    raise_if_any(errors)
    summary = f"{batch.fiscal_year}年{batch.month}月单位缴费"
    by_payee: dict[int, list[str]] = {}
    for entry in plan:
        payee_id = payees[entry.contribution.item]
        assert payee_id is not None
        by_payee.setdefault(payee_id, []).append(entry.contribution.item)
    owed_by_item = {c.item: c for c in owed}
    created: list[PaymentRequest] = []
    for payee_id, items in by_payee.items():
        request = create(
            actor=actor,
            data=PaymentInput(
                business_type=BusinessType.SALARY,
                settlement_mode=SettlementMode.TRANSFER,
                purpose=f"{summary}（{batch.number}）："
                + "、".join(owed_by_item[i].name for i in items),
                pay_date=pay_date,
                payer_account_id=payer_account_id,
                payee_id=payee_id,
                lines=[
                    PaymentLineInput(
                        indicator_line_id=charges[i][0][0],
                        amount=Money(owed_by_item[i].amount),
                        payee_id=payee_id,
                        summary=f"{summary}：{i} {owed_by_item[i].name}",
                        charges=tuple(charges[i]),
                    )
                    for i in items
                ],
                organisation_id=batch.organisation_id,
            ),
            organisation=batch.organisation,
            fiscal_year=batch.fiscal_year,
        )
        created.append(request)
        for i in items:
            contribution = owed_by_item[i]
            contribution.request = request
            contribution.matches = [list(part) for part in charges[i]]
            contribution.save(update_fields=["request", "matches"])
    PAYROLL_ACCRUED.publish_built(  # E5: the employer's share accrued as it is requested
        lambda: accrued(
            batch,
            kind="contributions",
            parts=[AccrualPart("contribution", c.item, c.amount) for c in owed],
            business_date=pay_date,
            event_by_id=actor.pk,
        )
    )
    audit_record(
        action="payments.payroll_contributions",
        actor=actor,
        obj=batch,
        changes={},
        extra={
            "requests": [r.number for r in created],
            "contributions": {i: [c.amount, charges[i]] for i, c in owed_by_item.items()},
        },
    )
    return created
