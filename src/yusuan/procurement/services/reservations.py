"""What payments on a contract do to its reservation (R-GP-9, DOMAIN-2 §6.3, ADR 0032).

The payment services call these inside their transaction, after locking the payment request
(or line) and before the ledger posting, which they then route accordingly:

- :func:`draw` at a freeze: each indicator line the contract reserves is frozen from the
  reservation (``freeze_reserved``), up to what the contract still holds on it; more is refused
  (``contracts.reservation_exceeded``), not taken from available. Lines the contract does not
  reserve (a contract filed before reservations existed) freeze from available as before.
- :func:`give_back` when frozen or paid money comes back (a return, withdrawal, rejection or
  monitoring block; a bank failure; a same-year refund or bank return): to the reservation
  while the contract is filed (``unfreeze_reserved`` / ``restore_reserved``); once it is closed,
  to available (its reservation is gone) — the contract line counts it as released.

Both lock the contract first (procurement.locks), then change its lines by conditional updates.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import F

from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.common.money import Money
from yusuan.procurement import locks
from yusuan.procurement.choices import ContractState
from yusuan.procurement.models import Contract, ContractInstalment, ContractLine


def _locked(contract_id: int) -> Contract:
    return locks.contract_qs_select_for_update().get(pk=contract_id)


def closed_error(contract: Contract) -> ErrorDetail:
    return ErrorDetail(
        code="contracts.closed",
        rule="R-GP-9",
        field="contract",
        value=contract.number,
        limit=contract.state,
        message_zh=f"合同 {contract.number} 状态为“{contract.get_state_display()}”，不能再据以支付",
        message_en=f"contract {contract.number} is {contract.state}; it pays no more",
    )


def exceeded_error(line: ContractLine, fen: int, row: int | None) -> ErrorDetail:
    """R-GP-9: more than what the contract still holds on the line."""
    left = Money(line.remaining)
    code = line.indicator_line.code
    prefix_zh, prefix_en = (
        (f"第 {row + 1} 行：", f"row {row + 1}: ") if row is not None else ("", "")
    )
    return ErrorDetail(
        code="contracts.reservation_exceeded",
        rule="R-GP-9",
        field=f"lines[{row}].amount" if row is not None else "amount",
        row=row,
        value=Money(fen).format(),
        limit=left.format(),
        message_zh=(
            f"{prefix_zh}合同 {line.contract.number} 在指标 {code} 上的预留余额为 {left} 元，"
            f"本次需 {Money(fen)} 元"
        ),
        message_en=(
            f"{prefix_en}contract {line.contract.number} holds {left} on indicator {code}; "
            f"{Money(fen)} is needed"
        ),
    )


def draw(*, contract_id: int, amounts: Mapping[int, tuple[int, int | None]]) -> set[int]:
    """A freeze of ``amounts`` (indicator line id → (fen, first row)) on the contract: the
    ids of the lines it takes from the contract's reservation, each counted as consumed."""
    contract = _locked(contract_id)
    if contract.state != ContractState.FILED:
        raise BusinessRuleError([closed_error(contract)])
    lines = {
        line.indicator_line_id: line
        for line in contract.lines.filter(indicator_line_id__in=list(amounts))
        .select_related("indicator_line", "contract")
        .order_by("pk")
    }
    errors: list[ErrorDetail] = []
    for line_id, line in lines.items():
        fen, row = amounts[line_id]
        updated = ContractLine.objects.filter(
            pk=line.pk, amount__gte=F("consumed") + F("released") + fen
        ).update(consumed=F("consumed") + fen)
        if not updated:
            errors.append(exceeded_error(line, fen, row))
    raise_if_any(errors)
    return set(lines)


def give_back(*, contract_id: int, amounts: Mapping[int, int]) -> set[int]:
    """Money of ``amounts`` (indicator line id → fen) no longer frozen or paid on the contract:
    the ids of the lines whose reservation it goes back to (none once the contract is closed:
    then it is released with the rest, and the caller makes it available)."""
    contract = _locked(contract_id)
    is_open = contract.state == ContractState.FILED
    back: set[int] = set()
    for line in contract.lines.filter(indicator_line_id__in=list(amounts)).order_by("pk"):
        fen = amounts[line.indicator_line_id]
        if fen <= 0:
            continue
        moved = {"consumed": F("consumed") - fen}
        if not is_open:
            moved["released"] = F("released") + fen
        if not ContractLine.objects.filter(pk=line.pk, consumed__gte=fen).update(**moved):
            raise ValueError(f"contract line {line.pk}: {fen} fen given back, not consumed")
        if is_open:
            back.add(line.indicator_line_id)
    return back


def commit_instalment(*, instalment_id: int | None, fen: int) -> bool:
    """R-GP-10: a payment takes ``fen`` from its payment-schedule node (negative: money back
    from a release, a bank failure or a refund), by a conditional update within the node's
    amount; False when it does not fit. The contract's own ``committed`` moves beside it."""
    if instalment_id is None or fen == 0:
        return True
    return bool(
        ContractInstalment.objects.filter(
            pk=instalment_id, committed__lte=F("amount") - fen, committed__gte=-fen
        ).update(committed=F("committed") + fen)
    )
