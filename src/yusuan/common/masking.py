"""Where a bank account number or 身份证号 is shown whole, and the masks used everywhere else
(ADR 0019).

- The payment voucher (page and PDF) and the bank file carry the whole number: they are the
  instruction the bank executes.
- One record's own page or API answer (a payee, a bank account, the lines of one payment
  request or salary batch) shows it whole to roles holding ``core.view_personal_data``
  (treasury, cashier, accountant, auditor, the agent bank), masked to everyone else.
- Lists of records (list pages and API lists, selection boxes, exports) mask it for everyone.

The masks keep enough to tell numbers apart (the last four digits), not enough to misuse.
"""

from __future__ import annotations

from typing import Any

PERSONAL_DATA_PERMISSION = "core.view_personal_data"
# Field names whose values are account or identity numbers, wherever they are shown as data
# (the audit trail's recorded changes among them).
ACCOUNT_FIELDS = frozenset({"account_no", "bank_account_no", "payee_account_no"})
ID_NUMBER_FIELDS = frozenset({"id_number"})


def mask_id_number(value: str) -> str:
    """``3205**********1234``: enough to tell people apart, not enough to misuse."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_account_no(value: str) -> str:
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def sees_personal_data(actor: Any) -> bool:
    return bool(actor is not None and actor.has_perm(PERSONAL_DATA_PERMISSION))


def account_no_for(actor: Any, value: str) -> str:
    """One record's account number as ``actor`` may see it."""
    return value if sees_personal_data(actor) else mask_account_no(value)


def id_number_for(actor: Any, value: str) -> str:
    return value if sees_personal_data(actor) or not value else mask_id_number(value)


def field_value_for(actor: Any, field: str, value: Any) -> Any:
    """A recorded value of ``field`` (e.g. in the audit trail's changes) as ``actor`` may see it."""
    if not isinstance(value, str) or not value or sees_personal_data(actor):
        return value
    if field in ACCOUNT_FIELDS:
        return mask_account_no(value)
    if field in ID_NUMBER_FIELDS:
        return mask_id_number(value)
    return value
