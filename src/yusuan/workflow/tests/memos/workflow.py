"""The memo as a document of the approval engine: its handler through the kit, its declaration
and its approval definition (one step: the unit's approver). Approval posts it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from yusuan.workflow.kit import FactFields, Lifecycle, ModelHandler, NotDraft
from yusuan.workflow.registry import DocumentType, declare
from yusuan.workflow.tests.memos.models import Memo

DOCUMENT_TYPE = "memos.memo"
APPROVAL = {
    "steps": [
        {"key": "unit_approval", "name": "单位审批", "role": "unit_approver", "level": "same_unit"}
    ]
}


class MemoHandler(ModelHandler[Memo]):
    model = Memo
    not_found = "memo"
    not_draft = NotDraft(code="memos.not_draft", noun_zh="备忘单", noun_en="the memo")
    fact_fields = FactFields(title=("title",), amount="amount_fen")
    lifecycle = Lifecycle(action="memos.memo.state", approved="posted")

    def on_approved(self, *, actor: Any, document: Any, instance: Any) -> None:
        super().on_approved(actor=actor, document=document, instance=instance)  # → posted
        document.posted_at = timezone.now()
        document.save(update_fields=["posted_at"])


HANDLER = MemoHandler()
declare(DocumentType(code=DOCUMENT_TYPE, name="备忘单", name_en="Memo", handler=HANDLER))
