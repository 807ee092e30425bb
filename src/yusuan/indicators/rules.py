"""Pure adjustment rules (R-PJ-7, R-AJ-1, R-AJ-2 consistency, R-AJ-3, R-AJ-6): no ORM, no I/O.

Services pass plain facts about the two lines of an adjustment row and raise what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass

from yusuan.common.errors import ErrorDetail

# R-PJ-7 (DOMAIN-2 C1): 基本支出 = 人员类 1 + 公用经费 21; 项目支出 = 其他运转类 22 + 特定目标类 3.
# 其他运转类 (running large facilities and systems, recurring special duties) is outside the
# per-head quota, so it is project expenditure. ``expenditure_kind`` is the one place that says so.
BASIC_CATEGORIES = frozenset({"1", "21"})
PROJECT_CATEGORIES = frozenset({"22", "3"})
# Department economic classes: 301 工资福利 and 303 对个人和家庭的补助 are personnel funds,
# 302 商品和服务 public funds (公用经费).
PERSONNEL_PREFIXES = ("301", "303")
PUBLIC_PREFIXES = ("302",)


@dataclass(frozen=True)
class LineFacts:
    code: str
    organisation_id: int | None
    project_id: int | None
    project_category: str
    project_is_research: bool
    dep_bgt_eco_code: str
    is_gov_pur: bool
    thr_exp_code: str
    source_type_code: str
    # The 主管部门 above the line's holder (R-AJ-6); None when the holder has none (finance).
    department_id: int | None = None


def expenditure_kind(pro_cat: str) -> str:
    """R-PJ-7: ``"basic"`` (基本支出) for 人员类 1 and 公用经费 21, ``"project"`` (项目支出) for
    其他运转类 22 and 特定目标类 3, ``""`` for a line without a project or an unknown category.
    R-AJ-1, and the 决算 and 结转 rules to come, split money by this function only."""
    if pro_cat in BASIC_CATEGORIES:
        return "basic"
    if pro_cat in PROJECT_CATEGORIES:
        return "project"
    return ""


def fund_use(dep_bgt_eco_code: str) -> str:
    if dep_bgt_eco_code.startswith(PERSONNEL_PREFIXES):
        return "personnel"
    if dep_bgt_eco_code.startswith(PUBLIC_PREFIXES):
        return "public"
    return ""


# R-AJ-6 (DOMAIN-2 C2): money moved between two units of one department, or between two
# departments, with the government's total unchanged, is a 预算调剂 routed by the approval matrix
# (department, then finance), never a 预算调整 and never asking for a 人大 decision.
CROSS_UNIT_SUBTYPES = ("across_units", "across_departments")
CROSSING_MISMATCH = {
    "across_units": (
        "单位间调剂的调出与调入须为同一主管部门下的不同单位（跨部门请选择部门间调剂）",
        "from and to must be two units of one department (between departments: choose that type)",
    ),
    "across_departments": (
        "部门间调剂的调出与调入须属于不同主管部门",
        "from and to must belong to two departments",
    ),
}


def crossing(source: LineFacts, target: LineFacts) -> str:
    """R-AJ-6: ``""`` when both lines are one holder's, ``"across_units"`` for two holders of one
    department, ``"across_departments"`` otherwise."""
    if source.organisation_id == target.organisation_id:
        return ""
    if source.department_id is not None and source.department_id == target.department_id:
        return "across_units"
    return "across_departments"


KIND_NAMES = {"basic": ("基本支出", "basic expenditure"), "project": ("项目支出", "project")}
USE_NAMES = {"personnel": ("人员经费", "personnel funds"), "public": ("公用经费", "public funds")}


def check_adjustment_row(
    *, subtype: str, source: LineFacts, target: LineFacts, row: int
) -> list[ErrorDetail]:
    """R-AJ-1 (never between basic and project expenditure, never between personnel and public
    funds) and the consistency of the row with the adjustment type the clerk chose (R-AJ-2: the
    type decides who approves, so a wrong type would route around the right approver)."""
    errors: list[ErrorDetail] = []
    field = f"lines[{row}].target"
    if source.code == target.code:
        errors.append(
            ErrorDetail(
                code="indicators.same_line",
                field=field,
                row=row,
                value=source.code,
                message_zh=f"第 {row + 1} 行：调出与调入是同一指标 {source.code}",
                message_en=f"row {row + 1}: from and to are the same indicator {source.code}",
            )
        )
        return errors
    kinds = expenditure_kind(source.project_category), expenditure_kind(target.project_category)
    if kinds[0] and kinds[1] and kinds[0] != kinds[1]:
        errors.append(
            ErrorDetail(
                code="indicators.basic_project_mix",
                rule="R-AJ-1",
                field=field,
                row=row,
                value=f"{source.code} → {target.code}",
                limit=f"{KIND_NAMES[kinds[0]][0]} ↛ {KIND_NAMES[kinds[1]][0]}",
                message_zh=(
                    f"第 {row + 1} 行：不能在{KIND_NAMES[kinds[0]][0]}（{source.code}）与"
                    f"{KIND_NAMES[kinds[1]][0]}（{target.code}）之间调剂"
                ),
                message_en=(
                    f"row {row + 1}: no moves from {KIND_NAMES[kinds[0]][1]} ({source.code}) "
                    f"to {KIND_NAMES[kinds[1]][1]} ({target.code})"
                ),
            )
        )
    uses = fund_use(source.dep_bgt_eco_code), fund_use(target.dep_bgt_eco_code)
    if kinds == ("basic", "basic") and uses[0] and uses[1] and uses[0] != uses[1]:
        carried = source.source_type_code == "02"
        errors.append(
            ErrorDetail(
                code="indicators.personnel_public_mix",
                rule="R-AJ-1",
                field=field,
                row=row,
                value=f"{source.dep_bgt_eco_code} → {target.dep_bgt_eco_code}",
                limit=f"{USE_NAMES[uses[0]][0]} ↛ {USE_NAMES[uses[1]][0]}",
                message_zh=(
                    f"第 {row + 1} 行：不能在{USE_NAMES[uses[0]][0]}（{source.dep_bgt_eco_code}）与"
                    f"{USE_NAMES[uses[1]][0]}（{target.dep_bgt_eco_code}）之间调剂"
                    + ("；基本支出结转资金不得用于提高人员经费标准" if carried else "")
                ),
                message_en=(
                    f"row {row + 1}: no moves between {USE_NAMES[uses[0]][1]} and "
                    f"{USE_NAMES[uses[1]][1]} ({source.dep_bgt_eco_code} → "
                    f"{target.dep_bgt_eco_code})"
                ),
            )
        )
    same_project = source.project_id is not None and source.project_id == target.project_id
    mismatch: tuple[str, str] | None = None
    if subtype in ("procurement_split", "economic_class", "research_items") and not same_project:
        mismatch = ("调出与调入指标须属于同一项目", "from and to must belong to one project")
    elif subtype == "procurement_split" and source.is_gov_pur == target.is_gov_pur:
        mismatch = (
            "政府采购与非政府采购间调剂须一方为政府采购、另一方不是",
            "one side must be procurement and the other not",
        )
    elif subtype == "economic_class" and source.dep_bgt_eco_code == target.dep_bgt_eco_code:
        mismatch = ("经济分类科目间调剂须改变经济分类", "the economic class must change")
    elif subtype == "research_items" and not source.project_is_research:
        mismatch = ("该项目不是科研项目", "the project is not a research project")
    elif subtype == "across_projects" and same_project:
        mismatch = (
            "项目间调剂的调出与调入须属于不同项目",
            "from and to must be different projects",
        )
    elif subtype in CROSS_UNIT_SUBTYPES and crossing(source, target) != subtype:
        mismatch = CROSSING_MISMATCH[subtype]
    if mismatch is not None:
        errors.append(
            ErrorDetail(
                code="indicators.subtype_mismatch",
                rule="R-AJ-6" if subtype in CROSS_UNIT_SUBTYPES else "R-AJ-2",
                field=field,
                row=row,
                value=f"{source.code} → {target.code}",
                limit=subtype,
                message_zh=f"第 {row + 1} 行：{mismatch[0]}",
                message_en=f"row {row + 1}: {mismatch[1]}",
            )
        )
    return errors


def raises_three_public(target: LineFacts) -> bool:
    """R-AJ-3: money moved into a 三公 line needs finance approval (routing flag)."""
    return bool(target.thr_exp_code)
