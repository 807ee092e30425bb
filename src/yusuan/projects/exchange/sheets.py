"""The declaration workbook's sheets: their columns, each tied to its project by the row key
(行键) of the 项目 sheet, and the Chinese words its choices are written in; the names of the
region's codes, as the sheets show and read them."""

from __future__ import annotations

from dataclasses import dataclass

from yusuan.common.tabular import Column
from yusuan.core.models import ClassificationCode
from yusuan.projects.choices import BasisKind, GoalLevel1, GoalLevel2, Operator, ProjectKind


@dataclass(frozen=True)
class Sheet:
    key: str  # the field path's first part: ``calculation[7].unit_price``
    title: str  # the sheet's name in the workbook
    en: str
    columns: tuple[Column, ...]
    required: tuple[str, ...]

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


KEY = Column("key", "行键", "Row key")
PROJECTS = Sheet(
    "projects",
    "项目",
    "Projects",
    (
        KEY,
        Column("name", "项目名称", "Project name"),
        Column("category", "项目类别", "Project category"),
        Column("kind", "项目属性", "Project kind"),
        Column("start_year", "起始年度", "First year"),
        Column("end_year", "结束年度", "Last year"),
        Column("total_amount", "项目总额(元)", "Total (yuan)"),
        Column("fund_type", "资金性质", "Fund nature"),
        Column("basis", "立项依据说明", "Basis for the project"),
        Column("content", "项目内容", "Content"),
        Column("is_procurement", "政府采购", "Government procurement"),
        Column("is_three_public", "三公经费", "三公 expenses"),
        Column("is_research", "科研项目", "Research project"),
        Column("is_infrastructure", "基本建设", "Capital construction"),
        Column("infrastructure_doc_no", "发改批复文号", "Development and reform approval number"),
        Column("is_gov_service", "政府购买服务", "Government purchase of services"),
        Column("track_code", "上级项目编码", "Upper-level project code"),
        Column("goal_annual", "年度总体目标", "Goal for the year"),
        Column("goal_medium_term", "中期目标", "Medium-term goal"),
        Column("has_beneficiaries", "有服务对象", "Serves beneficiaries"),
    ),
    ("key", "name", "category", "start_year", "end_year", "total_amount", "fund_type"),
)
PLANS = Sheet(
    "plans",
    "分年度计划",
    "Annual plans",
    (
        KEY,
        Column("year", "年度", "Year"),
        Column("fund_type", "资金性质", "Fund nature"),
        Column("amount", "金额(元)", "Amount (yuan)"),
    ),
    ("key", "year", "fund_type", "amount"),
)
CALCULATION = Sheet(
    "calculation",
    "测算明细",
    "Calculation",
    (
        KEY,
        Column("year", "年度", "Year"),
        Column("content", "支出内容", "Expenditure item"),
        Column("economic_code", "经济分类", "Economic class"),
        Column("standard_key", "支出标准", "Expenditure standard"),
        Column("unit_price", "单价(元)", "Unit price (yuan)"),
        Column("quantity", "数量", "Quantity"),
        Column("unit", "计量单位", "Unit of measure"),
        Column("amount", "金额(元)", "Amount (yuan)"),
        Column("procurement_item", "政采品目", "Procurement catalogue item"),
    ),
    ("key", "year", "content", "economic_code", "unit_price", "quantity"),
)
INDICATORS = Sheet(
    "indicators",
    "绩效指标",
    "Performance indicators",
    (
        KEY,
        Column("level1", "一级指标", "First-level indicator"),
        Column("level2", "二级指标", "Second-level indicator"),
        Column("name", "三级指标", "Third-level indicator"),
        Column("operator", "指标值符号", "Operator"),
        Column("target", "目标值", "Target value"),
        Column("unit", "计量单位", "Unit of measure"),
        Column("weight", "权重", "Weight"),
    ),
    ("key", "level1", "level2", "name", "operator", "target"),
)
DOCUMENTS = Sheet(
    "documents",
    "立项依据",
    "Basis documents",
    (
        KEY,
        Column("kind", "类别", "Kind"),
        Column("doc_no", "文号", "Document number"),
        Column("title", "文件名称", "Title"),
    ),
    ("key", "kind", "doc_no", "title"),
)
SHEETS = (PROJECTS, PLANS, CALCULATION, INDICATORS, DOCUMENTS)
NOTES = "说明"

KIND_ZH: dict[str, str] = {
    ProjectKind.NEW: "新增",
    ProjectKind.CONTINUING: "延续",
    ProjectKind.CARRIED: "结转",
}
LEVEL1_ZH: dict[str, str] = {
    GoalLevel1.OUTPUT: "产出",
    GoalLevel1.BENEFIT: "效益",
    GoalLevel1.SATISFACTION: "满意度",
}
LEVEL2_ZH: dict[str, str] = {
    GoalLevel2.QUANTITY: "数量",
    GoalLevel2.QUALITY: "质量",
    GoalLevel2.TIMELINESS: "时效",
    GoalLevel2.COST: "成本",
    GoalLevel2.ECONOMIC: "经济",
    GoalLevel2.SOCIAL: "社会",
    GoalLevel2.ECOLOGICAL: "生态",
    GoalLevel2.SUSTAINABLE: "可持续影响",
    GoalLevel2.SERVED: "服务对象满意度",
}
OPERATOR_ZH: dict[str, str] = {
    Operator.GTE: "≥",
    Operator.LTE: "≤",
    Operator.EQ: "=",
    Operator.QUALITATIVE: "定性",
}
BASIS_ZH: dict[str, str] = {
    BasisKind.POLICY: "立项依据",
    BasisKind.PLAN: "实施方案",
    BasisKind.FEASIBILITY: "可行性研究",
    BasisKind.APPROVAL: "发改批复",
    BasisKind.OTHER: "其他",
}
YES, NO = "是", "否"
TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", ""})


def _names(*, mof_div_code: str, fiscal_year: int, kind: str) -> dict[str, str]:
    return dict(
        ClassificationCode.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, kind=kind
        ).values_list("code", "name")
    )
