"""Details a lower writer hands to the audit record its transaction writes next (ADR 0017).

The indicator ledger inserts movements inside a business action (a payment's submission, a
bank result, a document's posting) whose service writes the audit record afterwards, in the
same transaction. The ledger attaches each movement's id and digest here; :func:`take`, called
by ``audit_record()``, moves them into that record's ``extra``, so the sealed chain covers the
movements and ``yusuan audit_verify`` names any movement no record accounts for.

An attachment rides on ``transaction.on_commit``: Django drops it from the connection's commit
hooks when its savepoint or transaction rolls back, so a record never claims rows that were
rolled back. Liveness is read from that list (newest first: the attachment a record takes was
usually made just before it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

logger = logging.getLogger("yusuan.audit")


class _Attachment:
    """Registered as an on-commit hook only to learn whether it was rolled back."""

    __slots__ = ("items", "key", "savepoints", "taken_by")

    def __init__(self, key: str, items: list[Any], savepoints: set[str | None]) -> None:
        self.key = key
        self.items = items
        self.savepoints = savepoints
        self.taken_by: _Taken | None = None

    def __call__(self) -> None:
        if self.taken_by is None:
            logger.warning(
                "%s committed without an audit record: audit_verify will name them: %s",
                self.key,
                self.items[:10],
            )


class _Taken:
    """Marks an attachment as carried by a record written in a deeper savepoint (which may roll
    back alone and leave the attachment to the next record)."""

    __slots__ = ()

    def __call__(self) -> None:
        return None


# Kept on the connection itself (one per thread, so nothing shared between threads): the
# attachments no surviving record carries yet.
_PENDING = "yusuan_audit_attachments"


def _pending(connection: Any) -> list[_Attachment]:
    pending: list[_Attachment] | None = getattr(connection, _PENDING, None)
    if pending is None:
        pending = []
        setattr(connection, _PENDING, pending)
    return pending


def attach(*, key: str, items: Iterable[Any]) -> None:
    """Hand ``items`` to the next audit record of the current transaction (``extra[key]``)."""
    connection = transaction.get_connection()
    assert connection.in_atomic_block, "attach() must run inside the service's transaction"
    attachment = _Attachment(key, list(items), set(connection.savepoint_ids))
    connection.on_commit(attachment)
    _pending(connection).append(attachment)


def take() -> dict[str, list[Any]]:
    """The items of every live attachment no live record carries, by key; called by
    ``audit_record()`` for the record it is writing."""
    connection = transaction.get_connection()
    pending = _pending(connection)
    if not pending:
        return {}
    wanted = {id(a) for a in pending} | {id(a.taken_by) for a in pending if a.taken_by}
    live: set[int] = set()
    for _savepoints, hook, _robust in reversed(connection.run_on_commit):
        if id(hook) in wanted:
            live.add(id(hook))
            if len(live) == len(wanted):
                break
    current = set(connection.savepoint_ids)
    taken: dict[str, list[Any]] = {}
    kept: list[_Attachment] = []
    for attachment in pending:
        if id(attachment) not in live:
            continue  # rolled back with its savepoint or transaction
        if attachment.taken_by is not None and id(attachment.taken_by) in live:
            kept.append(attachment)
            continue
        taken.setdefault(attachment.key, []).extend(attachment.items)
        attachment.taken_by = _Taken()
        if not current <= attachment.savepoints:
            # The record may roll back alone: keep the attachment for the next record then.
            connection.on_commit(attachment.taken_by)
            kept.append(attachment)
        # Otherwise the record can only roll back together with the attachment: done with it.
    pending[:] = kept
    return taken
