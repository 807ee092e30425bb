"""The library list and its reports in /api/v1, the 绩效目标表 and the declaration workbook in
and out (DOMAIN-2 §2.3, §7.1)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.projects import selectors
from yusuan.projects.api.common import READ, WRITE, ProjectOut, StateFilter, _project
from yusuan.projects.exchange import declarations_import

# The operation ids these endpoints were first published under (``yusuan.api.root``), when they
# were all in ``yusuan.projects.api``: clients generate their method names from them.
OPERATION_ID_PREFIX = "yusuan_projects_api"

router = Router(tags=["projects"])


class LibraryProjectOut(ProjectOut):
    department_name: str
    category_name: str
    budget_year: int
    plan_y0_fen: int = Field(description="Σ of the plans for year Y")
    plan_y1_fen: int = Field(description="… for Y+1")
    plan_y2_fen: int = Field(description="… for Y+2")
    has_goal: bool
    review_kind: str | None
    review_conclusion: str | None


FundingFilter = Literal["", "library", "funded", "unfunded"]


def _library_filters(
    actor: Any,
    *,
    state: str,
    category: str,
    department: str,
    unit: str,
    budget_year: int | None,
    funding: str,
    q: str,
    year: int | None,
) -> tuple[Any, int]:
    from yusuan.projects import reports

    filters = reports.ListFilters(
        state=state,
        category=category[:100],
        department=department[:100],
        unit=unit[:100],
        budget_year=budget_year,
        funding=funding,
        q=q[:100],
    )
    return filters, reports.report_year(actor=actor, given=year, filters=filters)


@router.get("/projects-library", response=list[LibraryProjectOut])
@paged(100)
def list_library(
    request: HttpRequest,
    state: StateFilter = "",
    category: str = "",
    department: str = "",
    unit: str = "",
    budget_year: Year | None = None,
    funding: FundingFilter = "",
    q: str = "",
    year: Year | None = None,
) -> Any:
    """项目库清单 as the library page shows it: the plan for Y, Y+1, Y+2, 审定数, rank, goal and
    latest review; filters as the page's (category, department and unit by code or name)."""
    from yusuan.projects import reports
    from yusuan.projects.list_grid import prepare

    actor = require(request, "projects.view_project", READ)
    filters, y = _library_filters(
        actor,
        state=state,
        category=category,
        department=department,
        unit=unit,
        budget_year=budget_year,
        funding=funding,
        q=q,
        year=year,
    )
    queryset = reports.library_list(actor=actor, filters=filters, year=y).order_by("code", "pk")

    def render(p: Any) -> dict[str, Any]:
        return {
            **_project(p),
            "department_name": p.department_name,
            "category_name": p.category_label,
            "budget_year": p.budget_year,
            "plan_y0_fen": p.plan_y0,
            "plan_y1_fen": p.plan_y1,
            "plan_y2_fen": p.plan_y2,
            "has_goal": p.has_goal,
            "review_kind": p.review_kind,
            "review_conclusion": p.review_conclusion,
        }

    return Rendered(queryset, render, prepare=prepare)


class SummaryRowOut(Schema):
    department_code: str
    department_name: str
    category: str = Field(description="'' on a department's subtotal row")
    category_name: str
    counts: dict[str, int]
    amounts: dict[str, int] = Field(description="Amounts in fen by column (stored, funded, gap…)")


class SummaryOut(Schema):
    year: int
    rows: list[SummaryRowOut]
    total_counts: dict[str, int]
    total_amounts: dict[str, int] = Field(description="Amounts in fen by column")


def _summary(summary: Any) -> dict[str, Any]:
    return {
        "year": summary.year,
        "rows": [
            {
                "department_code": r.department.code,
                "department_name": r.department.name,
                "category": r.category,
                "category_name": r.category_name,
                "counts": r.figures.counts,
                "amounts": r.figures.amounts,
            }
            for r in summary.rows
        ],
        "total_counts": summary.total.counts,
        "total_amounts": summary.total.amounts,
    }


def _year(actor: Any, year: int | None) -> int:
    from yusuan.projects import reports

    return reports.report_year(actor=actor, given=year)


@router.get("/projects-reports/reserve", response=SummaryOut)
def report_reserve(request: HttpRequest, year: Year | None = None) -> dict[str, Any]:
    """储备项目汇总: by department × category, counts and amounts (fen) of the projects in the
    library (``library``), funded (``funded``) and waiting for money (``unfunded``), and the
    funding gap (``gap``: Σ of the unfunded ones' plans for year Y)."""
    from yusuan.projects import reports

    actor = require(request, "projects.view_project", READ)
    return _summary(reports.reserve_summary(actor=actor, year=_year(actor, year)))


@router.get("/projects-reports/rolling", response=SummaryOut)
def report_rolling(request: HttpRequest, year: Year | None = None) -> dict[str, Any]:
    """中期财政规划: Σ of the library's plans (fen) for Y (``y0``), Y+1 (``y1``), Y+2 (``y2``) and
    the three (``all``) by department × category; ``projects``: how many have such a plan."""
    from yusuan.projects import reports

    actor = require(request, "projects.view_project", READ)
    return _summary(reports.rolling_plan(actor=actor, year=_year(actor, year)))


class StateRowOut(Schema):
    state: str
    count: int
    total_amount_fen: int
    plan_fen: int = Field(description="Σ of the plans for year Y")


class StatesOut(Schema):
    year: int
    rows: list[StateRowOut]
    total: StateRowOut


@router.get("/projects-reports/states", response=StatesOut)
def report_states(request: HttpRequest, year: Year | None = None) -> dict[str, Any]:
    """Every project the caller sees by state: count, total amount and the plan for year Y."""
    from yusuan.projects import reports

    actor = require(request, "projects.view_project", READ)
    y = _year(actor, year)
    rows, total = reports.state_summary(actor=actor, year=y)

    def out(r: Any) -> dict[str, Any]:
        return {
            "state": r.state,
            "count": r.count,
            "total_amount_fen": r.total_fen,
            "plan_fen": r.plan_fen,
        }

    return {"year": y, "rows": [out(r) for r in rows], "total": out(total)}


class GoalTableOut(Schema):
    project_id: int
    code: str
    name: str
    department: str
    unit: str
    budget_year: int
    year_total_fen: int
    year_fiscal_fen: int = Field(description="财政拨款: fund natures 1xx/2xx/3xx")
    year_other_fen: int
    all_total_fen: int
    all_fiscal_fen: int
    all_other_fen: int
    medium_term: str
    annual: str
    indicators: list[dict[str, Any]]


@router.get("/projects/{project_id}/goal-table", response=GoalTableOut)
def get_goal_table(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    """The project's 绩效目标表 (DOMAIN-2 §7.1) as data; the page offers it as Excel and PDF."""
    from yusuan.projects.goal_table import goal_table

    actor = require(request, "projects.view_project", READ)
    t = goal_table(selectors.access_project(actor=actor, pk=project_id))
    return {
        "project_id": t.project.pk,
        "code": t.project.code,
        "name": t.project.name,
        "department": t.department,
        "unit": t.unit,
        "budget_year": t.year,
        "year_total_fen": t.year_funds.total_fen,
        "year_fiscal_fen": t.year_funds.fiscal_fen,
        "year_other_fen": t.year_funds.other_fen,
        "all_total_fen": t.all_funds.total_fen,
        "all_fiscal_fen": t.all_funds.fiscal_fen,
        "all_other_fen": t.all_funds.other_fen,
        "medium_term": t.medium_term,
        "annual": t.annual,
        "indicators": [
            {
                "level1": i.level1,
                "level2": i.level2,
                "name": i.name,
                "operator": i.operator,
                "target": i.target,
                "unit": i.unit,
                "weight": i.weight,
            }
            for i in t.indicators
        ],
    }


class ImportedOut(Schema):
    created: int
    projects: list[ProjectOut]


@router.post("/projects-import", response={201: ImportedOut})
def import_declarations(
    request: HttpRequest,
    response: HttpResponse,
    file: File[UploadedFile],
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """New draft projects of the caller's unit from the declaration workbook (.xlsx: sheets 项目,
    分年度计划, 测算明细, 绩效指标, 立项依据). A workbook with problems is refused with every one
    of them (``field`` = ``<sheet>[<row>].<column>``, code, rule, value) and nothing is kept."""
    from yusuan.common.uploads import upload_bytes

    data = upload_bytes(file)

    def render(actor: Any) -> dict[str, Any]:
        result = declarations_import(actor=actor, data=data, filename=file.name or "")
        return {"created": len(result.projects), "projects": [_project(p) for p in result.projects]}

    return write_once(
        request,
        response,
        permission="projects.add_project",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:projects.import",
        body={"name": file.name, "file": data},  # the bytes: another workbook is another request
        status=201,
        render=render,
    )


@router.get("/projects-export")
def export_declarations(
    request: HttpRequest,
    state: StateFilter = "",
    category: str = "",
    department: str = "",
    unit: str = "",
    budget_year: Year | None = None,
    funding: FundingFilter = "",
    q: str = "",
) -> HttpResponse:
    """The projects of the library list (same filters) as the declaration workbook (.xlsx);
    imported again it gives the same projects."""
    from yusuan.common.tabular import XLSX
    from yusuan.common.web import attachment
    from yusuan.projects import exchange, reports

    actor = require(request, "projects.view_project", READ)
    filters, y = _library_filters(
        actor,
        state=state,
        category=category,
        department=department,
        unit=unit,
        budget_year=budget_year,
        funding=funding,
        q=q,
        year=None,
    )
    found = exchange.bounded_export(
        reports.library_list(actor=actor, filters=filters, year=y).order_by("code")
    )
    return attachment(exchange.write_workbook(found), "declarations.xlsx", XLSX)
