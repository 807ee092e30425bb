"""Budget rounds in /api/v1 (R-BP-7, R-BP-8): the region's rounds, one with its calendar, the
people's congress approval, every department's progress and the calendar's breaches; opening a
round and recording the congress approval (the budget division)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite
from yusuan.budgeting import selectors
from yusuan.budgeting.api.common import MANAGE_ROUND, READ, VIEW, WRITE
from yusuan.budgeting.models import BudgetRound
from yusuan.budgeting.services import rounds as round_service
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require

# ``yusuan_budgeting_api_<function>`` in every module of the package (``yusuan.api.root``).
OPERATION_ID_PREFIX = "yusuan_budgeting_api"

router = Router(tags=["budgeting"])


class BudgetRoundOut(Schema):
    id: int
    mof_div_code: str
    fiscal_year: int
    name: str
    apply_1_due: dt.date = Field(description="一上 due")
    control_due: dt.date = Field(description="一下 control numbers due")
    apply_2_due: dt.date = Field(description="二上 due")
    congress_due: dt.date = Field(description="Draft to the people's congress due")
    congress_decision_no: str = Field(description="People's congress decision; '' until recorded")
    congress_date: dt.date | None


class BudgetBreachOut(Schema):
    """R-BP-7: a deadline passed without the act, or met late."""

    rule: str
    what: str
    due: dt.date
    done: dt.date | None = Field(description="null: still not done")


class BudgetDocumentRefOut(Schema):
    id: int
    number: str
    kind: str = Field(description="A 批复's kind (first, change); '' for control numbers")
    state: str


class BudgetProgressOut(Schema):
    department_id: int
    department_name: str
    drafts: dict[str, dict[str, int]] = Field(
        description="Units' drafts counted by stage (apply_1, apply_2) and state"
    )
    control: BudgetDocumentRefOut | None
    replies: list[BudgetDocumentRefOut]


class BudgetRoundDetailOut(BudgetRoundOut):
    breaches: list[BudgetBreachOut]
    progress: list[BudgetProgressOut]


class BudgetRoundIn(Schema):
    fiscal_year: Year
    name: str = Field("", max_length=120, description="'' → '<year>年预算编制'")
    apply_1_due: dt.date
    control_due: dt.date
    apply_2_due: dt.date
    congress_due: dt.date


class BudgetCongressIn(Schema):
    decision_no: str = Field(max_length=120, description="人大批准决议文号")
    decision_date: dt.date


def _round(budget_round: BudgetRound) -> dict[str, Any]:
    return {
        name: getattr(budget_round, name) for name in BudgetRoundOut.model_fields.keys() - {"id"}
    } | {"id": budget_round.pk}


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    budget_round = selectors.access_round(actor, pk)
    progress = []
    for entry in selectors.progress(actor, budget_round):
        counts = Counter((d.stage, d.state) for d in entry.drafts)
        drafts: dict[str, dict[str, int]] = {}
        for (stage, state), n in sorted(counts.items()):
            drafts.setdefault(stage, {})[state] = n
        control = entry.control
        progress.append(
            {
                "department_id": entry.department.pk,
                "department_name": entry.department.name,
                "drafts": drafts,
                "control": None
                if control is None
                else {
                    "id": control.pk,
                    "number": control.number,
                    "kind": "",
                    "state": control.state,
                },
                "replies": [
                    {"id": r.pk, "number": r.number, "kind": r.kind, "state": r.state}
                    for r in entry.replies
                ],
            }
        )
    breaches = selectors.breaches(actor, budget_round, timezone.localdate())
    return {
        **_round(budget_round),
        "breaches": [
            {"rule": b.rule, "what": b.what, "due": b.due, "done": b.done} for b in breaches
        ],
        "progress": progress,
    }


write = DocumentWrite(api_scope=WRITE, read=_detail, permission=MANAGE_ROUND)


@router.get("/budgeting/rounds", response=list[BudgetRoundOut])
@paged(50)
def list_rounds(request: HttpRequest) -> Any:
    """The region's budget rounds (编制年度), the latest year first."""
    actor = require(request, VIEW, READ)
    return Rendered(selectors.rounds(actor), _round)


@router.get("/budgeting/rounds/{round_id}", response=BudgetRoundDetailOut)
def get_round(request: HttpRequest, round_id: Id) -> Any:
    """A round with its calendar, the people's congress approval, each department's progress
    (what the caller may see of it) and the calendar's breaches (R-BP-7)."""
    return _detail(require(request, VIEW, READ), round_id)


@router.post("/budgeting/rounds", response={201: BudgetRoundDetailOut})
def open_round(
    request: HttpRequest,
    response: HttpResponse,
    payload: BudgetRoundIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Open the region's budget round of a year with its calendar (the budget division; each
    date no earlier than the one before it, R-BP-7)."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope="api:budgeting.round_open",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: round_service.round_open(
            actor=actor, data=round_service.RoundInput(**payload.model_dump())
        ),
    )


@router.post("/budgeting/rounds/{round_id}/congress", response=BudgetRoundDetailOut)
def record_congress(
    request: HttpRequest,
    response: HttpResponse,
    round_id: Id,
    payload: BudgetCongressIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Record the people's congress approval, once (R-BP-7): the 批复 deadlines run from it."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:budgeting.congress:{round_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: round_service.congress_record(
            actor=actor,
            round_id=round_id,
            decision_no=payload.decision_no,
            decision_date=payload.decision_date,
        ),
    )
