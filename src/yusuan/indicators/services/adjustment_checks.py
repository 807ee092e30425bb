"""The checks of a 调剂 (adjustment document): its subtypes and their rules between the line the
money leaves and the one it reaches (R-AJ-1…R-AJ-4), moves between units and departments (R-AJ-6),
and who may enter one over whose lines (``ensure_own_lines``)."""

from __future__ import annotations

from dataclasses import replace

from yusuan.common.errors import ErrorDetail
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.indicators import rules
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services.inputs import DocumentInput, LineSpec
from yusuan.indicators.services.row_checks import (
    FINANCE_KINDS,
    KindCheck,
    _Checked,
    _err,
    _Resolved,
    _Row,
    _spec_from_parent,
)

ADJUSTMENT_SUBTYPES = (
    "procurement_split",
    "research_items",
    "economic_class",
    "across_projects",
    *rules.CROSS_UNIT_SUBTYPES,
)


def _facts(line: IndicatorLine, department_id: int | None = None) -> rules.LineFacts:
    project = line.project
    return rules.LineFacts(
        code=line.code,
        organisation_id=line.organisation_id,
        project_id=line.project_id,
        project_category=project.category if project else "",
        project_is_research=bool(project and project.is_research),
        dep_bgt_eco_code=line.dep_bgt_eco_code,
        is_gov_pur=line.is_gov_pur,
        thr_exp_code=line.thr_exp_code,
        source_type_code=line.source_type_code,
        department_id=department_id,
    )


class _Adjust(KindCheck):
    """调剂: executable to executable, or into a new line; the subtype's rules (R-AJ-1…4, R-AJ-6).
    No subtype asks for a 人大 decision: a move between units is a 调剂 (R-AJ-6), and a 预算调整
    is a government-level record, not an adjustment document (R-AJ-7)."""

    bucket = ("available", "R-AJ-4")

    def header_errors(self, data: DocumentInput) -> list[ErrorDetail]:
        errors = []
        if data.subtype not in ADJUSTMENT_SUBTYPES:
            errors.append(
                _err(
                    "indicators.bad_subtype",
                    "subtype",
                    "请选择调剂类型",
                    "choose the adjustment type",
                    rule="R-AJ-2",
                    value=data.subtype,
                    limit=list(ADJUSTMENT_SUBTYPES),
                )
            )
        return errors

    def check_row(self, row: _Row) -> _Resolved:
        item, subtype, checked = row.item, row.data.subtype, row.checked
        source = row.line("source", want_kind=LineKind.EXECUTABLE)
        target = None
        spec = item.spec
        if item.target_id is not None or spec is None:
            target = row.line("target", want_kind=LineKind.EXECUTABLE)
            spec = None
        elif source is not None:
            spec = _spec_from_parent(source, spec)
            row.check_spec(spec, parent=None)
        if source is not None and subtype in ADJUSTMENT_SUBTYPES:
            if target is not None:
                target_facts: rules.LineFacts | None = _facts(
                    target, checked.department_id(target.organisation)
                )
            else:
                target_facts = _spec_facts(spec, checked)
                if target_facts is not None and target_facts.organisation_id is not None:
                    target_facts = replace(
                        target_facts,
                        department_id=checked.department_id(
                            checked.unit(target_facts.organisation_id, row.mof_div_code)
                        ),
                    )
            if target_facts is not None:
                source_facts = _facts(source, checked.department_id(source.organisation))
                checked.errors.extend(
                    rules.check_adjustment_row(
                        subtype=subtype, source=source_facts, target=target_facts, row=row.index
                    )
                )
                if subtype not in rules.CROSS_UNIT_SUBTYPES and rules.crossing(
                    source_facts, target_facts
                ):
                    row.error(
                        "indicators.across_units",
                        "target",
                        "单位之间的调剂请选择“单位间调剂”（同一部门）或“部门间调剂”",
                        "a move between units is a 调剂 between units or between departments",
                        rule="R-AJ-6",
                        value=target_facts.code,
                        limit=rules.crossing(source_facts, target_facts),
                    )
        return _Resolved(spec, source=source, target=target)


def _spec_facts(spec: LineSpec | None, checked: _Checked) -> rules.LineFacts | None:
    if spec is None:
        return None
    project = checked.projects.get(spec.project_id) if spec.project_id else None
    return rules.LineFacts(
        code="（新指标）",
        organisation_id=spec.organisation_id,
        project_id=spec.project_id,
        project_category=project.category if project else "",
        project_is_research=bool(project and project.is_research),
        dep_bgt_eco_code=spec.dep_bgt_eco_code,
        is_gov_pur=spec.is_gov_pur,
        thr_exp_code=spec.thr_exp_code,
        source_type_code=spec.source_type_code,
    )


def ensure_own_lines(checked: _Checked, organisation: Organisation, subtype: str) -> None:
    """R-AJ-6: a unit adjusts its own lines and cannot start a move between units; a move between
    units of one department is the department's (entered by it, or by finance for it); a move
    between departments is finance's."""
    if subtype in rules.CROSS_UNIT_SUBTYPES:
        _ensure_cross_unit_holder(checked, organisation, subtype)
        return
    for line in checked.lines.values():
        if line.organisation_id != organisation.pk:
            checked.errors.append(
                _err(
                    "indicators.not_own_line",
                    "lines",
                    f"指标 {line.code} 不属于{organisation.name}",
                    f"indicator {line.code} does not belong to {organisation.name}",
                    rule="R-AJ-2",
                    value=line.code,
                )
            )


def _ensure_cross_unit_holder(checked: _Checked, organisation: Organisation, subtype: str) -> None:
    if organisation.kind == OrganisationKind.UNIT:
        checked.errors.append(
            _err(
                "indicators.cross_unit_by_unit",
                "subtype",
                "单位不能发起单位间或部门间调剂：单位间调剂由主管部门办理，部门间调剂由财政部门办理",
                "a unit cannot start a move between units: the department (between departments: "
                "finance) does",
                rule="R-AJ-6",
                value=subtype,
                limit=organisation.name,
            )
        )
        return
    if subtype == "across_departments":
        if organisation.kind not in FINANCE_KINDS:
            checked.errors.append(
                _err(
                    "indicators.cross_unit_starter",
                    "subtype",
                    "部门间调剂由财政部门办理",
                    "a move between departments is entered by finance",
                    rule="R-AJ-6",
                    value=subtype,
                    limit=organisation.name,
                )
            )
        return
    if organisation.kind != OrganisationKind.DEPARTMENT:
        checked.errors.append(
            _err(
                "indicators.cross_unit_starter",
                "organisation_id",
                "单位间调剂以主管部门的名义办理，请选择调出与调入单位所属的主管部门",
                "a move between units of a department is entered for that department",
                rule="R-AJ-6",
                value=organisation.name,
            )
        )
        return
    for line in checked.lines.values():
        if checked.department_id(line.organisation) != organisation.pk:
            checked.errors.append(
                _err(
                    "indicators.not_own_line",
                    "lines",
                    f"指标 {line.code} 不属于{organisation.name}及其下属单位",
                    f"indicator {line.code} is not held within {organisation.name}",
                    rule="R-AJ-6",
                    value=line.code,
                )
            )
