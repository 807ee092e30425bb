"""The personnel change (人员变动单, R-PS-3) as a document of the approval engine.

Routed by the shipped definition ``personnel-change``: the unit's approver, the department's
approver, then the finance 人员库管理岗 (``personnel_officer``, budget division). The final
approval applies the change in its transaction (``services.changes.change_apply``): the person's
new period, the person's latest state and the audit record commit together, or not at all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yusuan.common.actor import Actor
from yusuan.common.masking import id_number_for
from yusuan.personnel import locks
from yusuan.personnel.choices import ChangeKind, ChangeState
from yusuan.personnel.models import PersonnelChange
from yusuan.personnel.services.changes import change_apply
from yusuan.workflow.kit import FactFields, Lifecycle, ModelHandler, NotDraft
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import DocumentType, Term, declare
from yusuan.workflow.summary import DocumentSummary, Fact

DOCUMENT_TYPE = "personnel.change"
KIND_NAMES = {
    "hire": ("录用/调入", "Hire or transfer in"),
    "transfer_out": ("调出", "Transfer out"),
    "grade": ("职务职级变动", "Post or grade change"),
    "pay": ("薪级晋升/工资变动", "Pay change"),
    "retire": ("退休", "Retirement"),
    "resign": ("辞职", "Resignation"),
    "death": ("死亡", "Death"),
}
assert set(KIND_NAMES) == set(ChangeKind.values)


class ChangeHandler(ModelHandler[PersonnelChange]):
    model = PersonnelChange
    not_found = "personnel change"
    not_draft = NotDraft(code="personnel.not_draft", noun_zh="人员变动单", noun_en="the change")
    fact_fields = FactFields(
        title=("number", "name"), subtype="kind", url="personnel:change_detail"
    )
    lifecycle = Lifecycle(
        action="personnel.change.state",
        submitted=ChangeState.SUBMITTED,
        approved=ChangeState.APPLIED,
        rejected=ChangeState.REJECTED,
    )
    related = ("organisation", "person")

    def locked(self) -> QuerySet[PersonnelChange]:
        return locks.change_qs_select_for_update()

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        change_apply(actor=actor, change=document)
        super().on_approved(actor=actor, document=document, instance=instance)

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        change: PersonnelChange = document
        person = change.person
        facts = [
            Fact(_("Unit"), change.organisation.name),
            Fact(_("Change kind"), change.get_kind_display()),
            Fact(_("Person"), person.name if person else change.name),
            Fact(
                _("ID number"),
                id_number_for(actor, person.id_number if person else change.id_number),
            ),
            Fact(_("Effective date"), change.effective_date.isoformat()),
            Fact(_("Supporting document number"), change.basis_doc_no),
        ]
        if change.establishment_doc_no:
            facts.append(
                Fact(_("Establishment office approval number"), change.establishment_doc_no)
            )
        if change.note:
            facts.append(Fact(_("Note"), change.note))
        return DocumentSummary(
            title=f"{change.number} · {change.get_kind_display()}",
            url="",
            facts=tuple(facts),
        )


HANDLER = ChangeHandler()
CHANGE = declare(
    DocumentType(
        code=DOCUMENT_TYPE,
        name="人员变动单",
        name_en="Personnel change",
        subtypes=tuple(Term(code, zh, en) for code, (zh, en) in KIND_NAMES.items()),
        handler=HANDLER,
    )
)
