"""一下 control numbers in /api/v1 (R-BP-1, R-PJ-6): a department's control numbers in a round,
beside the 一上/二上 sums they cap, and each project line with finance's figure (财政审核数);
entering them, filling the figures in the department's rank order and issuing them (another
officer than the one who entered them, R-WF-1). Each calls the service its page calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.budgeting import selectors
from yusuan.budgeting.api.common import (
    ISSUE_CONTROL,
    MAX_FIGURES,
    READ,
    VIEW,
    WRITE,
    BudgetFigureIn,
    BudgetLineOut,
    amount,
    at_row,
    figures_in,
    line_out,
)
from yusuan.budgeting.choices import Part, Side, Stage
from yusuan.budgeting.models import BudgetLine, BudgetRound, ControlIssue
from yusuan.budgeting.rules import FISCAL_FUND_TYPES, FUND_NAMES
from yusuan.budgeting.services import control as control_service
from yusuan.budgeting.services.common import refuse
from yusuan.common.api import Id, IdempotencyKey, require
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation

# ``yusuan_budgeting_api_<function>`` in every module of the package (``yusuan.api.root``).
OPERATION_ID_PREFIX = "yusuan_budgeting_api"

router = Router(tags=["budgeting"])


class BudgetControlIssueOut(Schema):
    id: int
    number: str
    doc_no: str
    state: str = Field(description="draft, or issued (frozen)")
    created_by: str = Field(description="Who entered them last (may not issue them, R-WF-1)")
    issued_by: str
    issued_at: dt.datetime | None


class BudgetControlNumberOut(Schema):
    fund_type_code: str
    fund_name: str
    part: str = Field(description="basic or project")
    amount_fen: int | None = Field(description="The control number; null: none set")
    apply_1_fen: int = Field(description="Σ 一上 of the department's lines it caps")
    apply_2_fen: int = Field(description="Σ 二上 written")
    working_fen: int = Field(description="Σ working figures now")


class BudgetControlLineOut(BudgetLineOut):
    organisation_name: str
    finance_fen: int | None = Field(description="Finance's figure (财政审核数); null: none")


class BudgetControlOut(Schema):
    round_id: int
    department_id: int
    department_name: str
    issue: BudgetControlIssueOut | None
    numbers: list[BudgetControlNumberOut]
    lines: list[BudgetControlLineOut]


class BudgetControlNumberIn(Schema):
    fund_type_code: str = Field(max_length=8, description="财政拨款: 111, 211 or 311")
    part: str = Field(max_length=8, description="basic or project")
    amount: str = Field(description="元, e.g. '1,234.56'", max_length=32)


class BudgetControlIn(Schema):
    doc_no: str = Field("", max_length=60, description="文号")
    numbers: list[BudgetControlNumberIn] = Field(max_length=20)
    figures: list[BudgetFigureIn] | None = Field(
        None,
        max_length=MAX_FIGURES,
        description="Finance's figure per project line; null keeps the ones entered",
    )


def _scope(actor: Any, round_id: int, department_id: int) -> tuple[BudgetRound, Organisation]:
    budget_round = selectors.access_round(actor, round_id)
    department = (
        Organisation.objects.visible_to(actor)
        .filter(pk=department_id, kind=OrganisationKind.DEPARTMENT)
        .first()
    )
    if department is None:
        raise NotFoundError("department")
    return budget_round, department


def _control(actor: Any, round_id: int, department_id: int) -> dict[str, Any]:
    budget_round, department = _scope(actor, round_id, department_id)
    issue = (
        ControlIssue.objects.filter(round=budget_round, department=department)
        .select_related("created_by", "issued_by")
        .first()
    )
    lines = (
        BudgetLine.objects.filter(
            round=budget_round, department=department, side=Side.EXPENDITURE, removed=False
        )
        .select_related("organisation", "project")
        .order_by("project__rank", "organisation__path", "position")
    )
    rows = selectors.line_rows(lines)
    figures = dict(issue.lines.values_list("line_id", "amount_fen")) if issue else {}
    numbers = (
        {(n.fund_type_code, n.part): n.amount_fen for n in issue.numbers.all()} if issue else {}
    )
    sums: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        entry = sums.setdefault(
            (row.line.fund_type_code, row.line.part), {"apply_1": 0, "apply_2": 0, "working": 0}
        )
        entry["apply_1"] += row.figures.get(Stage.APPLY_1, 0)
        entry["apply_2"] += row.figures.get(Stage.APPLY_2, 0)
        entry["working"] += row.line.amount_fen
    return {
        "round_id": budget_round.pk,
        "department_id": department.pk,
        "department_name": department.name,
        "issue": None
        if issue is None
        else {
            "id": issue.pk,
            "number": issue.number,
            "doc_no": issue.doc_no,
            "state": issue.state,
            "created_by": issue.created_by.username,
            "issued_by": issue.issued_by.username if issue.issued_by else "",
            "issued_at": issue.issued_at,
        },
        "numbers": [
            {
                "fund_type_code": fund,
                "fund_name": FUND_NAMES[fund],
                "part": part,
                "amount_fen": numbers.get((fund, part)),
                **{
                    f"{name}_fen": sums.get((fund, part), {}).get(name, 0)
                    for name in ("apply_1", "apply_2", "working")
                },
            }
            for fund in FISCAL_FUND_TYPES
            for part in Part.values
        ],
        "lines": [
            {
                **line_out(row),
                "organisation_name": row.line.organisation.name,
                "finance_fen": figures.get(row.line.pk),
            }
            for row in rows
        ],
    }


def _numbers(payload: BudgetControlIn) -> list[control_service.NumberInput]:
    found: list[control_service.NumberInput] = []
    errors: list[ErrorDetail] = []
    for index, item in enumerate(payload.numbers):
        try:
            money = amount(item.amount, f"numbers[{index}].amount")
        except BusinessRuleError as exc:
            errors += at_row(exc.errors, index)
            continue
        found.append(
            control_service.NumberInput(item.fund_type_code.strip(), item.part.strip(), money)
        )
    if errors:
        raise BusinessRuleError(errors)
    return found


def _issue(actor: Any, round_id: int, department_id: int) -> ControlIssue:
    budget_round, department = _scope(actor, round_id, department_id)
    issue = ControlIssue.objects.filter(round=budget_round, department=department).first()
    if issue is None:
        raise refuse(
            "budgeting.control_missing",
            "numbers",
            f"{department.name}尚未录入控制数，请先保存控制数",
            f"{department.name} has no control numbers entered yet: save them first",
            rule="R-BP-1",
            status=409,
        )
    return issue


def _write(
    request: HttpRequest,
    response: HttpResponse,
    *,
    round_id: int,
    department_id: int,
    action: str,
    key: str | None,
    body: dict[str, Any],
    call: Any,
) -> Status[Any]:
    def render(actor: Any) -> dict[str, Any]:
        call(actor)
        return _control(actor, round_id, department_id)

    return write_once(
        request,
        response,
        permission=ISSUE_CONTROL,
        api_scope=WRITE,
        key=key,
        scope=f"api:budgeting.control_{action}:{round_id}:{department_id}",
        body=body,
        status=200,
        render=render,
    )


@router.get("/budgeting/rounds/{round_id}/control/{department_id}", response=BudgetControlOut)
def get_control(request: HttpRequest, round_id: Id, department_id: Id) -> Any:
    """A department's control numbers per fund type and basic/project part beside the sums they
    cap, and each expenditure line with its stage figures and finance's figure."""
    return _control(require(request, VIEW, READ), round_id, department_id)


@router.put("/budgeting/rounds/{round_id}/control/{department_id}", response=BudgetControlOut)
def put_control(
    request: HttpRequest,
    response: HttpResponse,
    round_id: Id,
    department_id: Id,
    payload: BudgetControlIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Enter or replace the department's control numbers (and finance's figure per project
    line) while they are not issued (R-BP-1)."""

    def call(actor: Any) -> None:
        numbers = _numbers(payload)
        figures = figures_in(payload.figures) if payload.figures is not None else None
        control_service.control_save(
            actor=actor,
            round_id=round_id,
            department_id=department_id,
            numbers=numbers,
            figures=figures,
            doc_no=payload.doc_no,
        )

    return _write(
        request,
        response,
        round_id=round_id,
        department_id=department_id,
        action="save",
        key=idempotency_key,
        body=payload.model_dump(mode="json"),
        call=call,
    )


@router.post("/budgeting/rounds/{round_id}/control/{department_id}/fill", response=BudgetControlOut)
def fill_control(
    request: HttpRequest,
    response: HttpResponse,
    round_id: Id,
    department_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Fill finance's figures in the department's rank order (R-PJ-6): each project line at its
    一上 figure until the project control number of its fund type is used."""
    return _write(
        request,
        response,
        round_id=round_id,
        department_id=department_id,
        action="fill",
        key=idempotency_key,
        body={},
        call=lambda actor: control_service.control_fill_in_rank_order(
            actor=actor, issue_id=_issue(actor, round_id, department_id).pk
        ),
    )


@router.post(
    "/budgeting/rounds/{round_id}/control/{department_id}/issue", response=BudgetControlOut
)
def issue_control(
    request: HttpRequest,
    response: HttpResponse,
    round_id: Id,
    department_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Issue the control numbers (一下): frozen from now; each 财政拨款 line's 一下 figure is
    written once (R-BP-9). Another officer than the one who entered them (R-WF-1)."""
    return _write(
        request,
        response,
        round_id=round_id,
        department_id=department_id,
        action="issue",
        key=idempotency_key,
        body={},
        call=lambda actor: control_service.control_issue(
            actor=actor, issue_id=_issue(actor, round_id, department_id).pk
        ),
    )


class BudgetRevenuePlanRowIn(Schema):
    fund_type_code: str = Field(max_length=8, description="财政拨款: 111, 211 or 311")
    amount: str = Field(description="元, e.g. '1,234.56'", max_length=32)


class BudgetRevenuePlanIn(Schema):
    rows: list[BudgetRevenuePlanRowIn] = Field(max_length=3)
    note: str = Field("", max_length=200, description="Its basis (收入预测, 转移支付测算 …)")


class BudgetRevenuePlanRowOut(Schema):
    fund_type_code: str
    fund_name: str
    amount_fen: int | None = Field(description="Available revenue; null: not planned")
    issued_fen: int = Field(description="Σ control numbers issued for it, all departments")


def _plan(actor: Any, round_id: int) -> list[dict[str, Any]]:
    budget_round = selectors.access_round(actor, round_id)
    plan = control_service.revenue_plan(budget_round)
    issued = control_service.issued_totals(budget_round)
    return [
        {
            "fund_type_code": fund,
            "fund_name": FUND_NAMES[fund],
            "amount_fen": plan.get(fund),
            "issued_fen": issued.get(fund, 0),
        }
        for fund in FISCAL_FUND_TYPES
    ]


@router.get("/budgeting/rounds/{round_id}/revenue-plan", response=list[BudgetRevenuePlanRowOut])
def get_revenue_plan(request: HttpRequest, round_id: Id) -> Any:
    """可用财力: the district's available revenue by fund type and what the control numbers
    issued so far take of it."""
    return _plan(require(request, VIEW, READ), round_id)


@router.put("/budgeting/rounds/{round_id}/revenue-plan", response=list[BudgetRevenuePlanRowOut])
def put_revenue_plan(
    request: HttpRequest,
    response: HttpResponse,
    round_id: Id,
    payload: BudgetRevenuePlanIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Set the available revenue by fund type (the latest counts; never below what is issued).
    Every department's control numbers together stay within it when they are issued."""

    def render(actor: Any) -> list[dict[str, Any]]:
        control_service.revenue_plan_set(
            actor=actor,
            round_id=round_id,
            figures={
                row.fund_type_code: amount(row.amount, f"rows[{i}].amount")
                for i, row in enumerate(payload.rows)
            },
            note=payload.note,
        )
        return _plan(actor, round_id)

    return write_once(
        request,
        response,
        permission=ISSUE_CONTROL,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:budgeting.revenue_plan:{round_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )
