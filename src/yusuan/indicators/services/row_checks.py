"""What every document kind's row check shares (``checks``): the document's lookups done once
(``_Checked``), a row with its ``source`` / ``target`` lines, and the elements of the line a row
creates — present and valid (R-IN-1), held where the money may go (R-IN-8), with the references of
upper-level transfer money (R-IN-9). ``KindCheck`` is what each kind adds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils import timezone

from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail
from yusuan.core.choices import AccountType, DivisionType, OrganisationKind
from yusuan.core.models import Organisation
from yusuan.core.validation import ElementValue
from yusuan.indicators.choices import DocumentKind, LineKind
from yusuan.indicators.elements import CODED_ELEMENTS, REQUIRED_ELEMENTS, TRANSFER_ELEMENTS
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services.inputs import ELEMENT_FIELDS, DocumentInput, LineInput, LineSpec
from yusuan.projects.choices import FUNDABLE_STATES
from yusuan.projects.models import Project

FINANCE_KINDS = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)
# R-IN-9: 指标来源 04 上级转移支付 — money received from an upper-level government.
TRANSFER_SOURCE = "04"
TRANSFER_FIELDS = tuple(e.attribute for e in TRANSFER_ELEMENTS)
# 转移支付功能科目: the upper level's classification code, digits only (not this year's code set).
TP_FUNC_CODE = re.compile(r"^\d{3,7}$")


@dataclass
class _Checked:
    errors: list[ErrorDetail] = field(default_factory=list)
    lines: dict[int, IndicatorLine] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    organisations: dict[int, Organisation] = field(default_factory=dict)
    # Looked up once for the whole document (an issue has hundreds of rows), not per row.
    elements: list[ElementValue] = field(default_factory=list)
    found_lines: dict[int, IndicatorLine] = field(default_factory=dict)
    found_units: dict[int, Organisation] = field(default_factory=dict)
    found_projects: dict[int, Project] = field(default_factory=dict)
    divisions: dict[int, bool] = field(default_factory=dict)
    departments: dict[int, int | None] = field(default_factory=dict)

    def prefetch(self, actor: Actor, items: Sequence[LineInput], mof_div_code: str) -> None:
        line_ids = {i.source_id for i in items} | {i.target_id for i in items}
        self.found_lines = (
            IndicatorLine.objects.visible_to(actor)
            .select_related("project", "organisation")
            .in_bulk(line_ids - {None})
        )
        specs = [i.spec for i in items if i.spec is not None]
        unit_ids = {s.organisation_id for s in specs} | {
            line.organisation_id for line in self.found_lines.values()
        }
        self.found_units = Organisation.objects.filter(mof_div_code=mof_div_code).in_bulk(
            unit_ids - {None}
        )
        project_ids = {s.project_id for s in specs} | {
            line.project_id for line in self.found_lines.values()
        }
        self.found_projects = Project.objects.filter(mof_div_code=mof_div_code).in_bulk(
            project_ids - {None}
        )

    def is_division(self, pk: int) -> bool:
        if pk not in self.divisions:
            self.divisions[pk] = Organisation.objects.filter(
                pk=pk, kind=OrganisationKind.FINANCE_DIVISION
            ).exists()
        return self.divisions[pk]

    def department_id(self, organisation: Organisation | None) -> int | None:
        """The 主管部门 an organisation belongs to (itself for a department), from its path."""
        if organisation is None:
            return None
        if organisation.kind == OrganisationKind.DEPARTMENT:
            return int(organisation.pk)
        if organisation.pk not in self.departments:
            ancestors = [int(pk) for pk in organisation.path.strip("/").split("/") if pk]
            self.departments[organisation.pk] = (
                Organisation.objects.filter(pk__in=ancestors, kind=OrganisationKind.DEPARTMENT)
                .values_list("pk", flat=True)
                .first()
            )
        return self.departments[organisation.pk]

    def unit(self, pk: int, mof_div_code: str) -> Organisation | None:
        if pk not in self.found_units:
            found = Organisation.objects.filter(pk=pk, mof_div_code=mof_div_code).first()
            if found is None:
                return None
            self.found_units[pk] = found
        return self.found_units[pk]

    def project(self, pk: int, mof_div_code: str) -> Project | None:
        if pk not in self.found_projects:
            found = Project.objects.filter(pk=pk, mof_div_code=mof_div_code).first()
            if found is None:
                return None
            self.found_projects[pk] = found
        return self.found_projects[pk]


def _err(code: str, field_path: str, zh: str, en: str, **kwargs: Any) -> ErrorDetail:
    return ErrorDetail(code=code, field=field_path, message_zh=zh, message_en=en, **kwargs)


def _visible_line(checked: _Checked, line_id: int | None) -> IndicatorLine | None:
    return checked.found_lines.get(line_id) if line_id is not None else None


def _spec_errors(row: _Row, spec: LineSpec, parent: IndicatorLine | None) -> list[ErrorDetail]:
    """R-IN-1: every element present and valid in the year's code set."""
    index, mof_div_code, checked = row.index, row.mof_div_code, row.checked
    prefix = f"lines[{index}]"
    errors: list[ErrorDetail] = []
    executable = spec.line_kind == LineKind.EXECUTABLE
    if spec.line_kind not in LineKind.values:
        errors.append(
            _err(
                "indicators.bad_line_kind",
                f"{prefix}.line_kind",
                f"第 {index + 1} 行：指标类型无效",
                f"row {index + 1}: unknown indicator type",
                value=spec.line_kind,
                row=index,
            )
        )
        return errors
    required = [e for e in REQUIRED_ELEMENTS if executable or e.required == "always"]
    for element in required:
        if getattr(spec, element.attribute) in (None, ""):
            name, zh, en = element.name, element.label_zh, element.label_en.lower()
            errors.append(
                _err(
                    "indicators.element_missing",
                    f"{prefix}.{name}",
                    f"第 {index + 1} 行：{zh}不能为空"
                    + ("（可执行指标须具备全部要素）" if executable else ""),
                    f"row {index + 1}: {en} is required (R-IN-1)",
                    rule="R-IN-1",
                    row=index,
                )
            )
    if spec.acc_type and spec.acc_type not in AccountType.values:
        errors.append(
            _err(
                "indicators.bad_account_type",
                f"{prefix}.acc_type",
                f"第 {index + 1} 行：账户类别无效",
                f"row {index + 1}: unknown account type",
                rule="R-IN-1",
                value=spec.acc_type,
                row=index,
            )
        )
    if spec.thr_exp_code and spec.thr_exp_code not in ("1", "2", "3", "4"):
        errors.append(
            _err(
                "indicators.bad_three_public",
                f"{prefix}.thr_exp_code",
                f"第 {index + 1} 行：三公类别无效",
                f"row {index + 1}: unknown 三公 category",
                rule="R-IN-1",
                value=spec.thr_exp_code,
                row=index,
            )
        )
    elements = [
        ElementValue(f"{prefix}.{e.name}", e.code_kind, getattr(spec, e.attribute), row=index)
        for e in CODED_ELEMENTS
        if e.code_kind is not None and getattr(spec, e.attribute)
    ]
    checked.elements += elements
    organisation = None
    if spec.organisation_id is not None:
        organisation = checked.unit(spec.organisation_id, mof_div_code)
        allowed = (
            (OrganisationKind.DEPARTMENT, OrganisationKind.UNIT)
            if executable
            else (*FINANCE_KINDS, OrganisationKind.DEPARTMENT)
        )
        if organisation is None or organisation.kind not in allowed:
            errors.append(
                _err(
                    "indicators.bad_holder",
                    f"{prefix}.organisation",
                    f"第 {index + 1} 行："
                    + (
                        "可执行指标须下达到预算单位"
                        if executable
                        else "待分指标须由财政或主管部门持有"
                    ),
                    f"row {index + 1}: "
                    + (
                        "executable lines belong to a budget unit"
                        if executable
                        else "pending lines are held by finance or a department"
                    ),
                    rule="R-IN-1",
                    value=spec.organisation_id,
                    row=index,
                )
            )
            organisation = None
        else:
            checked.organisations[organisation.pk] = organisation
        if organisation is not None and parent is not None:
            errors += _holder_errors(index, organisation, parent)
    if spec.project_id is not None:
        project = checked.project(spec.project_id, mof_div_code)
        if project is None or (
            organisation is not None and project.organisation_id != organisation.pk
        ):
            errors.append(
                _err(
                    "indicators.bad_project",
                    f"{prefix}.project",
                    f"第 {index + 1} 行：项目不存在或不属于该单位",
                    f"row {index + 1}: the project does not exist or belongs to another unit",
                    rule="R-IN-1",
                    value=spec.project_id,
                    row=index,
                )
            )
        elif project.state not in FUNDABLE_STATES:
            errors.append(
                _err(
                    "indicators.project_not_in_library",
                    f"{prefix}.project",
                    f"第 {index + 1} 行：项目 {project.code} 处于“{project.get_state_display()}”"
                    "状态，未纳入项目库的项目不得安排预算",
                    f"row {index + 1}: project {project.code} is {project.state}; only projects"
                    " in the library carry budget lines",
                    rule="R-PJ-1",
                    value=project.state,
                    limit=sorted(FUNDABLE_STATES),
                    row=index,
                )
            )
        else:
            checked.projects[project.pk] = project
    if spec.manage_division_id is not None and not checked.is_division(spec.manage_division_id):
        errors.append(
            _err(
                "indicators.bad_division",
                f"{prefix}.manage_division",
                f"第 {index + 1} 行：业务主管处室无效",
                f"row {index + 1}: unknown supervising division",
                value=spec.manage_division_id,
                row=index,
            )
        )
    if parent is None and row.data.kind == DocumentKind.ISSUE:
        errors += _transfer_errors(index, spec)
    elif parent is not None:
        errors += _inherited_errors(index, spec, parent)
    return errors


def holder_rank(organisation: Organisation) -> int:
    """R-IN-8: how high up a holder of indicator lines sits. The bureau and its budget division
    (预算处) 0, another finance division (the sector division managing a special fund) 1, a
    department (主管部门) 2, a budget unit 3."""
    if organisation.kind == OrganisationKind.FINANCE_BUREAU or (
        organisation.kind == OrganisationKind.FINANCE_DIVISION
        and organisation.division_type == DivisionType.BUDGET
    ):
        return 0
    if organisation.kind == OrganisationKind.FINANCE_DIVISION:
        return 1
    if organisation.kind == OrganisationKind.DEPARTMENT:
        return 2
    return 3


def holds_under(holder: Organisation, organisation: Organisation) -> bool:
    """R-IN-8: whether ``organisation`` may hold a line allocated from a line ``holder`` holds:
    the budget division passes money to anyone of the region, a sector division to itself and
    the departments and units it supervises, a department to itself and its units."""
    rank = holder_rank(holder)
    if rank == 0:
        return True
    if rank == 1:
        return organisation.pk == holder.pk or organisation.supervising_division_id == holder.pk
    if rank == 2:
        return organisation.path.startswith(holder.path)
    return organisation.pk == holder.pk


def _holder_errors(
    index: int, organisation: Organisation, parent: IndicatorLine
) -> list[ErrorDetail]:
    """R-IN-8: 分解 passes money down the tree, never up or sideways: a child line is never held
    higher up than its parent, and only by the parent's holder or someone under it."""
    holder = parent.organisation
    if holder is None:
        return []
    prefix, row = f"lines[{index}].organisation", f"第 {index + 1} 行："
    if holder_rank(organisation) < holder_rank(holder):
        return [
            _err(
                "indicators.holder_above_parent",
                prefix,
                f"{row}{organisation.name}的层级高于待分指标 {parent.code} 的持有者{holder.name}，"
                "指标只能向下分解",
                f"row {index + 1}: {organisation.name} sits above {holder.name}, the holder of "
                f"{parent.code}; allocation goes down the tree only (R-IN-8)",
                rule="R-IN-8",
                value=organisation.name,
                limit=holder.name,
                row=index,
            )
        ]
    if not holds_under(holder, organisation):
        return [
            _err(
                "indicators.outside_holder",
                prefix,
                f"{row}{organisation.name}不属于待分指标 {parent.code} 的持有者{holder.name}",
                f"row {index + 1}: {organisation.name} is outside {holder.name}, the holder of "
                f"{parent.code} (R-IN-8)",
                rule="R-IN-8",
                value=organisation.name,
                limit=holder.name,
                row=index,
            )
        ]
    return []


def _transfer_errors(index: int, spec: LineSpec) -> list[ErrorDetail]:
    """R-IN-9: a 下达 row of money received from an upper-level government (指标来源 04, or 直达)
    names the upper level's document, the day it was received, the tracking code and the
    transfer's functional class — all of them or none, and none on other money."""
    prefix, row = f"lines[{index}]", f"第 {index + 1} 行："
    given = [e for e in TRANSFER_ELEMENTS if getattr(spec, e.attribute) not in (None, "")]
    if spec.source_type_code != TRANSFER_SOURCE and not spec.is_dir and not given:
        return []
    errors: list[ErrorDetail] = []
    if spec.source_type_code != TRANSFER_SOURCE:
        errors.append(
            _err(
                "indicators.transfer_source",
                f"{prefix}.source_type_code",
                f"{row}上级转移支付（含直达资金）的指标来源须为 04 上级转移支付",
                f"row {index + 1}: money received from an upper-level government has the "
                f"indicator source {TRANSFER_SOURCE} (R-IN-9)",
                rule="R-IN-9",
                value=spec.source_type_code,
                limit=TRANSFER_SOURCE,
                row=index,
            )
        )
    for element in TRANSFER_ELEMENTS:
        if element not in given:
            errors.append(
                _err(
                    "indicators.transfer_field_missing",
                    f"{prefix}.{element.name}",
                    f"{row}上级转移支付须填写{element.label_zh}",
                    f"row {index + 1}: money received from an upper-level government needs its "
                    f"{element.label_en.lower()} (R-IN-9)",
                    rule="R-IN-9",
                    row=index,
                )
            )
    today = timezone.localdate()
    if spec.rec_date is not None and spec.rec_date > today:
        errors.append(
            _err(
                "indicators.rec_date_future",
                f"{prefix}.rec_date",
                f"{row}接收日期 {spec.rec_date.isoformat()} 晚于今天 {today.isoformat()}",
                f"row {index + 1}: the date received {spec.rec_date.isoformat()} is after "
                f"today {today.isoformat()} (R-IN-9)",
                rule="R-IN-9",
                value=spec.rec_date.isoformat(),
                limit=today.isoformat(),
                row=index,
            )
        )
    if spec.tp_func_code and not TP_FUNC_CODE.match(spec.tp_func_code):
        errors.append(
            _err(
                "indicators.bad_tp_func_code",
                f"{prefix}.tp_func_code",
                f"{row}转移支付功能科目“{spec.tp_func_code}”应为 3 至 7 位数字",
                f"row {index + 1}: the transfer functional class '{spec.tp_func_code}' is 3 to "
                "7 digits (R-IN-9)",
                rule="R-IN-9",
                value=spec.tp_func_code,
                limit="3–7 digits",
                row=index,
            )
        )
    return errors


def _inherited_errors(index: int, spec: LineSpec, parent: IndicatorLine) -> list[ErrorDetail]:
    """R-IN-9: a line allocated from upper-level transfer money keeps its references — the
    tracking code above all, so the chain 中央→省→市→县→单位 can be followed."""
    errors = []
    for element in TRANSFER_ELEMENTS:
        inherited = getattr(parent, element.attribute)
        own = getattr(spec, element.attribute)
        if inherited not in (None, "") and own != inherited:
            shown = inherited.isoformat() if isinstance(inherited, dt.date) else inherited
            entered = own.isoformat() if isinstance(own, dt.date) else own
            errors.append(
                _err(
                    "indicators.transfer_field_changed",
                    f"lines[{index}].{element.name}",
                    f"第 {index + 1} 行：{element.label_zh}继承自指标 {parent.code}"
                    f"（{shown}），不能改为“{entered}”",
                    f"row {index + 1}: the {element.label_en.lower()} is inherited from "
                    f"{parent.code} ({shown}) and cannot change (R-IN-9)",
                    rule="R-IN-9",
                    value=entered,
                    limit=shown,
                    row=index,
                )
            )
    return errors


def _source_errors(
    row: _Row, line_id: int | None, name: str, want_kind: str | None
) -> IndicatorLine | None:
    index, fiscal_year, checked = row.index, row.fiscal_year, row.checked
    path = f"lines[{index}].{name}"
    if line_id is None:
        checked.errors.append(
            _err(
                "indicators.line_required",
                path,
                f"第 {index + 1} 行：请选择指标",
                f"row {index + 1}: pick an indicator line",
                row=index,
            )
        )
        return None
    line = _visible_line(checked, line_id)
    if line is None or line.fiscal_year != fiscal_year:
        checked.errors.append(
            _err(
                "indicators.line_unknown",
                path,
                f"第 {index + 1} 行：指标不存在、不在本年度或无权使用",
                f"row {index + 1}: indicator not found in {fiscal_year} or not yours",
                value=line_id,
                row=index,
            )
        )
        return None
    if want_kind is not None and line.kind != want_kind:
        checked.errors.append(
            _err(
                "indicators.wrong_line_kind",
                path,
                f"第 {index + 1} 行：指标 {line.code} 是{line.get_kind_display()}指标",
                f"row {index + 1}: indicator {line.code} is {line.kind}",
                rule="R-IN-2" if want_kind == LineKind.PENDING else "R-IN-1",
                value=line.code,
                limit=want_kind,
                row=index,
            )
        )
    checked.lines[line.pk] = line
    return line


def _spec_from_parent(
    parent: IndicatorLine, spec: LineSpec, *, pending_allowed: bool = False
) -> LineSpec:
    """A child line inherits what the clerk left blank from the line it comes from, the
    references of an upper-level transfer included (R-IN-9). 分解 may create a pending child for
    a lower holder (R-IN-8); an adjustment only executable lines."""
    values: dict[str, Any] = {}
    for name in ELEMENT_FIELDS:
        own = getattr(spec, name)
        values[name] = own if own not in (None, "") else getattr(parent, name)
    values["line_kind"] = (
        spec.line_kind if pending_allowed and spec.line_kind else LineKind.EXECUTABLE
    )
    values["summary"] = spec.summary or parent.summary
    # 直达资金 stays 直达 on every line its money reaches (R-IN-5, R-MO-11).
    values["is_dir"] = spec.is_dir or parent.is_dir
    if parent.dep_bgt_eco_code and values["dep_bgt_eco_code"] != parent.dep_bgt_eco_code:
        # Another economic class is another 三公 category, or none: never inherited (R-AJ-3).
        values["thr_exp_code"] = spec.thr_exp_code
    return LineSpec(**values)


@dataclass(frozen=True)
class _Row:
    """One row of a document being checked: what every kind's check reads."""

    actor: Actor
    data: DocumentInput
    item: LineInput
    index: int
    mof_div_code: str
    fiscal_year: int
    checked: _Checked

    def line(
        self, name: Literal["source", "target"], want_kind: str | None = None
    ) -> IndicatorLine | None:
        """The row's ``source`` or ``target`` line, visible and of this year (else an error)."""
        line_id = self.item.source_id if name == "source" else self.item.target_id
        return _source_errors(self, line_id, name, want_kind)

    def check_spec(self, spec: LineSpec, parent: IndicatorLine | None) -> None:
        """R-IN-1/R-IN-2 on the elements of the line the row creates."""
        self.checked.errors.extend(_spec_errors(self, spec, parent))

    def error(self, code: str, name: str, zh: str, en: str, **kwargs: Any) -> None:
        """An error on this row's field ``name``; the messages start with the row's number."""
        self.checked.errors.append(
            _err(
                code,
                f"lines[{self.index}].{name}",
                f"第 {self.index + 1} 行：{zh}",
                f"row {self.index + 1}: {en}",
                row=self.index,
                **kwargs,
            )
        )


@dataclass(frozen=True)
class _Resolved:
    """What a kind's row check found: the line the money leaves or reaches, the new line."""

    spec: LineSpec | None
    source: IndicatorLine | None = None
    target: IndicatorLine | None = None


class KindCheck:
    """The checks one document kind adds to the shared ones (title, lines, positive amounts,
    the year's code sets). ``bucket`` is the balance a row's money comes from and its rule."""

    doc_no_required = False
    bucket: tuple[str, str] | None = None
    # R-IN-7: "draw" (下达, 追加: the source is required and gives the money), "decrease" (追减: an
    # optional source, a 预算调整 row whose authorised decrease it uses, or the source the money
    # goes back to), None (the kind names no source).
    source_use: Literal["draw", "decrease"] | None = None

    def header_errors(self, data: DocumentInput) -> list[ErrorDetail]:
        return []

    def check_row(self, row: _Row) -> _Resolved:
        raise NotImplementedError
