"""The ledger postings of procurement documents (ADR 0052): a plan's or a contract's rows, all
or none; a refusal names the row it failed on (``lines[<row>].amount``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from yusuan.common.errors import BusinessRuleError
from yusuan.indicators.services.ledger import Op, apply


def post(
    operation: str,
    ops: Sequence[Op],
    *,
    actor_id: int | None,
    source_type: str,
    source_id: int,
    source_no: str,
    op_key: str,
    rule: str | None = None,
) -> bool:
    """``apply`` for a document's rows: True if posted (False: the key was posted before). A
    refusal names the document's ``rule`` (a plan's R-GP-2) instead of the move's."""
    try:
        return apply(
            operation,
            ops,
            actor_id=actor_id,
            source_type=source_type,
            source_id=str(source_id),
            source_no=source_no,
            op_key=op_key,
        )
    except BusinessRuleError as exc:
        raise BusinessRuleError(
            [
                replace(
                    e,
                    field=f"lines[{e.row}].amount" if e.row is not None else e.field,
                    rule=rule or e.rule,
                )
                for e in exc.errors
            ]
        ) from None
