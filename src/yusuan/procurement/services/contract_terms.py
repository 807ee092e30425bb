"""The terms of a contract checked at filing (R-GP-3, R-GP-9, R-GP-10; ADR 0052): the award it
is signed on, its signing and publication dates, its payment schedule. ``contracts.contract_file``
calls these and files nothing while any of them names a problem."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail
from yusuan.common.money import Money
from yusuan.core.models import Payee
from yusuan.procurement.choices import InstalmentKind
from yusuan.procurement.models import ProcurementAward

if TYPE_CHECKING:
    from yusuan.procurement.services.contracts import ContractInput


def contract_error(field: str, code: str, zh: str, en: str, value: object = None) -> ErrorDetail:
    return ErrorDetail(
        code=code, rule="R-PY-3", field=field, value=value, message_zh=zh, message_en=en
    )


@dataclass(frozen=True)
class InstalmentInput:
    """A node of the payment schedule (R-GP-10): its share, and what it waits for."""

    name: str
    kind: str
    amount: Money
    warranty_ends: dt.date | None = None


def award_of(
    actor: Actor,
    data: ContractInput,
    organisation_id: int,
    supplier: Payee | None,
    errors: list[ErrorDetail],
) -> ProcurementAward | None:
    """R-GP-9: the award the contract is signed on — of the unit, not yet contracted — whose
    supplier and amount the contract must repeat (the bureau's filing check)."""
    if data.award_id is None:
        return None
    award = (
        ProcurementAward.objects.visible_to(actor)
        .filter(pk=data.award_id, organisation_id=organisation_id)
        .select_related("plan", "supplier")
        .first()
    )
    if award is None:
        errors.append(
            replace(
                contract_error(
                    "award",
                    "contracts.award",
                    "采购结果不存在或不属于本单位",
                    "no such award of the unit",
                    data.award_id,
                ),
                rule="R-GP-9",
            )
        )
        return None
    if data.plan_id is not None and data.plan_id != award.plan_id:
        errors.append(
            replace(
                contract_error(
                    "plan",
                    "contracts.award_plan",
                    f"采购结果属于计划 {award.plan.number}，与所选计划不符",
                    f"the award belongs to plan {award.plan.number}",
                    data.plan_id,
                ),
                rule="R-GP-9",
            )
        )
    if award.contracts.exists():
        errors.append(
            replace(
                contract_error(
                    "award",
                    "contracts.award_used",
                    "该采购结果已签订合同；补充合同另行办理",
                    "a contract was already signed on this award",
                    data.award_id,
                ),
                rule="R-GP-9",
            )
        )
    if supplier is not None and supplier.pk != award.supplier_id:
        errors.append(
            replace(
                contract_error(
                    "supplier",
                    "contracts.award_supplier",
                    f"供应商须为成交供应商 {award.supplier.name}",
                    f"the supplier must be the awarded one, {award.supplier.name}",
                    supplier.name,
                ),
                rule="R-GP-9",
                limit=award.supplier.name,
            )
        )
    if data.amount.fen != award.amount:
        errors.append(
            replace(
                contract_error(
                    "amount",
                    "contracts.award_amount",
                    f"合同金额 {data.amount} 元须等于成交金额 {Money(award.amount)} 元",
                    f"the contract amount {data.amount} must equal the award {Money(award.amount)}",
                    data.amount.format(),
                ),
                rule="R-GP-9",
                limit=Money(award.amount).format(),
            )
        )
    return award


def date_errors(
    data: ContractInput, award: ProcurementAward | None, errors: list[ErrorDetail]
) -> None:
    """Signed on or after the award notice, not after filing; published not before signing.
    Signed 30 days after the notice or filed 7 working days after signing is late (R-GP-3):
    tracked on the contract's page and in the reports, not refused."""
    signed = data.signed_on
    if award is not None and signed is None:
        errors.append(
            replace(
                contract_error(
                    "signed_on",
                    "contracts.signed_on_required",
                    "请填写合同签订日期",
                    "the signing date is required",
                ),
                rule="R-GP-3",
            )
        )
    if signed is not None and (
        signed > data.filed_on or (award is not None and signed < award.noticed_on)
    ):
        earliest = award.noticed_on if award is not None else None
        errors.append(
            replace(
                contract_error(
                    "signed_on",
                    "contracts.signed_on",
                    f"签订日期须在成交通知（{earliest or '—'}）之后、备案日期 {data.filed_on} 之前",
                    f"the contract is signed after the award notice ({earliest or '-'}) and "
                    f"before its filing ({data.filed_on})",
                    str(signed),
                ),
                rule="R-GP-3",
                limit=str(data.filed_on),
            )
        )
    published = data.published_on
    if published is not None and (signed is None or published < signed):
        errors.append(
            replace(
                contract_error(
                    "published_on",
                    "contracts.published_on",
                    "合同公告日期不能早于签订日期",
                    "the contract is published after it is signed",
                    str(published),
                ),
                rule="R-GP-3",
                limit=str(signed or ""),
            )
        )


def schedule_of(data: ContractInput, errors: list[ErrorDetail]) -> list[dict[str, Any]]:
    """R-GP-10: the payment schedule's nodes, Σ = the contract amount; an acceptance node waits
    for its milestone's acceptance, a retention node for the warranty's end."""
    nodes: list[dict[str, Any]] = []
    for row, node in enumerate(data.instalments):
        name = node.name.strip()
        if not name or len(name) > 60:
            errors.append(
                replace(
                    contract_error(
                        f"instalments[{row}].name",
                        "contracts.instalment_name",
                        f"付款节点第 {row + 1} 行：请填写节点名称（最多 60 字）",
                        f"schedule row {row + 1}: name the milestone (at most 60 characters)",
                        name[:60],
                    ),
                    rule="R-GP-10",
                    row=row,
                )
            )
        if node.kind not in InstalmentKind.values:
            errors.append(
                replace(
                    contract_error(
                        f"instalments[{row}].kind",
                        "contracts.instalment_kind",
                        f"付款节点第 {row + 1} 行：节点类型无效",
                        f"schedule row {row + 1}: unknown kind",
                        node.kind,
                    ),
                    rule="R-GP-10",
                    row=row,
                    limit=list(InstalmentKind.values),
                )
            )
        if node.amount.fen <= 0:
            errors.append(
                replace(
                    contract_error(
                        f"instalments[{row}].amount",
                        "contracts.instalment_amount",
                        f"付款节点第 {row + 1} 行：金额须大于 0（当前 {node.amount} 元）",
                        f"schedule row {row + 1}: the amount must be above 0",
                        node.amount.format(),
                    ),
                    rule="R-GP-10",
                    row=row,
                )
            )
        retention = node.kind == InstalmentKind.RETENTION
        if retention and node.warranty_ends is None:
            errors.append(
                replace(
                    contract_error(
                        f"instalments[{row}].warranty_ends",
                        "contracts.warranty_ends_required",
                        f"付款节点第 {row + 1} 行：质保金须填写质保期满日期",
                        f"schedule row {row + 1}: a retention names the warranty's end",
                    ),
                    rule="R-GP-10",
                    row=row,
                )
            )
        nodes.append(
            {
                "name": name[:60],
                "kind": node.kind,
                "amount": node.amount.fen,
                "requires_acceptance": node.kind == InstalmentKind.ACCEPTANCE,
                "warranty_ends": node.warranty_ends if retention else None,
            }
        )
    total = sum(x.amount.fen for x in data.instalments)
    if nodes and total != data.amount.fen:
        errors.append(
            replace(
                contract_error(
                    "instalments",
                    "contracts.schedule_sum",
                    f"付款计划合计 {Money(total)} 元，须等于合同金额 {data.amount} 元",
                    f"the schedule adds up to {Money(total)}; it must equal the contract {data.amount}",
                    Money(total).format(),
                ),
                rule="R-GP-10",
                limit=data.amount.format(),
            )
        )
    return nodes
