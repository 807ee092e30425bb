"""Writes on a memo: each validates, writes and audits in one transaction."""

from __future__ import annotations

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor
from yusuan.workflow.tests.memos.models import Memo


@transaction.atomic
def memo_create(*, actor: Actor, title: str, amount_fen: int, fiscal_year: int) -> Memo:
    organisation = actor.organisation
    memo = Memo.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        organisation=organisation,
        title=title,
        amount_fen=amount_fen,
        created_by_id=actor.pk,
    )
    audit_record(action="memos.memo.create", actor=actor, obj=memo)
    return memo
