"""The checks of a payment request before it is saved or submitted (DOMAIN §3.6).

Each error names the rule, the field path (``lines[2].amount``), the row, the value and the limit
(DESIGN §6). Lookups are made once per request, not per line: a salary batch has hundreds of lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail
from yusuan.common.masking import mask_account_no
from yusuan.common.money import Money
from yusuan.core.choices import AccountType, FiscalYearStatus, OrganisationKind, PayeeKind
from yusuan.core.models import BankAccount, FiscalYear, Organisation, Payee
from yusuan.core.rules import check_bank_account_no
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services.ledger import insufficient
from yusuan.payments.agent_banks import (
    is_allocation,
    is_transfer_to_lower_government,
    lower_treasuries,
)
from yusuan.payments.choices import BusinessType, SettlementMode
from yusuan.procurement.choices import AcceptanceResult, ContractState
from yusuan.procurement.models import Contract, ContractInstalment, ContractLine
from yusuan.procurement.services.reservations import closed_error, exceeded_error


@dataclass(frozen=True)
class PayeeSnapshot:
    """A payee not kept in the registry: one employee of a salary sheet (R-PY-4)."""

    kind: str
    name: str
    account_no: str
    bank_name: str


@dataclass(frozen=True)
class PaymentLineInput:
    indicator_line_id: int | None
    amount: Money
    payee_id: int | None = None  # default: the request's payee
    summary: str = ""
    payee: PayeeSnapshot | None = None
    # (indicator line id, fen) when the line is borne by several indicator lines (a salary
    # batch, ADR 0012); empty: all of it on ``indicator_line_id``.
    charges: tuple[tuple[int, int], ...] = ()

    def charged(self) -> tuple[tuple[int, int], ...]:
        if self.charges:
            return self.charges
        return ((self.indicator_line_id or 0, self.amount.fen),)


@dataclass(frozen=True)
class PaymentInput:
    business_type: str
    settlement_mode: str
    purpose: str
    pay_date: dt.date
    payer_account_id: int | None
    lines: Sequence[PaymentLineInput]
    payee_id: int | None = None
    contract_id: int | None = None
    organisation_id: int | None = None
    # R-GP-10: the payment-schedule node paid (a contract with a schedule needs one).
    instalment_id: int | None = None


@dataclass
class Checked:
    errors: list[ErrorDetail] = field(default_factory=list)
    indicator_lines: dict[int, IndicatorLine] = field(default_factory=dict)
    payees: dict[int, Payee] = field(default_factory=dict)
    contract: Contract | None = None
    instalment: ContractInstalment | None = None
    payer_account: BankAccount | None = None
    # R-PY-12: the lower governments' finance bureaus a 实拨 may pay (credit code → name).
    lower_treasuries: dict[str, str] | None = None


def _err(code: str, path: str, zh: str, en: str, **kwargs: Any) -> ErrorDetail:
    return ErrorDetail(code=code, field=path, message_zh=zh, message_en=en, **kwargs)


def _row_err(index: int, name: str, code: str, zh: str, en: str, **kwargs: Any) -> ErrorDetail:
    return _err(
        code,
        f"lines[{index}].{name}",
        f"第 {index + 1} 行：{zh}",
        f"row {index + 1}: {en}",
        row=index,
        **kwargs,
    )


def _header_errors(
    data: PaymentInput, organisation: Organisation, fiscal_year: int, checked: Checked
) -> None:
    errors = checked.errors
    if data.business_type not in BusinessType.values:
        errors.append(
            _err(
                "payments.bad_business_type",
                "business_type",
                "支付业务类型无效",
                "unknown business type",
                value=data.business_type,
                limit=list(BusinessType.values),
            )
        )
    if data.settlement_mode not in SettlementMode.values:
        errors.append(
            _err(
                "payments.bad_settlement_mode",
                "settlement_mode",
                "结算方式无效",
                "unknown settlement mode",
                value=data.settlement_mode,
                limit=list(SettlementMode.values),
            )
        )
    if not data.purpose.strip():
        errors.append(
            _err("payments.purpose_required", "purpose", "用途不能为空", "purpose required")
        )
    year = FiscalYear.objects.filter(
        mof_div_code=organisation.mof_div_code, year=fiscal_year
    ).first()
    if data.pay_date.year != fiscal_year or year is None or year.status != FiscalYearStatus.OPEN:
        errors.append(
            _err(
                "payments.date_outside_year",
                "pay_date",
                f"支付日期 {data.pay_date} 不在已开放的 {fiscal_year} 预算年度内",
                f"payment date {data.pay_date} is outside the open fiscal year {fiscal_year}",
                rule="R-PY-7",
                value=str(data.pay_date),
                limit=str(fiscal_year),
            )
        )
    # R-RF-4: the unit's own zero-balance account; R-PY-12: or, for 实拨, the 国库单一账户 of the
    # region's finance bureau (the treasury pays the lower government, not the unit's bank).
    account = (
        BankAccount.objects.filter(pk=data.payer_account_id)
        .filter(
            Q(organisation=organisation, account_type=AccountType.UNIT_ZERO_BALANCE)
            | Q(
                organisation__mof_div_code=organisation.mof_div_code,
                organisation__kind=OrganisationKind.FINANCE_BUREAU,
                account_type=AccountType.TREASURY_SINGLE,
            )
        )
        .first()
        if data.payer_account_id
        else None
    )
    if account is None or not account.is_enabled:
        errors.append(
            _err(
                "payments.bad_payer_account",
                "payer_account",
                "付款账户须为本单位启用的单位零余额账户（实拨：本级国库单一账户）",
                "the payer account must be the unit's own enabled zero-balance account "
                "(实拨: the region's treasury single account)",
                rule="R-RF-4",
                value=account.account_no if account else data.payer_account_id,
            )
        )
    else:
        checked.payer_account = account


def _load(actor: Actor, data: PaymentInput, organisation: Organisation, checked: Checked) -> None:
    ids = {x.indicator_line_id for x in data.lines} - {None}
    ids |= {line_id for x in data.lines for line_id, _ in x.charges}
    checked.indicator_lines = (
        IndicatorLine.objects.visible_to(actor).filter(organisation=organisation).in_bulk(ids)
    )
    payee_ids = ({x.payee_id for x in data.lines} | {data.payee_id}) - {None}
    checked.payees = Payee.objects.visible_to(actor).filter(is_enabled=True).in_bulk(payee_ids)
    if data.contract_id is not None:
        checked.contract = (
            Contract.objects.visible_to(actor)
            .filter(pk=data.contract_id, organisation=organisation)
            .select_related("supplier")
            .first()
        )
        if checked.contract is None:
            checked.errors.append(
                _err(
                    "payments.contract_unknown",
                    "contract",
                    "合同不存在或不属于本单位",
                    "contract not found for this unit",
                    rule="R-PY-3",
                    value=data.contract_id,
                )
            )


def validate(
    actor: Actor, data: PaymentInput, *, organisation: Organisation, fiscal_year: int
) -> Checked:
    checked = Checked()
    errors = checked.errors
    _header_errors(data, organisation, fiscal_year, checked)
    _load(actor, data, organisation, checked)
    if not data.lines:
        errors.append(_err("payments.no_lines", "lines", "至少需要一行", "at least one line"))
    contract = checked.contract
    contract_lines = (
        set(contract.indicator_lines.values_list("pk", flat=True)) if contract else set()
    )
    # R-GP-9: what the contract still holds per line it reserves; paid from there, not available.
    # A closed contract pays nothing more: that one error says it.
    reserved: dict[int, ContractLine] = {}
    if contract is not None and contract.state != ContractState.FILED:
        errors.append(closed_error(contract))
    elif contract is not None:
        reserved = {
            x.indicator_line_id: x
            for x in contract.lines.select_related("indicator_line", "contract")
        }
    asked: dict[int, int] = {}
    short: set[int] = set()
    wrong_account: set[int] = set()
    on_contract = 0
    for index, item in enumerate(data.lines):
        if item.amount.fen <= 0:
            errors.append(
                _row_err(
                    index,
                    "amount",
                    "payments.amount_not_positive",
                    f"金额必须大于 0（当前 {item.amount} 元）",
                    f"the amount must be above 0 (got {item.amount})",
                    value=item.amount.format(),
                    limit="> 0",
                )
            )
        line = _executable(checked, item.indicator_line_id, fiscal_year)
        if line is None:
            errors.append(_no_indicator(index, checked, item.indicator_line_id, fiscal_year))
            continue
        payee = _payee_errors(index, item, data, checked)
        allocation = is_allocation(checked.payer_account)
        transfer = is_transfer_to_lower_government(line.gov_bgt_eco_code)
        if allocation and not transfer:
            # R-PY-12: the treasury single account pays only 转移支付 by 实拨, nothing else.
            errors.append(
                _row_err(
                    index,
                    "indicator_line",
                    "payments.allocation_not_transfer",
                    f"指标 {line.code} 不是对下级政府的转移支付（政府经济分类 "
                    f"{line.gov_bgt_eco_code or '—'}），不能以实拨方式从国库单一账户拨付",
                    f"indicator {line.code} is not a transfer to a lower-level government "
                    f"(government economic class {line.gov_bgt_eco_code or '—'}): it cannot be "
                    "paid by 实拨 from the treasury single account",
                    rule="R-PY-12",
                    value=line.gov_bgt_eco_code,
                    limit="51301",
                )
            )
        if allocation and transfer and (payee is not None or item.payee is not None):
            _allocation_payee_errors(index, payee, item, checked)
        if transfer and not allocation:
            # R-PY-12: 转移支付 goes treasury to treasury by 实拨, never from a zero-balance account.
            errors.append(
                _row_err(
                    index,
                    "indicator_line",
                    "payments.transfer_by_allocation",
                    f"指标 {line.code} 为对下级政府的转移支付（政府经济分类 "
                    f"{line.gov_bgt_eco_code}），应以实拨方式（实拨凭证）拨付，不得通过单位零余额账户支付",
                    f"indicator {line.code} is a transfer to a lower-level government "
                    f"(government economic class {line.gov_bgt_eco_code}): it is paid by 实拨 "
                    "(allocation voucher), never from a zero-balance account",
                    rule="R-PY-12",
                    value=line.gov_bgt_eco_code,
                    limit="实拨 PAY_ALLOCATION_CERT",
                )
            )
        if item.amount.fen > 0:
            for line_id, fen in item.charged():
                charged = _executable(checked, line_id, fiscal_year)
                if charged is None:
                    errors.append(_no_indicator(index, checked, line_id, fiscal_year))
                    continue
                _account_errors(index, charged, checked, wrong_account)
                asked[line_id] = asked.get(line_id, 0) + fen
                held = reserved.get(line_id)
                if held is not None:
                    if asked[line_id] > held.remaining and line_id not in short:
                        short.add(line_id)
                        errors.append(exceeded_error(held, asked[line_id], index))
                elif asked[line_id] > charged.available and line_id not in short:
                    short.add(line_id)  # once per indicator line, not on every later row
                    errors.append(
                        insufficient(
                            charged,
                            "available",
                            asked[line_id],
                            rule="R-PY-1",
                            field=f"lines[{index}].amount",
                            row=index,
                        )
                    )
                _salary_errors(index, charged, data.business_type, errors)
        if line.is_gov_pur:
            on_contract += item.amount.fen
            _contract_errors(index, line, payee, contract, contract_lines, errors)
    if contract is not None and contract.state == ContractState.FILED:
        checked.instalment = _instalment_errors(data, contract, on_contract, errors)
    if contract is not None and on_contract > contract.amount - contract.committed:
        left = Money(contract.amount - contract.committed)
        errors.append(
            _err(
                "payments.contract_exceeded",
                "contract",
                f"合同 {contract.number} 剩余可付 {left} 元，本次需 {Money(on_contract)} 元",
                f"contract {contract.number} has {left} left; {Money(on_contract)} is needed",
                rule="R-PY-3",
                value=Money(on_contract).format(),
                limit=left.format(),
            )
        )
    return checked


ACCOUNT_TYPE_NAMES: dict[str, tuple[str, str]] = {
    AccountType.UNIT_ZERO_BALANCE: ("单位零余额账户", "unit zero-balance account"),
    AccountType.TREASURY_SINGLE: ("国库单一账户", "treasury single account"),
    AccountType.FINANCE_ZERO_BALANCE: ("财政零余额账户", "finance zero-balance account"),
    AccountType.REAL_FUNDS: ("实有资金账户", "real-funds account"),
}


def _account_errors(index: int, line: IndicatorLine, checked: Checked, named: set[int]) -> None:
    """R-PY-14 (our id): the indicator's 账户类别 names the account its money is paid from, an
    element the payment inherits (R-PY-2); a line of the unit's own money (实有资金) is not paid
    out of the zero-balance account, nor finance's direct-payment money (财政零余额) by the unit.
    Once per indicator line, not on every row of a salary batch."""
    account = checked.payer_account
    if account is None or not line.acc_type or line.acc_type == account.account_type:
        return
    if is_allocation(account):  # R-PY-12: 实拨 is paid by the treasury, whatever the 账户类别
        return
    if line.pk in named:
        return
    named.add(line.pk)
    wants_zh, wants_en = ACCOUNT_TYPE_NAMES.get(line.acc_type, (line.acc_type,) * 2)
    has_zh, has_en = ACCOUNT_TYPE_NAMES.get(account.account_type, (account.account_type,) * 2)
    # A message is read by whoever sees the page or the answer: the account masked (ADR 0019).
    shown = mask_account_no(account.account_no)
    checked.errors.append(
        _row_err(
            index,
            "indicator_line",
            "payments.account_type_mismatch",
            f"指标 {line.code} 的账户类别为{wants_zh}，不能从付款账户 {shown}（{has_zh}）支付",
            f"indicator {line.code} is paid from a {wants_en}; the payer account "
            f"{shown} is a {has_en}",
            rule="R-PY-14",
            value=line.acc_type,
            limit=account.account_type,
        )
    )


def _executable(checked: Checked, line_id: int | None, fiscal_year: int) -> IndicatorLine | None:
    line = checked.indicator_lines.get(line_id or 0)
    if line is None or line.fiscal_year != fiscal_year or line.kind != LineKind.EXECUTABLE:
        return None
    return line


def _no_indicator(
    index: int, checked: Checked, line_id: int | None, fiscal_year: int
) -> ErrorDetail:
    line = checked.indicator_lines.get(line_id or 0)
    return _row_err(
        index,
        "indicator_line",
        "payments.indicator_unknown",
        "指标不存在、不是本单位本年度的可执行指标",
        f"no executable {fiscal_year} indicator of this unit",
        rule="R-PY-1",
        value=line.code if line else line_id,
    )


def _payee_errors(
    index: int, item: PaymentLineInput, data: PaymentInput, checked: Checked
) -> Payee | None:
    """R-PY-5: a registered, enabled payee — or, for a salary sheet's employee, a name, an
    account number and a bank (the sheet's own checks ran at import)."""
    errors = checked.errors
    if item.payee is not None:
        snapshot = item.payee
        if not snapshot.name.strip() or not snapshot.bank_name.strip():
            errors.append(
                _row_err(
                    index,
                    "payee",
                    "payments.payee_incomplete",
                    "收款人户名和开户银行不能为空",
                    "the payee's name and bank are required",
                    rule="R-PY-5",
                    value=snapshot.name,
                )
            )
        errors.extend(
            check_bank_account_no(
                snapshot.account_no, field=f"lines[{index}].payee_account_no", row=index
            )
        )
        return None
    payee_id = item.payee_id or data.payee_id
    payee = checked.payees.get(payee_id or 0)
    if payee is None:
        errors.append(
            _row_err(
                index,
                "payee",
                "payments.payee_required",
                "请选择已登记且启用的收款人",
                "pick a registered, enabled payee",
                rule="R-PY-5",
                value=payee_id,
            )
        )
    return payee


def _allocation_payee_errors(
    index: int, payee: Payee | None, item: PaymentLineInput, checked: Checked
) -> None:
    """R-PY-12: a 实拨 goes treasury to treasury: its payee is a registered payee that is the
    finance bureau (财政局 / 乡镇财政所) of a region directly below the payer's, known by its
    统一社会信用代码 — never a person or an unregistered account."""
    account = checked.payer_account
    if account is None:
        return
    if checked.lower_treasuries is None:
        checked.lower_treasuries = lower_treasuries(account.mof_div_code)
    credit_code = payee.credit_code if payee is not None else ""
    if credit_code and credit_code in checked.lower_treasuries:
        return
    name = payee.name if payee is not None else item.payee.name if item.payee else ""
    known = "、".join(sorted(checked.lower_treasuries.values())[:5]) or "—"
    checked.errors.append(
        _row_err(
            index,
            "payee",
            "payments.allocation_payee_not_lower_government",
            f"收款人“{name}”（统一社会信用代码 {credit_code or '—'}）不是下级政府的"
            f"财政部门；实拨资金只能拨付下级财政（如：{known}）",
            f"payee '{name}' (credit code {credit_code or '—'}) is not the finance "
            f"bureau of a lower-level government; 实拨 pays only a lower government's treasury "
            f"(e.g. {known})",
            rule="R-PY-12",
            value=credit_code or name,
            limit=f"下级财政 of {account.mof_div_code}",
        )
    )


def _salary_errors(
    index: int, line: IndicatorLine, business_type: str, errors: list[ErrorDetail]
) -> None:
    """R-PY-4: salary lines are paid only by salary batches, and salary batches only from them."""
    if line.is_sal and business_type != BusinessType.SALARY:
        errors.append(
            _row_err(
                index,
                "indicator_line",
                "payments.salary_line",
                f"指标 {line.code} 是工资指标，须通过工资支付办理",
                f"indicator {line.code} is a salary line; pay it as a salary batch",
                rule="R-PY-4",
                value=line.code,
            )
        )
    elif not line.is_sal and business_type == BusinessType.SALARY:
        errors.append(
            _row_err(
                index,
                "indicator_line",
                "payments.not_salary_line",
                f"工资支付只能使用工资指标，指标 {line.code} 不是工资指标",
                f"a salary payment draws on salary lines only; {line.code} is not one",
                rule="R-PY-4",
                value=line.code,
            )
        )


def _contract_errors(
    index: int,
    line: IndicatorLine,
    payee: Payee | None,
    contract: Contract | None,
    contract_lines: set[int],
    errors: list[ErrorDetail],
) -> None:
    """R-PY-3 / R-GP-4: a procurement line pays a filed contract covering it, to its supplier."""
    if contract is None:
        errors.append(
            _row_err(
                index,
                "contract",
                "payments.contract_required",
                f"指标 {line.code} 为政府采购指标，须选择已备案的合同",
                f"indicator {line.code} is procurement; cite a filed contract",
                rule="R-PY-3",
                value=line.code,
            )
        )
        return
    if line.pk not in contract_lines:
        errors.append(
            _row_err(
                index,
                "indicator_line",
                "payments.contract_line",
                f"合同 {contract.number} 未列明指标 {line.code}",
                f"contract {contract.number} does not cover indicator {line.code}",
                rule="R-PY-3",
                value=line.code,
            )
        )
    if payee is not None and payee.pk != contract.supplier_id:
        errors.append(
            _row_err(
                index,
                "payee",
                "payments.not_supplier",
                f"收款人须为合同供应商 {contract.supplier.name}",
                f"the payee must be the contract's supplier {contract.supplier.name}",
                rule="R-GP-4",
                value=payee.name,
                limit=contract.supplier.name,
            )
        )


def _instalment_errors(
    data: PaymentInput, contract: Contract, on_contract: int, errors: list[ErrorDetail]
) -> ContractInstalment | None:
    """R-GP-10, the third control beside the indicator and the contract: a contract with a
    payment schedule is paid node by node — the node named, of this contract, within what it
    has left; one waiting for acceptance only once its milestone was accepted (履约验收), a
    retention only after the warranty's end."""
    nodes = {x.pk: x for x in contract.instalments.order_by("row")}
    if not nodes:
        if data.instalment_id is not None:
            errors.append(
                _err(
                    "payments.instalment_unknown",
                    "instalment",
                    f"合同 {contract.number} 没有付款计划",
                    f"contract {contract.number} has no payment schedule",
                    rule="R-GP-10",
                    value=data.instalment_id,
                )
            )
        return None
    node = nodes.get(data.instalment_id or 0)
    if node is None:
        errors.append(
            _err(
                "payments.instalment_required",
                "instalment",
                f"合同 {contract.number} 按付款计划支付，请选择本次支付的付款节点",
                f"contract {contract.number} is paid by its schedule: name the instalment",
                rule="R-GP-10",
                value=data.instalment_id,
                limit=[x.name for x in nodes.values()],
            )
        )
        return None
    if (
        node.requires_acceptance
        and not node.acceptances.filter(result=AcceptanceResult.PASSED).exists()
    ):
        errors.append(
            _err(
                "payments.instalment_not_accepted",
                "instalment",
                f"合同 {contract.number} 的付款节点“{node.name}”尚未验收合格（履约验收），不能申请支付",
                f"contract {contract.number}: milestone '{node.name}' has not passed its "
                "acceptance; its instalment cannot be requested yet",
                rule="R-GP-10",
                value=node.name,
            )
        )
    if node.warranty_ends is not None and data.pay_date < node.warranty_ends:
        errors.append(
            _err(
                "payments.retention_early",
                "pay_date",
                f"合同 {contract.number} 的质保金“{node.name}”须在质保期满（{node.warranty_ends}）后支付",
                f"contract {contract.number}: the retention '{node.name}' is paid after the "
                f"warranty ends ({node.warranty_ends})",
                rule="R-GP-10",
                value=str(data.pay_date),
                limit=str(node.warranty_ends),
            )
        )
    if on_contract > node.remaining:
        left = Money(node.remaining)
        errors.append(
            _err(
                "payments.instalment_exceeded",
                "instalment",
                f"合同 {contract.number} 的付款节点“{node.name}”剩余可付 {left} 元，"
                f"本次需 {Money(on_contract)} 元",
                f"contract {contract.number}: instalment '{node.name}' has {left} left; "
                f"{Money(on_contract)} is needed",
                rule="R-GP-10",
                value=Money(on_contract).format(),
                limit=left.format(),
            )
        )
    return node


def is_personal(payee: Payee) -> bool:
    return payee.kind == PayeeKind.INDIVIDUAL
