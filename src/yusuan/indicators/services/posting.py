"""Posting a document: the lines it creates and its legs, one balanced posting (ADR 0009)."""

from __future__ import annotations

from django.utils import timezone

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError
from yusuan.core.services.sequences import next_numbers
from yusuan.core.validation import government_economic_code
from yusuan.indicators.choices import (
    DocumentKind,
    DocumentState,
    LineKind,
    MovementKind,
    SourceKind,
)
from yusuan.indicators.events import INDICATOR_POSTED, document_posted
from yusuan.indicators.models import (
    SOURCE_DRAWS_AUDIT_KEY,
    DocumentLine,
    IndicatorDocument,
    IndicatorLine,
)
from yusuan.indicators.services.inputs import ELEMENT_FIELDS
from yusuan.indicators.services.ledger import Leg, Posting, post
from yusuan.indicators.services.sources import Draw, draw_sources


def _create_lines(document: IndicatorDocument, rows: list[DocumentLine]) -> None:
    """Create the new lines of the rows (issue, allocation, adjustment into a new line) at once:
    one block of numbers, one insert, the derived government economic class looked up once per
    (class, agency type)."""
    if not rows:
        return
    numbers = next_numbers(
        mof_div_code=document.mof_div_code,
        fiscal_year=document.fiscal_year,
        series="indicator",
        count=len(rows),
    )
    gov_codes: dict[tuple[str, str], str] = {}
    new: list[IndicatorLine] = []
    for line, sequence in zip(rows, numbers, strict=True):
        organisation, parent = line.organisation, line.source
        # R-IN-7: an issued line comes from the document's source; a line allocated or adjusted
        # out of another keeps that line's source.
        budget_source_id = document.budget_source_id if parent is None else parent.budget_source_id
        gov_code = ""
        if line.line_kind == LineKind.EXECUTABLE and organisation is not None:
            key = (line.dep_bgt_eco_code, organisation.agency_type)
            if key not in gov_codes:
                gov_codes[key] = government_economic_code(
                    mof_div_code=document.mof_div_code,
                    fiscal_year=document.fiscal_year,
                    department_economic_code=line.dep_bgt_eco_code,
                    agency_type=organisation.agency_type,
                    field=f"lines[{line.row}].dep_bgt_eco_code",
                    row=line.row,
                )
            gov_code = gov_codes[key]
        new.append(
            IndicatorLine(
                mof_div_code=document.mof_div_code,
                fiscal_year=document.fiscal_year,
                code=f"ZB{document.mof_div_code[:6]}{document.fiscal_year % 100:02d}{sequence:07d}",
                kind=line.line_kind,
                parent=parent,
                origin_document=document,
                budget_source_id=budget_source_id,
                summary=line.summary or document.title,
                gov_bgt_eco_code=gov_code,
                doc_no=document.doc_no or (parent.doc_no if parent else ""),
                doc_title=document.title if document.doc_no or parent is None else parent.doc_title,
                **{name: getattr(line, name) for name in ELEMENT_FIELDS},
            )
        )
    IndicatorLine.objects.bulk_create(new)
    for line, created in zip(rows, new, strict=True):
        line.created_line = created
    DocumentLine.objects.bulk_update(rows, ["created_line"])


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


def _legs(document: IndicatorDocument) -> list[Leg]:
    legs: list[Leg] = []
    kind = document.kind
    rows = list(document.lines.select_related("organisation", "source").order_by("row"))
    if kind in INCOMING:
        _create_lines(
            document,
            [row for row in rows if not (kind == DocumentKind.ADJUST and row.target_id)],
        )
    for line in rows:
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
                else line.created_line_id
            )
            assert target_id is not None
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


def _no_source(line: DocumentLine) -> BusinessRuleError:
    return BusinessRuleError.single(
        code="indicators.source_required",
        rule="R-IN-7",
        field=f"lines[{line.row}].amount",
        row=line.row,
        message_zh=f"第 {line.row + 1} 行：指标没有来源，无法退回，请在单据上指定指标来源",
        message_en=f"row {line.row + 1}: the line has no source to give the money back to; "
        "name the source on the document",
    )


def _draws(document: IndicatorDocument) -> list[Draw]:
    """R-IN-7: what the posting takes from or gives back to the sources (ADR 0027). 下达 and 追加
    draw from the document's source; a 追减 citing a 预算调整 row uses its authorised decrease
    (R-AJ-7); other 追减 and 收回 to finance give the money back to the document's source, or to
    the source each line came from."""
    kind = document.kind
    rows = list(document.lines.select_related("source", "target").order_by("row"))
    total = sum(row.amount for row in rows)
    if kind in (DocumentKind.ISSUE, DocumentKind.INCREASE):
        if document.budget_source_id is None:
            raise BusinessRuleError.single(
                code="indicators.source_required",
                rule="R-IN-7",
                field="budget_source",
                message_zh="下达和追加须指定指标来源",
                message_en="an issue or increase names its source (R-IN-7)",
            )
        return [Draw(document.budget_source_id, drawn=total)]
    if kind == DocumentKind.DECREASE and document.budget_source_id is not None:
        assert document.budget_source is not None
        if document.budget_source.kind == SourceKind.ADJUSTMENT:
            return [Draw(document.budget_source_id, decreased=total)]
        return [Draw(document.budget_source_id, drawn=-total)]
    draws: list[Draw] = []
    for row in rows:
        if kind == DocumentKind.DECREASE:
            line = row.target or row.source
        elif kind == DocumentKind.RECLAIM and not row.to_parent:
            line = row.source
        else:
            continue
        if line is None or line.budget_source_id is None:
            raise _no_source(row)
        draws.append(Draw(line.budget_source_id, drawn=-row.amount))
    return draws


def apply_document(*, actor: Actor, document: IndicatorDocument) -> None:
    """Post the document's legs as one posting and mark it effective (caller holds the lock);
    its source draws (R-IN-7) go in the same transaction."""
    legs = _legs(document)
    posting = Posting(
        legs=legs, actor_id=actor.pk, document_id=document.pk, source_no=document.number
    )
    post(posting)
    draws = _draws(document)
    source_draws = draw_sources(
        draws=draws, posting=posting.posting_id, document_id=document.pk, actor_id=actor.pk
    )
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
            "sources": [[d.source_id, d.drawn, d.decreased] for d in draws],
            SOURCE_DRAWS_AUDIT_KEY: source_draws,
        },
    )
    INDICATOR_POSTED.publish_built(lambda: document_posted(document, posting))


def set_state(*, actor: Actor, document: IndicatorDocument, state: str, why: str) -> None:
    """Called by the adjustment workflow's hooks, inside their transaction."""
    state_change(
        action="indicators.document_state", actor=actor, obj=document, state=state, why=why
    )
