"""Demo indicators: a year of 年初 issue from a plausible budget, a transfer allocated to schools,
supplementary increases, a finance freeze and adjustments in every approval state (main region).

Everything goes through the indicator services, entered by wj_budget and posted by
wj_budget_chief, so the demo ledger reconciles like a real one.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from yusuan.common.money import Money
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.core.selectors import standards_for
from yusuan.demo import budget
from yusuan.demo.names import functional_code
from yusuan.demo.projects import fill_library, rank_library
from yusuan.identity.models import User
from yusuan.indicators.choices import DocumentKind, LineKind, SourceKind
from yusuan.indicators.models import IndicatorLine, IndicatorSource
from yusuan.indicators.services import (
    DocumentInput,
    LineInput,
    LineSpec,
    document_create,
    document_post,
)
from yusuan.indicators.services.sources import SourceInput, source_create
from yusuan.payroll import contributions
from yusuan.projects.choices import SYSTEM_CATEGORIES, ProjectState
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, project_create, project_set_state
from yusuan.workflow.services import (
    document_submit,
    instance_approve,
    instance_reject,
    instance_return,
)

ADJUSTMENT = "indicators.adjustment"


def _project_entry(user: User) -> User:
    """Units declare projects; for the demo's budgeted projects the budget officer enters them on
    the units' behalf (a copy of the user allowed to add projects, for seeding only)."""
    entry = copy.copy(user)
    real = user.has_perm

    def has_perm(perm: str, obj: Any = None) -> bool:
        return perm == "projects.add_project" or real(perm, obj)

    entry.has_perm = has_perm  # type: ignore[method-assign]
    return entry


def _functional(agency: Organisation) -> str:
    """C10: the body's own functional code (demo.names), not one code per department."""
    if agency.kind == OrganisationKind.UNIT and agency.parent:
        return functional_code(agency.name, agency.parent.name)
    return functional_code(agency.name)


def _yuan(rng: random.Random, low: int, high: int, step: int = 1000) -> Money:
    return Money(rng.randrange(low, high, step) * 100)


def load(*, mof_div_code: str, year: int, seed: int = 2026, as_of: dt.date | None = None) -> int:
    users = {u.username: u for u in User.objects.filter(username__startswith="wj_budget")}
    budget, chief = users.get("wj_budget"), users.get("wj_budget_chief")
    if budget is None or chief is None:
        return 0
    rng = random.Random(seed)
    entry = _project_entry(budget)
    bureau = Organisation.objects.get(
        mof_div_code=mof_div_code, kind=OrganisationKind.FINANCE_BUREAU
    )
    departments = list(
        Organisation.objects.filter(
            mof_div_code=mof_div_code, kind=OrganisationKind.DEPARTMENT
        ).order_by("code")
    )
    # ADR 0039: the region's standards of the year (its contribution rates), read once.
    rates = standards_for(mof_div_code=mof_div_code, fiscal_year=year)
    library: list[tuple[Project, list[tuple[str, str, int]]]] = []
    for department in departments:
        agencies = [department, *department.children.filter(kind=OrganisationKind.UNIT)]
        rows: list[LineInput] = []
        for agency in agencies:
            rows += _agency_rows(rng, entry, agency, year, rates, library)
        doc_no = f"吴财预〔{year}〕{departments.index(department) + 1}号"
        # R-IN-7: the department's approved budget (a placeholder until budget preparation).
        approved = _source(
            budget,
            SourceKind.BUDGET_LINE,
            f"{year}年{department.name}部门预算批复",
            Money(sum(row.amount.fen for row in rows)),
            year=year,
            reference_no=doc_no,
        )
        _post(
            budget,
            chief,
            DocumentKind.ISSUE,
            f"{year}年{department.name}年初预算指标",
            rows,
            doc_no=doc_no,
            year=year,
            source=approved,
        )
    # The library behind the lines (issue 17): plans, 测算明细, goals, appraisals, rankings —
    # drawn from their own stream, so the figures above stay as they were.
    appraiser = User.objects.filter(username="wj_appraisal").first() or budget
    content_rng = random.Random(seed + 17)
    fill_library(content_rng, library, year=year, added_by=entry, appraiser=appraiser)
    rank_library(content_rng, mof_div_code=mof_div_code)
    # The transfer's 接收日期 is never after the machine's today (R-IN-9), whatever the as-of day.
    received_by = min(as_of or timezone.localdate(), timezone.localdate())
    _transfers(rng, entry, budget, chief, bureau, year, received_by)
    _increases(budget, chief, year, mof_div_code)
    _adjustments(year)
    return IndicatorLine.objects.filter(mof_div_code=mof_div_code, fiscal_year=year).count()


def _project(
    entry: Any,
    agency: Organisation,
    year: int,
    name: str,
    category: str,
    *,
    total: Money,
    kind: str = "",
    years: tuple[int, int] | None = None,
    state: str = ProjectState.BUDGETED,
    **kw: Any,
) -> Project:
    """A project of the library; ``total`` is its whole amount over ``years`` (C10: a one-year
    人员/公用 project's total is the year's amount, not a round 1亿)."""
    start, end = years or (year, year)
    project = project_create(
        actor=entry,
        organisation=agency,
        fiscal_year=year,
        data=ProjectInput(
            name=name,
            category=category,
            kind=kind or ("continuing" if category != "3" else "new"),
            start_year=start,
            end_year=end,
            total_amount=total,
            fund_type="111",
            **kw,
        ),
        system=category in SYSTEM_CATEGORIES,  # R-PJ-8: computed, not declared
    )
    project_set_state(actor=entry, project=project, state=ProjectState(state), why="demo")
    return project


def _spec(agency: Organisation, project: Project, eco: str, summary: str, **kw: Any) -> LineSpec:
    values: dict[str, Any] = {
        "line_kind": LineKind.EXECUTABLE,
        "organisation_id": agency.pk,
        "project_id": project.pk,
        "exp_func_code": _functional(agency),
        "dep_bgt_eco_code": eco,
        "fund_type_code": "111",
        "source_type_code": "01",
        "pay_type_code": "1",
        "acc_type": "unit_zero_balance",
        "manage_division_id": agency.supervising_division_id,
        "summary": summary,
    }
    values.update(kw)
    return LineSpec(**values)


def _contribution_rows(
    agency: Organisation, people: Project, wages: int, rates: Mapping[str, int]
) -> list[LineInput]:
    """R-PY-13: the employer contributions budgeted on their own lines and functional codes
    (DOMAIN §3.11), at the region's standards of the year (ADR 0039) on the year's wages, in
    whole yuan; no random draw (the rest of the demo is drawn as before)."""
    unit_code = _spec(agency, people, "30112", "").exp_func_code
    rows: list[LineInput] = []
    for item in contributions.ITEMS:
        (functional,) = contributions.functional_codes(item.code, agency.agency_type, [unit_code])
        fen = contributions.share(wages, item.rate_in(rates)) // 100 * 100
        spec = _spec(agency, people, item.code, item.name, is_sal=True, exp_func_code=functional)
        rows.append(LineInput(Money(fen), spec=spec))
    return rows


def _agency_rows(
    rng: random.Random,
    entry: Any,
    agency: Organisation,
    year: int,
    rates: Mapping[str, int],
    library: list[tuple[Project, list[tuple[str, str, int]]]],
) -> list[LineInput]:
    """The agency's projects as demo.budget plans them (C10), and the lines of those funded this
    year; 储备 projects are stored without lines."""
    short = agency.short_name or agency.name
    rows: list[LineInput] = []
    for plan in budget.plan_agency(
        rng,
        name=agency.name,
        short=short,
        agency_type=agency.agency_type,
        is_department=agency.kind == OrganisationKind.DEPARTMENT,
        year=year,
    ):
        # R-PY-13: the 人员类 project also budgets the employer contributions on their own
        # lines, at the region's standards of the year on the year's wages.
        wages = sum(line.fen for line in plan.lines) if plan.category == "1" else 0
        owed = sum(
            contributions.share(wages, item.rate_in(rates)) // 100 * 100
            for item in contributions.ITEMS
        )
        project = _project(
            entry,
            agency,
            plan.declared_in,
            plan.name,
            plan.category,
            total=Money(plan.total_fen + owed),
            kind=plan.kind,
            years=(plan.start_year, plan.end_year),
            state=plan.state,
            is_procurement=plan.is_procurement,
        )
        library.append((project, [(line.eco, line.summary, line.fen) for line in plan.lines]))
        rows += [
            LineInput(
                Money(line.fen),
                spec=_spec(
                    agency,
                    project,
                    line.eco,
                    line.summary,
                    source_type_code=plan.source_type,
                    **line.extra,
                ),
            )
            for line in plan.lines
        ]
        if wages:
            rows += _contribution_rows(agency, project, wages, rates)
    return rows


def _source(
    budget: User, kind: str, name: str, amount: Money, *, year: int, **kw: Any
) -> IndicatorSource:
    """A source opened by the budget division (R-IN-7): where the demo's money comes from."""
    return source_create(
        actor=budget,
        data=SourceInput(kind=kind, name=name, amount=amount, fiscal_year=year, **kw),
    )


def _post(
    entrant: User,
    poster: User,
    kind: str,
    title: str,
    lines: list[LineInput],
    *,
    year: int,
    doc_no: str = "",
    post: bool = True,
    source: IndicatorSource | None = None,
) -> Any:
    document = document_create(
        actor=entrant,
        data=DocumentInput(
            kind=kind,
            title=title,
            doc_no=doc_no,
            lines=lines,
            fiscal_year=year,
            organisation_id=entrant.organisation_id,
            budget_source_id=source.pk if source else None,
        ),
    )
    if post:
        document_post(actor=poster, document_id=document.pk)
    return document


def _transfers(
    rng: random.Random,
    entry: Any,
    budget: User,
    chief: User,
    bureau: Organisation,
    year: int,
    as_of: dt.date,
) -> None:
    """An upper-level transfer held pending, partly allocated to schools; a reserve fund (a pot
    on functional class 227, R-IN-7, issued from only when the government decides)."""
    _source(
        budget,
        SourceKind.RESERVE,
        f"{year}年预备费",
        Money(3_000_000_00),
        year=year,
        exp_func_code="227",
        fund_type_code="111",
    )
    transfer = _source(
        budget,
        SourceKind.TRANSFER,
        "中央财政义务教育薄弱环节改善与能力提升补助资金（上级转移支付）",
        Money(5_000_000_00),
        year=year,
        reference_no=f"苏财教〔{year}〕18号",
        exp_func_code="2050202",
        fund_type_code="111",
    )
    pending = _post(
        budget,
        chief,
        DocumentKind.ISSUE,
        "中央财政义务教育薄弱环节改善与能力提升补助资金",
        [
            LineInput(
                Money(5_000_000_00),
                spec=LineSpec(
                    line_kind=LineKind.PENDING,
                    organisation_id=bureau.pk,
                    exp_func_code="2050202",
                    fund_type_code="111",
                    source_type_code="04",
                    is_dir=True,
                    # R-IN-9: the province's document, received 45 days before the demo's "as of"
                    # day (R-IN-5 lists it).
                    sup_bgt_doc_no=f"苏财教〔{year}〕18号",
                    rec_date=as_of - dt.timedelta(days=45),
                    track_pro_code=f"32000026{year}ZX0001",
                    tp_func_code="2300208",
                    summary="义务教育薄弱环节改善（直达资金，待分）",
                ),
            ),
        ],
        doc_no=f"苏财教〔{year}〕18号",
        year=year,
        source=transfer,
    )
    source = pending.lines.get(row=0).created_line
    education = Organisation.objects.filter(
        name="苏州市吴江区教育局", mof_div_code=bureau.mof_div_code
    ).first()
    if education is None:
        return
    schools = list(education.children.filter(kind=OrganisationKind.UNIT).order_by("code")[:3])
    rows = []
    for school in schools:
        amount = _yuan(rng, 600_000, 1_200_000, 10_000)
        project = _project(
            entry,
            school,
            year,
            f"{school.short_name or school.name}薄弱环节改善",
            "3",
            total=amount,
            is_procurement=True,
        )
        rows.append(
            LineInput(
                amount,
                source_id=source.pk,
                spec=LineSpec(
                    organisation_id=school.pk,
                    project_id=project.pk,
                    dep_bgt_eco_code="31002",
                    pay_type_code="1",
                    acc_type="unit_zero_balance",
                    is_gov_pur=True,
                    summary="薄弱环节改善设备购置（直达）",
                ),
            )
        )
    _post(
        budget,
        chief,
        DocumentKind.ALLOCATE,
        "义务教育薄弱环节改善资金分配",
        rows,
        doc_no=f"吴财教〔{year}〕6号",
        year=year,
    )


def _increases(budget: User, chief: User, year: int, mof_div_code: str) -> None:
    lines = list(
        IndicatorLine.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=year, dep_bgt_eco_code="30227"
        ).order_by("code")[:3]
    )
    if lines:
        pot = _source(
            budget,
            SourceKind.FINANCE_POT,
            f"{year}年财政代编专项业务经费",
            Money(1_000_000_00),
            year=year,
            fund_type_code="111",
        )
        _post(
            budget,
            chief,
            DocumentKind.INCREASE,
            "年中追加专项业务经费",
            [LineInput(Money(150_000_00), target_id=line.pk) for line in lines],
            doc_no=f"吴财预〔{year}〕87号",
            year=year,
            source=pot,
        )
    maintenance = (
        IndicatorLine.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=year, dep_bgt_eco_code="30213"
        )
        .order_by("-code")
        .first()
    )
    if maintenance is not None:
        _post(
            budget,
            chief,
            DocumentKind.HOLD,
            "动态监控预警：维修费支出进度异常，暂停使用",
            [LineInput(Money(min(maintenance.available, 20_000_00)), target_id=maintenance.pk)],
            year=year,
        )
    # One entered and waiting for the second officer.
    travel = (
        IndicatorLine.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=year, dep_bgt_eco_code="30211"
        )
        .order_by("code")
        .first()
    )
    if travel is not None:
        _post(
            budget,
            chief,
            DocumentKind.DECREASE,
            "压减一般性支出：差旅费追减",
            [LineInput(Money(5_000_00), target_id=travel.pk)],
            doc_no=f"吴财预〔{year}〕91号",
            year=year,
            post=False,
        )


def _adjustments(year: int) -> None:
    """The school's adjustments in each approval state."""
    names = ("school_clerk", "school_approver", "edu_approver", "wj_sector_edu")
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    if len(users) < len(names):
        return
    clerk = users["school_clerk"]
    school_lines = {
        line.dep_bgt_eco_code: line
        for line in IndicatorLine.objects.filter(
            organisation_id=clerk.organisation_id,
            fiscal_year=year,
            kind=LineKind.EXECUTABLE,
            source_type_code="01",
        ).order_by("code")
    }
    office, travel, reception = (
        school_lines.get("30201"),
        school_lines.get("30211"),
        school_lines.get("30217"),
    )
    repair, equipment, commission = (
        school_lines.get("30213"),
        school_lines.get("31002"),
        school_lines.get("30227"),
    )
    if not (office and travel and reception and repair and equipment and commission):
        return

    def adjust(
        title: str, subtype: str, source: IndicatorLine, target: IndicatorLine, fen: int
    ) -> Any:
        return document_create(
            actor=clerk,
            data=DocumentInput(
                kind=DocumentKind.ADJUST,
                subtype=subtype,
                title=title,
                reason=title,
                fiscal_year=year,
                lines=[LineInput(Money(fen), source_id=source.pk, target_id=target.pk)],
            ),
        )

    def submit(document: Any) -> Any:
        return document_submit(actor=clerk, document_type=ADJUSTMENT, object_id=str(document.pk))

    adjust("办公费调剂至维修费（草稿）", "economic_class", office, repair, 8_000_00)
    submit(adjust("办公费调剂至差旅费", "economic_class", office, travel, 5_000_00))
    waiting_dept = submit(adjust("维修费调剂至办公费", "economic_class", repair, office, 6_000_00))
    instance_approve(actor=users["school_approver"], instance_id=waiting_dept.pk, comment="同意。")
    done = submit(
        adjust("办公费调剂至维修费（教学楼漏水）", "economic_class", office, repair, 12_000_00)
    )
    instance_approve(actor=users["school_approver"], instance_id=done.pk, comment="同意。")
    instance_approve(actor=users["edu_approver"], instance_id=done.pk, comment="同意，按规定使用。")
    to_finance = submit(
        adjust("差旅费调剂至公务接待费", "economic_class", travel, reception, 3_000_00)
    )
    instance_approve(
        actor=users["school_approver"], instance_id=to_finance.pk, comment="同意上报。"
    )
    instance_approve(
        actor=users["edu_approver"], instance_id=to_finance.pk, comment="同意，报财政。"
    )
    returned = submit(
        adjust("委托业务费调剂至设备购置", "economic_class", commission, equipment, 20_000_00)
    )
    instance_return(
        actor=users["school_approver"],
        instance_id=returned.pk,
        reason="请附设备采购清单和询价记录后重新提交。",
        to_entry=True,
    )
    rejected = submit(adjust("差旅费调剂至办公费", "economic_class", travel, office, 2_000_00))
    instance_reject(
        actor=users["school_approver"], instance_id=rejected.pk, reason="年中不再调整公用经费结构。"
    )
