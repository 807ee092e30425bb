"""Payment requests: enter, edit and void drafts; freeze on submission, release on return,
withdrawal or rejection (DOMAIN §2.10, R-PY-1…3).

The freeze is one ledger posting over all lines of the request (lines in ascending id order,
ADR 0009) keyed by request and approval round, so a retried submission freezes once; a
procurement request also commits its amount on the contract by a conditional update in the same
transaction (R-PY-3), so two requests cannot both take the contract's last yuan; and the lines
the contract reserves are frozen from its reservation, and released back to it (R-GP-9,
``procurement.services.reservations``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import F, Sum

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.bulk import insert_rows
from yusuan.common.errors import BusinessRuleError, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.core.selectors import acting_organisation
from yusuan.core.services.sequences import next_number
from yusuan.indicators.services.ledger import Op, apply
from yusuan.payments import locks
from yusuan.payments.choices import LineState, RequestState
from yusuan.payments.events import (
    PAYMENT_FROZEN,
    PAYMENT_RELEASED,
    request_frozen,
    request_released,
)
from yusuan.payments.models import PaymentCharge, PaymentLine, PaymentRequest
from yusuan.payments.services.checks import (
    Checked,
    PayeeSnapshot,
    PaymentInput,
    PaymentLineInput,
    validate,
)
from yusuan.procurement.models import Contract
from yusuan.procurement.services.reservations import commit_instalment, draw, give_back
from yusuan.workflow.kit import not_draft_error

SOURCE_TYPE = "payments.request"


def _write_lines(request: PaymentRequest, data: PaymentInput, checked: Checked) -> None:
    rows = []
    for index, item in enumerate(data.lines):
        line = checked.indicator_lines[item.indicator_line_id or 0]
        if item.payee is not None:
            payee = None
            kind, name = item.payee.kind, item.payee.name.strip()
            account_no, bank_name = item.payee.account_no.strip(), item.payee.bank_name.strip()
        else:
            payee = checked.payees[item.payee_id or data.payee_id or 0]
            kind, name = payee.kind, payee.name
            account_no, bank_name = payee.bank_account_no, payee.bank_name
        rows.append(
            PaymentLine(
                request=request,
                row=index,
                indicator_line=line,
                amount=item.amount.fen,
                # R-PY-2: the indicator's elements, copied, never typed.
                project_id=line.project_id,
                exp_func_code=line.exp_func_code,
                dep_bgt_eco_code=line.dep_bgt_eco_code,
                gov_bgt_eco_code=line.gov_bgt_eco_code,
                fund_type_code=line.fund_type_code,
                thr_exp_code=line.thr_exp_code,
                is_gov_pur=line.is_gov_pur,
                is_sal=line.is_sal,
                is_dir=line.is_dir,
                payee=payee,
                payee_kind=kind,
                payee_name=name,
                payee_account_no=account_no,
                payee_bank_name=bank_name,
                summary=item.summary.strip(),
            )
        )
    created = PaymentLine.objects.bulk_create(rows, batch_size=2000)
    charges: list[PaymentCharge] = []
    for row, item in zip(created, data.lines, strict=True):
        charged = item.charged()
        if sum(fen for _, fen in charged) != item.amount.fen:
            raise ValueError(f"row {row.row}: charges do not add up to the line's amount")
        charges.extend(
            PaymentCharge(line=row, indicator_line_id=line_id, amount=fen)
            for line_id, fen in charged
        )
    insert_rows(PaymentCharge, charges)  # COPY on PostgreSQL: a salary batch has thousands


@transaction.atomic
def request_create(*, actor: Actor, data: PaymentInput, fiscal_year: int) -> PaymentRequest:
    ensure_permission(actor, "payments.add_paymentrequest")
    organisation = acting_organisation(actor=actor, organisation_id=data.organisation_id)
    return create(actor=actor, data=data, organisation=organisation, fiscal_year=fiscal_year)


def create(
    *, actor: Actor, data: PaymentInput, organisation: Organisation, fiscal_year: int
) -> PaymentRequest:
    """Check and store a draft request (the caller has checked the permission and the unit)."""
    checked = validate(actor, data, organisation=organisation, fiscal_year=fiscal_year)
    raise_if_any(checked.errors)
    assert checked.payer_account is not None  # no error means the account was found
    number = next_number(
        mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year, series="payment-request"
    )
    request = PaymentRequest.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        number=f"ZF{fiscal_year}{number:06d}",
        organisation=organisation,
        business_type=data.business_type,
        settlement_mode=data.settlement_mode,
        purpose=data.purpose.strip(),
        pay_date=data.pay_date,
        payer_account=checked.payer_account,
        contract=checked.contract,
        instalment=checked.instalment,
        created_by_id=actor.pk,
    )
    _write_lines(request, data, checked)
    audit_record(
        action="payments.request_create",
        actor=actor,
        obj=request,
        changes={"state": [None, RequestState.DRAFT]},
        extra={"lines": len(data.lines), "total_fen": sum(x.amount.fen for x in data.lines)},
    )
    return request


def locked_request(actor: Actor, request_id: int) -> PaymentRequest:
    request = (
        locks.request_qs_select_for_update()
        .visible_to(actor)
        .filter(pk=request_id)
        .select_related("organisation")
        .first()
    )
    if request is None:
        raise NotFoundError("payment request")
    return request


def _not_draft(request: PaymentRequest) -> BusinessRuleError:
    return not_draft_error(
        code="payments.not_draft",
        state=request.state,
        state_display=request.get_state_display(),
        noun_zh=f"支付申请 {request.number} ",
        noun_en=f"payment request {request.number}",
        action_zh="修改",
        action_en="changed",
    )


@transaction.atomic
def request_update(*, actor: Actor, request_id: int, data: PaymentInput) -> PaymentRequest:
    ensure_permission(actor, "payments.change_paymentrequest")
    request = locked_request(actor, request_id)
    if request.state not in (RequestState.DRAFT, RequestState.BLOCKED):
        raise _not_draft(request)
    checked = validate(
        actor, data, organisation=request.organisation, fiscal_year=request.fiscal_year
    )
    raise_if_any(checked.errors)
    before = {"purpose": request.purpose, "total": request.total_fen}
    request.business_type = data.business_type
    request.settlement_mode = data.settlement_mode
    request.purpose = data.purpose.strip()
    request.pay_date = data.pay_date
    assert checked.payer_account is not None
    request.payer_account = checked.payer_account
    request.contract = checked.contract
    request.instalment = checked.instalment
    request.save()
    # A request blocked by monitoring is revised into a new draft.
    set_state(actor=actor, request=request, state=RequestState.DRAFT, why="revised")
    request.lines.all().delete()
    _write_lines(request, data, checked)
    after = {"purpose": request.purpose, "total": request.total_fen}
    audit_record(
        action="payments.request_update",
        actor=actor,
        obj=request,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return request


@transaction.atomic
def request_void(*, actor: Actor, request_id: int) -> PaymentRequest:
    ensure_permission(actor, "payments.change_paymentrequest")
    request = locked_request(actor, request_id)
    if request.state not in (RequestState.DRAFT, RequestState.BLOCKED, RequestState.FAILED):
        raise _not_draft(request)
    set_state(actor=actor, request=request, state=RequestState.VOID, why="void")
    return request


def set_state(*, actor: Actor, request: PaymentRequest, state: str, why: str) -> None:
    state_change(action="payments.request_state", actor=actor, obj=request, state=state, why=why)


@dataclass(frozen=True)
class Loaded:
    """A request's lines and, per line id, its charges (indicator line id, fen), by row."""

    lines: list[PaymentLine]
    charges: dict[int, list[tuple[int, int]]]


_LOADED = "_yusuan_loaded_lines"


def loaded(request: PaymentRequest) -> Loaded:
    """The lines and charges, read once per request object: submission reads them for the
    engine's facts, the checks and the freeze, the final approval for the checks, monitoring
    and the voucher (two queries instead of seven). Handlers load the request afresh, locked,
    for every action, so what is kept is never older than the transaction using it."""
    memo = vars(request).get(_LOADED)
    if memo is None:
        charges: dict[int, list[tuple[int, int]]] = {}
        for line_id, indicator_line_id, fen in (
            PaymentCharge.objects.filter(line__request=request)
            .order_by("line_id", "pk")
            .values_list("line_id", "indicator_line_id", "amount")
        ):
            charges.setdefault(line_id, []).append((indicator_line_id, fen))
        memo = Loaded(list(request.lines.order_by("row")), charges)
        vars(request)[_LOADED] = memo
    assert isinstance(memo, Loaded)
    return memo


def _ops(request: PaymentRequest, *, open_only: bool = False) -> list[Op]:
    """One leg per indicator line, however many payment lines it bears (a salary batch of
    10,000 employees freezes two or three lines, not 10,000); errors name its first row."""
    amounts: dict[int, int] = {}
    rows: dict[int, int] = {}
    memo = loaded(request)
    for line in memo.lines:
        if open_only and line.state != LineState.OPEN:
            continue
        for line_id, fen in memo.charges.get(line.pk, ()):
            amounts[line_id] = amounts.get(line_id, 0) + fen
            rows[line_id] = min(rows.get(line_id, line.row), line.row)
    return [Op(line_id, fen, row=rows[line_id]) for line_id, fen in amounts.items() if fen]


def freeze(*, actor: Actor, request: PaymentRequest, round_no: int) -> None:
    """R-PY-1 at submission: every line's amount moves from available to frozen, all or none;
    R-PY-3: a contract's remaining amount is taken by the same transaction; R-GP-9: the lines
    the contract reserves move from reserved to frozen instead, within what it holds on them."""
    ops, key = _ops(request), f"{SOURCE_TYPE}:{request.pk}:r{round_no}:freeze"
    if request.contract_id is not None:
        _commit_contract(request, _procured(request, open_only=False))
        drawn = draw(
            contract_id=request.contract_id, amounts={o.line_id: (o.amount, o.row) for o in ops}
        )
        ops = [replace(o, operation="freeze_reserved") if o.line_id in drawn else o for o in ops]
    if apply(
        "freeze",
        ops,
        actor_id=actor.pk,
        source_type=SOURCE_TYPE,
        source_id=str(request.pk),
        source_no=request.number,
        op_key=key,
    ):
        PAYMENT_FROZEN.publish_built(
            lambda: request_frozen(
                request,
                [(o.line_id, o.amount) for o in ops],
                event_id=key,
                reserved=[(o.line_id, o.amount) for o in ops if o.operation],
            )
        )


def release(*, actor: Actor, request: PaymentRequest, round_no: int, why: str) -> None:
    """Return, withdrawal, rejection, a monitoring block: the frozen money is available again."""
    ops = _ops(request, open_only=True)
    if not ops:
        return
    if request.contract_id is not None:
        _commit_contract(request, -_procured(request, open_only=True))
        back = give_back(
            contract_id=request.contract_id, amounts={o.line_id: o.amount for o in ops}
        )
        ops = [replace(o, operation="unfreeze_reserved") if o.line_id in back else o for o in ops]
    key = f"{SOURCE_TYPE}:{request.pk}:r{round_no}:{why}"
    if apply(
        "unfreeze",
        ops,
        actor_id=actor.pk,
        source_type=SOURCE_TYPE,
        source_id=str(request.pk),
        source_no=request.number,
        op_key=key,
    ):
        PAYMENT_RELEASED.publish_built(
            lambda: request_released(
                request,
                [(o.line_id, o.amount) for o in ops],
                event_id=key,
                why=why,
                reserved=[(o.line_id, o.amount) for o in ops if o.operation],
            )
        )


def _procured(request: PaymentRequest, *, open_only: bool) -> int:
    lines = request.lines.filter(is_gov_pur=True)
    if open_only:
        lines = lines.filter(state=LineState.OPEN)
    return int(lines.aggregate(s=Sum("amount"))["s"] or 0)


def _commit_contract(request: PaymentRequest, amount: int) -> None:
    """R-PY-3: the contract's ``committed`` (and R-GP-10: its paid node's) moves by ``amount``
    in one conditional update each; a request the other took the last yuan from is refused."""
    if amount == 0:
        return
    contract = request.contract
    assert contract is not None
    updated = Contract.objects.filter(
        pk=contract.pk, committed__lte=F("amount") - amount, committed__gte=-amount
    ).update(committed=F("committed") + amount)
    if not updated:
        contract.refresh_from_db()
        left = Money(contract.amount - contract.committed)
        raise BusinessRuleError.single(
            code="payments.contract_exceeded",
            rule="R-PY-3",
            field="contract",
            value=Money(amount).format(),
            limit=left.format(),
            message_zh=f"合同 {contract.number} 剩余可付 {left} 元，本次需 {Money(amount)} 元",
            message_en=f"contract {contract.number} has {left} left; {Money(amount)} is needed",
        )
    if not commit_instalment(instalment_id=request.instalment_id, fen=amount):
        node = request.instalment
        assert node is not None
        node.refresh_from_db()
        left = Money(node.remaining)
        raise BusinessRuleError.single(
            code="payments.instalment_exceeded",
            rule="R-GP-10",
            field="instalment",
            value=Money(amount).format(),
            limit=left.format(),
            message_zh=f"合同 {contract.number} 的付款节点“{node.name}”剩余可付 {left} 元，"
            f"本次需 {Money(amount)} 元",
            message_en=f"contract {contract.number}: instalment '{node.name}' has {left} left; "
            f"{Money(amount)} is needed",
        )


def as_input(request: PaymentRequest) -> PaymentInput:
    memo = loaded(request)
    return PaymentInput(
        business_type=request.business_type,
        settlement_mode=request.settlement_mode,
        purpose=request.purpose,
        pay_date=request.pay_date,
        payer_account_id=request.payer_account_id,
        contract_id=request.contract_id,
        instalment_id=request.instalment_id,
        organisation_id=request.organisation_id,
        lines=[
            PaymentLineInput(
                indicator_line_id=line.indicator_line_id,
                amount=Money(line.amount),
                payee_id=line.payee_id,
                summary=line.summary,
                payee=None
                if line.payee_id
                else PayeeSnapshot(
                    kind=line.payee_kind,
                    name=line.payee_name,
                    account_no=line.payee_account_no,
                    bank_name=line.payee_bank_name,
                ),
                charges=tuple(memo.charges.get(line.pk, ())),
            )
            for line in memo.lines
        ],
    )


def revalidate(actor: Actor, request: PaymentRequest, *, frozen: bool = False) -> None:
    """Every check again against the indicators and contract as they are now. With ``frozen``
    the request's own money is already frozen, so availability is left to the ledger."""
    checked = validate(
        actor, as_input(request), organisation=request.organisation, fiscal_year=request.fiscal_year
    )
    errors = checked.errors
    if frozen:
        errors = [
            e
            for e in errors
            if e.code
            not in (
                "indicators.insufficient",
                "payments.contract_exceeded",
                "payments.instalment_exceeded",
                "contracts.reservation_exceeded",
            )
        ]
    raise_if_any(errors)
