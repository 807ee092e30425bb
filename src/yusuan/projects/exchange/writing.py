"""Writing the declaration workbook of existing projects (imported again it gives the same
projects), or the empty template with its notes; an export is bounded."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.common.tabular import _xlsx_cell as inert_cell
from yusuan.core.choices import CodeKind
from yusuan.projects.choices import CATEGORY_NAMES
from yusuan.projects.exchange.sheets import (
    BASIS_ZH,
    CALCULATION,
    DOCUMENTS,
    INDICATORS,
    KIND_ZH,
    LEVEL1_ZH,
    LEVEL2_ZH,
    NO,
    NOTES,
    OPERATOR_ZH,
    PLANS,
    PROJECTS,
    SHEETS,
    YES,
    _names,
)
from yusuan.projects.models import PerformanceGoal, Project


def _yes(value: bool) -> str:
    return YES if value else NO


def _named(code: str, names: dict[str, str]) -> str:
    return f"{code} {names[code]}" if code in names else code


def _project_rows_out(projects: Sequence[Project]) -> dict[str, list[list[object]]]:
    """The sheets' rows of ``projects`` (each keyed by its project code)."""
    out: dict[str, list[list[object]]] = {sheet.key: [] for sheet in SHEETS}
    names: dict[tuple[str, int, str], dict[str, str]] = {}

    def named(project: Project, kind: str) -> dict[str, str]:
        key = (project.mof_div_code, project.fiscal_year, kind)
        if key not in names:
            names[key] = _names(
                mof_div_code=project.mof_div_code, fiscal_year=project.fiscal_year, kind=kind
            )
        return names[key]

    goals = {
        g.project_id: g
        for g in PerformanceGoal.objects.filter(project__in=projects).prefetch_related("indicators")
    }
    for p in projects:
        categories = named(p, CodeKind.PROJECT_CATEGORY) or dict(CATEGORY_NAMES)
        fund_types = named(p, CodeKind.FUND_TYPE)
        economic = named(p, CodeKind.DEPARTMENT_ECONOMIC)
        goal = goals.get(p.pk)
        out[PROJECTS.key].append(
            [
                p.code,
                p.name,
                categories.get(p.category, CATEGORY_NAMES.get(p.category, p.category)),
                KIND_ZH.get(p.kind, p.kind),
                p.start_year,
                p.end_year,
                Money(p.total_amount_fen).to_yuan(),
                _named(p.fund_type, fund_types),
                p.basis,
                p.content,
                _yes(p.is_procurement),
                _yes(p.is_three_public),
                _yes(p.is_research),
                _yes(p.is_infrastructure),
                p.infrastructure_doc_no,
                _yes(p.is_gov_service),
                p.track_code,
                goal.annual if goal else "",
                goal.medium_term if goal else "",
                _yes(goal.has_beneficiaries) if goal else "",
            ]
        )
        for plan in p.plans.all():
            out[PLANS.key].append(
                [
                    p.code,
                    plan.year,
                    _named(plan.fund_type, fund_types),
                    Money(plan.amount_fen).to_yuan(),
                ]
            )
        for c in p.calculation.all():
            out[CALCULATION.key].append(
                [
                    p.code,
                    c.year,
                    c.content,
                    _named(c.economic_code, economic),
                    c.standard_key,
                    Money(c.unit_price_fen).to_yuan(),
                    Decimal(c.quantity).normalize() if c.quantity % 1 else int(c.quantity),
                    c.unit,
                    Money(c.amount_fen).to_yuan(),
                    c.procurement_item,
                ]
            )
        for i in goal.indicators.all() if goal else []:
            out[INDICATORS.key].append(
                [
                    p.code,
                    LEVEL1_ZH.get(i.level1, i.level1),
                    LEVEL2_ZH.get(i.level2, i.level2),
                    i.name,
                    OPERATOR_ZH.get(i.operator, i.operator),
                    i.target,
                    i.unit,
                    i.weight,
                ]
            )
        for d in p.documents.all():
            out[DOCUMENTS.key].append([p.code, BASIS_ZH.get(d.kind, d.kind), d.doc_no, d.title])
    return out


NOTES_TEXT = (
    ("每个项目在“项目”工作表占一行，以“行键”（任意不重复的文字，如 A1）标识；", ""),
    ("其余工作表的每一行以同一行键归属到该项目。", ""),
    ("项目类别", "其他运转类、特定目标类（人员类和公用经费由系统生成，不能申报，R-PJ-8）"),
    ("项目属性", "新增、延续、结转"),
    ("资金性质、经济分类", "填写编码（如 111、30201），可带名称（如“111 一般公共预算资金”）"),
    ("是/否列", "是、否（空白为否）"),
    ("一级指标", "产出、效益、满意度"),
    ("二级指标", "数量、质量、时效、成本；经济、社会、生态、可持续影响；服务对象满意度"),
    ("指标值符号", "≥、≤、=、定性"),
    ("立项依据类别", "立项依据、实施方案、可行性研究、发改批复、其他"),
    ("金额", "以元为单位，最多两位小数；分年度计划合计须等于项目总额（R-PJ-3）"),
    ("测算明细", "金额可空，按单价×数量计算；填写的须相等（R-PJ-10）"),
    ("导入规则", "任一行有错误时全部不导入，并列出每个错误所在的工作表、行和列"),
)


def write_workbook(projects: Sequence[Project], *, notes: bool = False) -> bytes:
    """The declaration workbook of ``projects`` (none: the empty template), every text cell
    inert (``common.tabular``: text starting ``= + - @`` stays text)."""
    rows = _project_rows_out(projects)
    workbook = Workbook(write_only=True)
    for sheet in SHEETS:
        out = workbook.create_sheet(sheet.title)
        out.append([inert_cell(out, c.zh) for c in sheet.columns])
        for row in rows[sheet.key]:
            out.append([inert_cell(out, value) for value in row])
    if notes:
        out = workbook.create_sheet(NOTES)
        for pair in NOTES_TEXT:
            out.append([inert_cell(out, value) for value in pair])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MAX_EXPORT_PROJECTS = 2000


def bounded_export(projects: Any) -> list[Project]:
    """The projects of an export, refused (naming the count and the limit) past
    ``MAX_EXPORT_PROJECTS``: filter the list first."""
    count = projects.count()
    if count > MAX_EXPORT_PROJECTS:
        raise BusinessRuleError.single(
            code="grid.export_too_large",
            field="export",
            value=count,
            limit=MAX_EXPORT_PROJECTS,
            message_zh=f"导出项目 {count} 个，超过上限 {MAX_EXPORT_PROJECTS} 个：请先筛选后再导出",
            message_en=f"the export would hold {count} projects, more than the limit of"
            f" {MAX_EXPORT_PROJECTS}: filter the list first",
        )
    return list(projects.prefetch_related("plans", "calculation", "documents"))
