"""The minimal contract registry of the double control (合同备案, R-PY-3, R-GP-4): a filed
procurement contract names its supplier, its amount and the procurement indicator lines it is
paid from; payments on those lines must cite it, go to its supplier and stay within it. The
procurement issue extends this (plans, award notices, R-GP-1…3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import ErrorDetail, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import PayeeKind
from yusuan.core.models import Payee
from yusuan.core.selectors import acting_organisation
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.procurement.models import Contract


@dataclass(frozen=True)
class ContractInput:
    number: str
    title: str
    supplier_id: int | None
    amount: Money
    indicator_line_ids: Sequence[int]
    filed_on: dt.date
    organisation_id: int | None = None


def _error(field: str, code: str, zh: str, en: str, value: object = None) -> ErrorDetail:
    return ErrorDetail(
        code=code, rule="R-PY-3", field=field, value=value, message_zh=zh, message_en=en
    )


@transaction.atomic
def contract_file(*, actor: Actor, data: ContractInput, fiscal_year: int) -> Contract:
    ensure_permission(actor, "procurement.add_contract")
    organisation = acting_organisation(actor=actor, organisation_id=data.organisation_id)
    errors: list[ErrorDetail] = []
    number = data.number.strip()
    if not number:
        errors.append(_error("number", "contracts.number_required", "合同编号不能为空", "number"))
    elif Contract.objects.filter(mof_div_code=organisation.mof_div_code, number=number).exists():
        errors.append(
            _error(
                "number",
                "contracts.number_taken",
                f"合同编号 {number} 已备案",
                f"contract {number} is already filed",
                number,
            )  # fmt: skip
        )
    if not data.title.strip():
        errors.append(_error("title", "contracts.title_required", "合同名称不能为空", "title"))
    supplier = (
        Payee.objects.visible_to(actor)
        .filter(pk=data.supplier_id or 0, kind=PayeeKind.ORGANISATION, is_enabled=True)
        .first()
    )
    if supplier is None:
        errors.append(
            _error(
                "supplier",
                "contracts.supplier",
                "供应商须为已登记且启用的单位收款人",
                "the supplier must be a registered, enabled organisation payee",
                data.supplier_id,
            )  # fmt: skip
        )
    if data.amount.fen <= 0:
        errors.append(
            _error(
                "amount",
                "contracts.amount",
                f"合同金额须大于 0（当前 {data.amount} 元）",
                "the amount must be above 0",
                data.amount.format(),
            )  # fmt: skip
        )
    lines = list(
        IndicatorLine.objects.visible_to(actor).filter(
            pk__in=data.indicator_line_ids, organisation=organisation, fiscal_year=fiscal_year
        )
    )
    if not lines or len(lines) != len(set(data.indicator_line_ids)):
        errors.append(
            _error(
                "indicator_lines",
                "contracts.lines",
                "请选择本单位本年度的指标",
                "pick indicator lines of this unit and year",
            )  # fmt: skip
        )
    for line in lines:
        if line.kind != LineKind.EXECUTABLE or not line.is_gov_pur:
            errors.append(
                _error(
                    "indicator_lines",
                    "contracts.not_procurement",
                    f"指标 {line.code} 不是可执行的政府采购指标",
                    f"{line.code} is not an executable procurement line",
                    line.code,
                )  # fmt: skip
            )
    if data.filed_on.year != fiscal_year:
        errors.append(
            _error(
                "filed_on",
                "contracts.filed_on",
                f"备案日期须在 {fiscal_year} 年度内",
                f"the filing date must be in {fiscal_year}",
                str(data.filed_on),
            )  # fmt: skip
        )
    raise_if_any(errors)
    assert supplier is not None  # no error means it was found
    contract = Contract.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        organisation=organisation,
        number=number,
        title=data.title.strip(),
        supplier=supplier,
        amount=data.amount.fen,
        filed_on=data.filed_on,
    )
    contract.indicator_lines.set(lines)
    audit_record(
        action="payments.contract_file",
        actor=actor,
        obj=contract,
        changes={"amount": [None, data.amount.format()]},
        extra={"supplier": supplier.name, "lines": [x.code for x in lines]},
    )
    return contract
