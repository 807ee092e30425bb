"""The one validation service for element codes (R-MD-1, R-MD-2, R-MD-3) that every module calls.

A budget line, indicator, payment line or voucher passes its element values here and gets back
every violation at once, each naming the field (and row) and the offending code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from yusuan.common.errors import ErrorDetail, raise_if_any
from yusuan.core import rules
from yusuan.core.choices import AgencyType, CodeKind, EconomicGroup
from yusuan.core.models import ClassificationCode, EconomicMapping

# R-MD-3 [D]: 行政 and 参公事业 units map to the 机关 branch (501/502/…); other units to 505.
AGENCY_GROUPS: dict[str, str] = {
    AgencyType.ADMINISTRATIVE: EconomicGroup.AGENCY,
    AgencyType.CIVIL_SERVICE_INSTITUTION: EconomicGroup.AGENCY,
    AgencyType.INSTITUTION_FULL: EconomicGroup.INSTITUTION,
    AgencyType.INSTITUTION_PARTIAL: EconomicGroup.INSTITUTION,
    AgencyType.INSTITUTION_SELF: EconomicGroup.INSTITUTION,
    AgencyType.OTHER: EconomicGroup.INSTITUTION,
}

KIND_LABELS: dict[str, tuple[str, str]] = {
    CodeKind.FUNCTIONAL: ("支出功能分类", "functional classification"),
    CodeKind.DEPARTMENT_ECONOMIC: ("部门预算支出经济分类", "department economic classification"),
    CodeKind.GOVERNMENT_ECONOMIC: ("政府预算支出经济分类", "government economic classification"),
    CodeKind.FUND_TYPE: ("资金性质", "fund nature"),
    CodeKind.SOURCE_TYPE: ("指标来源", "indicator source"),
    CodeKind.PROJECT_CATEGORY: ("项目类别", "project category"),
    CodeKind.PAY_TYPE: ("支付方式", "payment type"),
    CodeKind.SETTLEMENT_MODE: ("结算方式", "settlement mode"),
    CodeKind.GOV_SERVICE: ("政府购买服务目录", "government purchase of services catalogue"),
}


@dataclass(frozen=True)
class ElementValue:
    """One element on a business row: ``field`` is the path shown to the user (``lines[2].exp_func_code``)."""

    field: str
    kind: str
    code: str
    row: int | None = None


def element_errors(
    *, mof_div_code: str, fiscal_year: int, elements: Sequence[ElementValue]
) -> list[ErrorDetail]:
    """R-MD-1 (exists and enabled in the year's code set) and R-MD-2 (leaf level), in one query."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for element in elements:
        wanted[element.kind].add(element.code)
    known: dict[tuple[str, str], bool] = {}
    for kind, codes in wanted.items():
        rows = ClassificationCode.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, kind=kind, code__in=codes
        ).values_list("code", "is_enabled")
        for code, is_enabled in rows:
            known[(kind, code)] = is_enabled
    errors: list[ErrorDetail] = []
    for element in elements:
        label_zh, label_en = KIND_LABELS.get(element.kind, (element.kind, element.kind))
        state = known.get((element.kind, element.code))
        if not element.code:
            errors.append(
                ErrorDetail(
                    code="core.code_missing",
                    rule="R-MD-1",
                    field=element.field,
                    row=element.row,
                    message_zh=f"{label_zh}不能为空",
                    message_en=f"{label_en} is required",
                )
            )
            continue
        if state is None:
            errors.append(
                ErrorDetail(
                    code="core.code_unknown",
                    rule="R-MD-1",
                    field=element.field,
                    row=element.row,
                    value=element.code,
                    limit=f"{fiscal_year} 年度代码集",
                    message_zh=f"{label_zh}“{element.code}”不在 {fiscal_year} 年度代码集中",
                    message_en=f"{label_en} '{element.code}' is not in the {fiscal_year} code set",
                )
            )
            continue
        if state is False:
            errors.append(
                ErrorDetail(
                    code="core.code_disabled",
                    rule="R-MD-1",
                    field=element.field,
                    row=element.row,
                    value=element.code,
                    message_zh=f"{label_zh}“{element.code}”在 {fiscal_year} 年度已停用",
                    message_en=f"{label_en} '{element.code}' is disabled in {fiscal_year}",
                )
            )
            continue
        errors.extend(
            rules.check_leaf_level(
                kind=element.kind, code=element.code, field=element.field, row=element.row
            )
        )
    return errors


def ensure_elements(
    *, mof_div_code: str, fiscal_year: int, elements: Sequence[ElementValue]
) -> None:
    raise_if_any(
        element_errors(mof_div_code=mof_div_code, fiscal_year=fiscal_year, elements=elements)
    )


def government_economic_code(
    *,
    mof_div_code: str,
    fiscal_year: int,
    department_economic_code: str,
    agency_type: str,
    field: str = "dep_bgt_eco_code",
    row: int | None = None,
) -> str:
    """R-MD-3: derive the government economic code; a missing mapping blocks with a named error."""
    group = AGENCY_GROUPS.get(agency_type, EconomicGroup.INSTITUTION)
    mapped = (
        EconomicMapping.objects.filter(
            mof_div_code=mof_div_code,
            fiscal_year=fiscal_year,
            department_economic_code=department_economic_code,
            group=group,
        )
        .values_list("government_economic_code", flat=True)
        .first()
    )
    if mapped is None:
        raise_if_any(
            [
                ErrorDetail(
                    code="core.economic_mapping_missing",
                    rule="R-MD-3",
                    field=field,
                    row=row,
                    value=department_economic_code,
                    limit=str(group),
                    message_zh=(
                        f"部门经济分类“{department_economic_code}”在 {fiscal_year} 年度没有对应的"
                        f"政府经济分类（单位类型 {AgencyType(agency_type).label}）"
                    ),
                    message_en=(
                        f"Department economic code '{department_economic_code}' has no government "
                        f"economic mapping for {group} units in {fiscal_year}"
                    ),
                )
            ]
        )
    assert mapped is not None
    return str(mapped)


def code_names(
    *, mof_div_code: str, fiscal_year: int, kind: str, codes: Iterable[str]
) -> dict[str, str]:
    """Resolve names for display: business rows store the code, the year's name stays resolvable."""
    return dict(
        ClassificationCode.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, kind=kind, code__in=set(codes)
        ).values_list("code", "name")
    )
