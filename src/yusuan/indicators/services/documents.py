"""Indicator documents (R-IN-4): enter, edit and void drafts; post them to the ledger.

Issue, allocation, increase/decrease, finance freeze/unfreeze and reclaim are entered by one
finance officer and posted by another (entry ≠ posting, R-WF-1). Adjustments are entered by the
unit and move through the approval engine; their final approval posts them after checking the
money again (R-AJ-4). The checks live in ``checks`` (with ``row_checks`` and ``adjustment_checks``),
the ledger legs of each kind in ``posting``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.core.selectors import acting_organisation
from yusuan.core.services.sequences import next_number
from yusuan.indicators import locks
from yusuan.indicators.choices import DIRECT_KINDS, DocumentKind, DocumentState
from yusuan.indicators.models import DocumentLine, IndicatorDocument
from yusuan.indicators.services.adjustment_checks import ensure_own_lines
from yusuan.indicators.services.checks import validate
from yusuan.indicators.services.inputs import ELEMENT_FIELDS, DocumentInput, LineInput, LineSpec
from yusuan.indicators.services.posting import apply_document
from yusuan.indicators.services.row_checks import FINANCE_KINDS
from yusuan.workflow.kit import not_draft_error

SERIES = {
    DocumentKind.ISSUE: "XD",
    DocumentKind.ALLOCATE: "FJ",
    DocumentKind.INCREASE: "ZJ",
    DocumentKind.DECREASE: "JS",
    DocumentKind.ADJUST: "TJ",
    DocumentKind.HOLD: "DJ",
    DocumentKind.RELEASE: "JD",
    DocumentKind.RECLAIM: "SH",
}


def _permission_for(kind: str) -> str:
    return (
        "indicators.enter_adjustment"
        if kind == DocumentKind.ADJUST
        else "indicators.add_indicatordocument"
    )


def _holder(actor: Actor, data: DocumentInput) -> Organisation:
    organisation = acting_organisation(actor=actor, organisation_id=data.organisation_id)
    if data.kind in DIRECT_KINDS and organisation.kind not in (
        *FINANCE_KINDS,
        OrganisationKind.DEPARTMENT,
    ):
        raise BusinessRuleError.single(
            code="indicators.finance_only",
            rule="R-IN-4",
            field="kind",
            value=data.kind,
            message_zh="指标下达、分解、追加追减、冻结和收回由财政部门或主管部门办理",
            message_en="issue, allocation, increase/decrease, freeze and reclaim are finance acts",
            status=403,
        )
    return organisation


def _write_lines(document: IndicatorDocument, lines: Sequence[LineInput]) -> None:
    rows = []
    for index, item in enumerate(lines):
        spec = item.spec or LineSpec(line_kind="")
        rows.append(
            DocumentLine(
                document=document,
                row=index,
                source_id=item.source_id,
                target_id=item.target_id if document.kind != DocumentKind.ALLOCATE else None,
                amount=item.amount.fen,
                to_parent=item.to_parent,
                line_kind=spec.line_kind if item.spec else "",
                summary=spec.summary,
                doc_no=document.doc_no,
                doc_title=document.title,
                **{name: getattr(spec, name) for name in ELEMENT_FIELDS} if item.spec else {},
            )
        )
    DocumentLine.objects.bulk_create(rows)


def _validated(
    actor: Actor, data: DocumentInput
) -> tuple[Organisation, int, list[ErrorDetail], list[LineInput]]:
    ensure_permission(actor, _permission_for(data.kind))
    organisation = _holder(actor, data)
    fiscal_year = data.fiscal_year or timezone.localdate().year
    checked, lines = validate(
        actor, data, mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year
    )
    if data.kind == DocumentKind.ADJUST:
        ensure_own_lines(checked, organisation, data.subtype)
    return organisation, fiscal_year, checked.errors, lines


def document_check(*, actor: Actor, data: DocumentInput) -> list[ErrorDetail]:
    """Every error ``document_create`` would raise for ``data``, without writing anything (the
    entry form and the API show them together with the codes they could not resolve)."""
    return _validated(actor, data)[2]


@transaction.atomic
def document_create(*, actor: Actor, data: DocumentInput) -> IndicatorDocument:
    organisation, fiscal_year, errors, lines = _validated(actor, data)
    raise_if_any(errors)
    number = next_number(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        series=f"indicator-{SERIES[DocumentKind(data.kind)]}",
    )
    document = IndicatorDocument.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        number=f"{SERIES[DocumentKind(data.kind)]}{fiscal_year}{number:06d}",
        kind=data.kind,
        subtype=data.subtype if data.kind == DocumentKind.ADJUST else "",
        organisation=organisation,
        doc_no=data.doc_no.strip(),
        title=data.title.strip(),
        reason=data.reason.strip(),
        npc_reference=data.npc_reference.strip(),
        budget_source_id=data.budget_source_id,
        created_by_id=actor.pk,
    )
    _write_lines(document, lines)
    audit_record(
        action="indicators.document_create",
        actor=actor,
        obj=document,
        changes={"state": [None, DocumentState.DRAFT]},
        extra={
            "kind": data.kind,
            "lines": len(lines),
            "total_fen": sum(x.amount.fen for x in lines),
            "budget_source": data.budget_source_id,
        },
    )
    return document


def _locked_document(actor: Actor, document_id: int) -> IndicatorDocument:
    document = (
        locks.document_qs_select_for_update().visible_to(actor).filter(pk=document_id).first()
    )
    if document is None:
        raise NotFoundError("indicator document")
    return document


def _not_draft(document: IndicatorDocument) -> BusinessRuleError:
    return not_draft_error(
        code="indicators.not_draft",
        state=document.state,
        state_display=document.get_state_display(),
        noun_zh=f"单据 {document.number} ",
        noun_en=f"document {document.number}",
        action_zh="修改",
        action_en="changed",
    )


@transaction.atomic
def document_update(*, actor: Actor, document_id: int, data: DocumentInput) -> IndicatorDocument:
    ensure_permission(actor, _permission_for(data.kind))
    document = _locked_document(actor, document_id)
    if document.state != DocumentState.DRAFT:
        raise _not_draft(document)
    if data.kind != document.kind:
        raise BusinessRuleError.single(
            code="indicators.kind_fixed",
            field="kind",
            value=data.kind,
            limit=document.kind,
            message_zh="单据类型不能修改",
            message_en="the document type cannot change",
        )
    checked, lines = validate(
        actor, data, mof_div_code=document.mof_div_code, fiscal_year=document.fiscal_year
    )
    if document.kind == DocumentKind.ADJUST:
        ensure_own_lines(checked, document.organisation, data.subtype)
    raise_if_any(checked.errors)
    before = {
        "title": document.title,
        "doc_no": document.doc_no,
        "total": document.total_fen,
        "budget_source": document.budget_source_id,
    }
    document.title = data.title.strip()
    document.doc_no = data.doc_no.strip()
    document.reason = data.reason.strip()
    document.subtype = data.subtype if document.kind == DocumentKind.ADJUST else ""
    document.npc_reference = data.npc_reference.strip()
    document.budget_source_id = data.budget_source_id
    document.save()
    document.lines.all().delete()
    _write_lines(document, lines)
    after = {
        "title": document.title,
        "doc_no": document.doc_no,
        "total": document.total_fen,
        "budget_source": document.budget_source_id,
    }
    audit_record(
        action="indicators.document_update",
        actor=actor,
        obj=document,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return document


@transaction.atomic
def document_void(*, actor: Actor, document_id: int) -> IndicatorDocument:
    document = _locked_document(actor, document_id)
    ensure_permission(actor, _permission_for(document.kind))
    if document.state != DocumentState.DRAFT:
        raise _not_draft(document)
    document.state = DocumentState.VOID
    document.save(update_fields=["state", "updated_at"])
    audit_record(
        action="indicators.document_void",
        actor=actor,
        obj=document,
        changes={"state": [DocumentState.DRAFT, DocumentState.VOID]},
    )
    return document


def as_input(document: IndicatorDocument) -> DocumentInput:
    lines = []
    for line in document.lines.all():
        spec = None
        if line.line_kind:
            spec = LineSpec(
                line_kind=line.line_kind,
                summary=line.summary,
                **{name: getattr(line, name) for name in ELEMENT_FIELDS},
            )
        lines.append(
            LineInput(
                amount=Money(line.amount),
                source_id=line.source_id,
                target_id=line.target_id,
                spec=spec,
                to_parent=line.to_parent,
            )
        )
    return DocumentInput(
        kind=document.kind,
        title=document.title,
        lines=lines,
        doc_no=document.doc_no,
        reason=document.reason,
        subtype=document.subtype,
        npc_reference=document.npc_reference,
        organisation_id=document.organisation_id,
        fiscal_year=document.fiscal_year,
        budget_source_id=document.budget_source_id,
    )


def revalidate(actor: Actor, document: IndicatorDocument) -> None:
    """Every check again against the lines as they are now (submit, final approval)."""
    checked, _lines = validate(
        actor,
        as_input(document),
        mof_div_code=document.mof_div_code,
        fiscal_year=document.fiscal_year,
    )
    if document.kind == DocumentKind.ADJUST:
        ensure_own_lines(checked, document.organisation, document.subtype)
    raise_if_any(checked.errors)


@transaction.atomic
def document_post(*, actor: Actor, document_id: int) -> IndicatorDocument:
    """Post a finance document (issue, allocation, increase/decrease, freeze, reclaim)."""
    ensure_permission(actor, "indicators.post_indicatordocument")
    document = _locked_document(actor, document_id)
    if document.kind not in DIRECT_KINDS:
        raise BusinessRuleError.single(
            code="indicators.needs_approval",
            rule="R-AJ-2",
            field="kind",
            value=document.kind,
            message_zh="调剂单须经审批流程生效，不能直接记账",
            message_en="adjustments take effect through their approval, not by posting",
            status=409,
        )
    if document.state != DocumentState.DRAFT:
        raise _not_draft(document)
    if document.created_by_id == actor.pk:
        raise BusinessRuleError.single(
            code="indicators.poster_is_entrant",
            rule="R-WF-1",
            field="posted_by",
            value=actor.username,
            message_zh=f"单据 {document.number} 由您录入，须由另一位人员审核记账",
            message_en=f"you entered {document.number}; another officer must post it",
            status=403,
        )
    revalidate(actor, document)
    apply_document(actor=actor, document=document)
    return document
