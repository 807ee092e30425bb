"""Posting a document: the lines it creates and its legs, one balanced posting (ADR 0009)."""

from __future__ import annotations

from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor
from yusuan.core.services.sequences import next_number
from yusuan.core.validation import government_economic_code
from yusuan.indicators.choices import DocumentKind, DocumentState, LineKind, MovementKind
from yusuan.indicators.models import DocumentLine, IndicatorDocument, IndicatorLine
from yusuan.indicators.services.checks import ELEMENT_FIELDS
from yusuan.indicators.services.ledger import Leg, Posting, post


def _line_from_spec(
    document: IndicatorDocument, line: DocumentLine, parent: IndicatorLine | None
) -> IndicatorLine:
    organisation = line.organisation
    gov_code = ""
    if line.line_kind == LineKind.EXECUTABLE and organisation is not None:
        gov_code = government_economic_code(
            mof_div_code=document.mof_div_code,
            fiscal_year=document.fiscal_year,
            department_economic_code=line.dep_bgt_eco_code,
            agency_type=organisation.agency_type,
            field=f"lines[{line.row}].dep_bgt_eco_code",
            row=line.row,
        )
    sequence = next_number(
        mof_div_code=document.mof_div_code, fiscal_year=document.fiscal_year, series="indicator"
    )
    return IndicatorLine.objects.create(
        mof_div_code=document.mof_div_code,
        fiscal_year=document.fiscal_year,
        code=f"ZB{document.mof_div_code[:6]}{document.fiscal_year % 100:02d}{sequence:07d}",
        kind=line.line_kind,
        parent=parent,
        origin_document=document,
        summary=line.summary or document.title,
        gov_bgt_eco_code=gov_code,
        doc_no=document.doc_no or (parent.doc_no if parent else ""),
        doc_title=document.title if document.doc_no or parent is None else parent.doc_title,
        **{name: getattr(line, name) for name in ELEMENT_FIELDS},
    )


# Per document kind: (movement, bucket multipliers of the amount, d_outside multiplier, rule) on the
# row's own line (the source, or the target for kinds without one).
OWN_LEG: dict[str, tuple[str, dict[str, int], int, str]] = {
    DocumentKind.INCREASE: (MovementKind.INCREASE, {"total": 1, "available": 1}, -1, "R-IN-3"),
    DocumentKind.DECREASE: (MovementKind.DECREASE, {"total": -1, "available": -1}, 1, "R-IN-3"),
    DocumentKind.HOLD: (MovementKind.HOLD, {"available": -1, "held": 1}, 0, "R-IN-3"),
    DocumentKind.RELEASE: (MovementKind.UNHOLD, {"held": -1, "available": 1}, 0, "R-IN-3"),
    DocumentKind.ALLOCATE: (
        MovementKind.ALLOCATE_OUT,
        {"available": -1, "allocated": 1},
        0,
        "R-IN-2",
    ),
    DocumentKind.RECLAIM: (MovementKind.RECLAIM, {"total": -1, "available": -1}, 1, "R-IN-6"),
    DocumentKind.ADJUST: (MovementKind.ADJUST_OUT, {"total": -1, "available": -1}, 0, "R-AJ-4"),
}
# The receiving line of kinds that move money to another line: (movement, multipliers).
INCOMING: dict[str, tuple[str, dict[str, int]]] = {
    DocumentKind.ISSUE: (MovementKind.ISSUE, {"total": 1, "available": 1}),
    DocumentKind.ALLOCATE: (MovementKind.ALLOCATE_IN, {"total": 1, "available": 1}),
    DocumentKind.ADJUST: (MovementKind.ADJUST_IN, {"total": 1, "available": 1}),
}


def _created(document: IndicatorDocument, line: DocumentLine) -> int:
    """Create the row's new line (issue, allocation, adjustment into a new line)."""
    created = _line_from_spec(document, line, line.source)
    line.created_line = created
    line.save(update_fields=["created_line"])
    return created.pk


def _legs(document: IndicatorDocument) -> list[Leg]:
    legs: list[Leg] = []
    kind = document.kind
    for line in document.lines.select_related("organisation", "source").order_by("row"):
        x = line.amount
        row, at = line.row, f"lines[{line.row}].amount"
        own = OWN_LEG.get(kind)
        if own is not None:
            movement, deltas, outside, rule = own
            if kind == DocumentKind.RECLAIM and line.to_parent:
                outside = 0  # the money goes back to the pending line, not out of the system
            legs.append(
                Leg(
                    line.source_id or line.target_id or 0,
                    movement,
                    {bucket: sign * x for bucket, sign in deltas.items()},
                    outside * x,
                    rule=rule,
                    row=row,
                    field=at,
                )
            )
        if kind == DocumentKind.RECLAIM and line.to_parent:
            assert line.source is not None
            legs.append(
                Leg(
                    line.source.parent_id or 0,
                    MovementKind.RECLAIM_IN,
                    {"allocated": -x, "available": x},
                    rule="R-IN-2",
                    row=row,
                    field=at,
                )
            )
        incoming = INCOMING.get(kind)
        if incoming is not None:
            movement, deltas = incoming
            target_id = (
                line.target_id
                if kind == DocumentKind.ADJUST and line.target_id
                else _created(document, line)
            )
            legs.append(
                Leg(
                    target_id,
                    movement,
                    {bucket: sign * x for bucket, sign in deltas.items()},
                    -x if kind == DocumentKind.ISSUE else 0,
                    row=row,
                    field=at,
                )
            )
    return legs


def apply_document(*, actor: Actor, document: IndicatorDocument) -> None:
    """Post the document's legs as one posting and mark it effective (caller holds the lock)."""
    legs = _legs(document)
    post(Posting(legs=legs, actor_id=actor.pk, document_id=document.pk, source_no=document.number))
    before = document.state
    document.state = DocumentState.POSTED
    document.posted_by_id = actor.pk
    document.posted_at = timezone.now()
    document.save(update_fields=["state", "posted_by", "posted_at", "updated_at"])
    audit_record(
        action="indicators.document_post",
        actor=actor,
        obj=document,
        changes={"state": [before, DocumentState.POSTED]},
        extra={
            "kind": document.kind,
            "legs": [
                {
                    "line": leg.line_id,
                    "kind": leg.kind,
                    **dict(leg.deltas),
                    "outside": leg.d_outside,
                }
                for leg in legs
            ],
        },
    )


def set_state(*, actor: Actor, document: IndicatorDocument, state: str, why: str) -> None:
    """Called by the adjustment workflow's hooks, inside their transaction."""
    if document.state == state:
        return
    before = document.state
    document.state = state
    document.save(update_fields=["state", "updated_at"])
    audit_record(
        action="indicators.document_state",
        actor=actor,
        obj=document,
        changes={"state": [before, state]},
        extra={"by": why},
    )
