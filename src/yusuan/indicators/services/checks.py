"""Checks of indicator documents before they are saved, submitted or posted (R-IN-1, R-IN-2,
R-IN-6, R-AJ-1…R-AJ-5): every violation at once, each naming ``lines[i].field`` and its figures.
The posting re-checks the money atomically; these checks tell the clerk early and completely."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail
from yusuan.common.money import Money
from yusuan.core.choices import AccountType, OrganisationKind
from yusuan.core.models import Organisation
from yusuan.core.validation import ElementValue, element_errors
from yusuan.indicators import rules
from yusuan.indicators.choices import DocumentKind, LineKind, SourceKind
from yusuan.indicators.elements import CODED_ELEMENTS, REQUIRED_ELEMENTS, SPEC_ELEMENTS
from yusuan.indicators.models import IndicatorLine, IndicatorSource
from yusuan.indicators.services.ledger import insufficient
from yusuan.projects.models import Project

ADJUSTMENT_SUBTYPES = (
    "procurement_split",
    "research_items",
    "economic_class",
    "across_projects",
    "budget_adjustment",
)
FINANCE_KINDS = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)
# What a new line carries and a child line inherits (``yusuan.indicators.elements``).
ELEMENT_FIELDS = tuple(e.attribute for e in SPEC_ELEMENTS)


@dataclass(frozen=True)
class LineSpec:
    """The elements of a line to create (issue, allocation, adjustment into a new line)."""

    line_kind: str = LineKind.EXECUTABLE
    organisation_id: int | None = None
    project_id: int | None = None
    exp_func_code: str = ""
    dep_bgt_eco_code: str = ""
    fund_type_code: str = ""
    source_type_code: str = ""
    pay_type_code: str = ""
    acc_type: str = ""
    is_gov_pur: bool = False
    thr_exp_code: str = ""
    is_sal: bool = False
    is_dir: bool = False
    manage_division_id: int | None = None
    summary: str = ""


@dataclass(frozen=True)
class LineInput:
    amount: Money
    source_id: int | None = None
    target_id: int | None = None
    spec: LineSpec | None = None
    to_parent: bool = False


@dataclass(frozen=True)
class DocumentInput:
    kind: str
    title: str
    lines: Sequence[LineInput]
    doc_no: str = ""
    reason: str = ""
    subtype: str = ""
    npc_reference: str = ""
    organisation_id: int | None = None
    fiscal_year: int | None = None
    # R-IN-7: the source a 下达/追加 draws from (a 追减 may cite a 预算调整 row, R-AJ-7).
    budget_source_id: int | None = None


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
            # 分解 passes money down the tree: a department's pending line only to its units.
            holder = parent.organisation
            if (
                holder is not None
                and holder.kind == OrganisationKind.DEPARTMENT
                and not (organisation.path.startswith(holder.path))
            ):
                errors.append(
                    _err(
                        "indicators.outside_holder",
                        f"{prefix}.organisation",
                        f"第 {index + 1} 行：{organisation.name}不属于待分指标持有部门"
                        f"{holder.name}",
                        f"row {index + 1}: {organisation.name} is outside {holder.name}",
                        rule="R-IN-2",
                        value=organisation.name,
                        row=index,
                    )
                )
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


def _shortfall(
    line: IndicatorLine, bucket: str, amount: int, index: int, rule: str
) -> ErrorDetail | None:
    if amount <= int(getattr(line, bucket)):
        return None
    return insufficient(line, bucket, amount, rule=rule, field=f"lines[{index}].amount", row=index)


def _facts(line: IndicatorLine) -> rules.LineFacts:
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
    )


def _spec_from_parent(parent: IndicatorLine, spec: LineSpec) -> LineSpec:
    """A child line inherits what the clerk left blank from the line it comes from."""
    values = {}
    for name in ELEMENT_FIELDS:
        own = getattr(spec, name)
        values[name] = own if own not in (None, "") else getattr(parent, name)
    values["line_kind"] = LineKind.EXECUTABLE
    values["summary"] = spec.summary or parent.summary
    # 直达资金 stays 直达 on every line its money reaches (R-IN-5, R-MO-11).
    values["is_dir"] = spec.is_dir or parent.is_dir
    if parent.dep_bgt_eco_code and values["dep_bgt_eco_code"] != parent.dep_bgt_eco_code:
        # Another economic class is another 三公 category, or none: never inherited (R-AJ-3).
        values["thr_exp_code"] = spec.thr_exp_code
    return LineSpec(**values)


# --- One check per document kind -------------------------------------------------------------


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


class _Issue(KindCheck):
    """下达: each row creates a line from its own elements (R-IN-1)."""

    doc_no_required = True
    source_use: Literal["draw", "decrease"] | None = "draw"

    def check_row(self, row: _Row) -> _Resolved:
        spec = row.item.spec or LineSpec()
        row.check_spec(spec, parent=None)
        return _Resolved(spec)


class _Allocate(KindCheck):
    """分解下达: a pending line's money goes to a new executable line below it (R-IN-2)."""

    bucket = ("available", "R-IN-2")

    def check_row(self, row: _Row) -> _Resolved:
        source = row.line("source", want_kind=LineKind.PENDING)
        if source is None:
            return _Resolved(row.item.spec)
        spec = _spec_from_parent(source, row.item.spec or LineSpec())
        row.check_spec(spec, parent=source)
        return _Resolved(spec, source=source)


class _OnTarget(KindCheck):
    """追加, 追减, 冻结, 解冻: the row names the line it changes."""

    def __init__(
        self,
        *,
        doc_no_required: bool,
        bucket: tuple[str, str] | None,
        source_use: Literal["draw", "decrease"] | None = None,
    ) -> None:
        self.doc_no_required = doc_no_required
        self.bucket = bucket
        self.source_use = source_use

    def check_row(self, row: _Row) -> _Resolved:
        return _Resolved(row.item.spec, target=row.line("target"))


class _Reclaim(KindCheck):
    """收回: to finance, or to the pending line it was allocated from (R-IN-6)."""

    bucket = ("available", "R-IN-6")

    def check_row(self, row: _Row) -> _Resolved:
        source = row.line("source")
        if (
            source is not None
            and row.item.to_parent
            and not (
                source.parent_id is not None
                and IndicatorLine.objects.filter(
                    pk=source.parent_id, kind=LineKind.PENDING
                ).exists()
            )
        ):
            row.error(
                "indicators.no_parent",
                "to_parent",
                f"指标 {source.code} 不是分解而来，只能收回财政",
                f"{source.code} was not allocated from a pending line",
                rule="R-IN-6",
                value=source.code,
            )
        return _Resolved(row.item.spec, source=source)


class _Adjust(KindCheck):
    """调剂: executable to executable, or into a new line; the subtype's rules (R-AJ-1…5)."""

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
        return errors + rules.npc_reference_errors(
            subtype=data.subtype, npc_reference=data.npc_reference
        )

    def check_row(self, row: _Row) -> _Resolved:
        item, subtype = row.item, row.data.subtype
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
            target_facts = _facts(target) if target is not None else _spec_facts(spec, row.checked)
            if target_facts is not None:
                row.checked.errors.extend(
                    rules.check_adjustment_row(
                        subtype=subtype, source=_facts(source), target=target_facts, row=row.index
                    )
                )
                if (
                    subtype != "budget_adjustment"
                    and target_facts.organisation_id != source.organisation_id
                ):
                    row.error(
                        "indicators.across_units",
                        "target",
                        "单位之间的调剂须按预算调整办理",
                        "moves between units are budget adjustments",
                        rule="R-AJ-2",
                        value=target_facts.code,
                    )
        return _Resolved(spec, source=source, target=target)


# Every kind has its check: a kind added to ``DocumentKind`` without one fails at import.
KIND_CHECKS: Mapping[DocumentKind, KindCheck] = MappingProxyType(
    {
        DocumentKind.ISSUE: _Issue(),
        DocumentKind.ALLOCATE: _Allocate(),
        DocumentKind.INCREASE: _OnTarget(doc_no_required=True, bucket=None, source_use="draw"),
        DocumentKind.DECREASE: _OnTarget(
            doc_no_required=True, bucket=("available", "R-IN-3"), source_use="decrease"
        ),
        DocumentKind.ADJUST: _Adjust(),
        DocumentKind.HOLD: _OnTarget(doc_no_required=False, bucket=("available", "R-IN-3")),
        DocumentKind.RELEASE: _OnTarget(doc_no_required=False, bucket=("held", "R-IN-3")),
        DocumentKind.RECLAIM: _Reclaim(),
    }
)
if set(KIND_CHECKS) != set(DocumentKind):  # pragma: no cover - caught at import
    raise ImportError(f"indicator checks missing for {set(DocumentKind) - set(KIND_CHECKS)}")


def validate(
    actor: Actor, data: DocumentInput, *, mof_div_code: str, fiscal_year: int
) -> tuple[_Checked, list[LineInput]]:
    checked = _Checked()
    errors = checked.errors
    lines = list(data.lines)
    if data.kind not in DocumentKind.values:
        errors.append(
            _err(
                "indicators.bad_kind",
                "kind",
                "单据类型无效",
                "unknown document type",
                value=data.kind,
            )
        )
        return checked, lines
    kind = KIND_CHECKS[DocumentKind(data.kind)]
    if not data.title.strip():
        errors.append(_err("indicators.title_required", "title", "标题不能为空", "title required"))
    if kind.doc_no_required and not data.doc_no.strip():
        errors.append(
            _err(
                "indicators.doc_no_required",
                "doc_no",
                "下达、追加、追减须填写指标文号",
                "issue, increase and decrease need the 文号",
                rule="R-IN-4",
            )
        )
    errors += kind.header_errors(data)
    if not lines:
        errors.append(
            _err("indicators.no_lines", "lines", "至少需要一行", "at least one line is needed")
        )
    checked.prefetch(actor, lines, mof_div_code)
    resolved: list[LineInput] = []
    # Amount asked per (line, bucket) over all rows, so two rows cannot each take the same yuan.
    asked: dict[tuple[int, str], int] = {}
    # R-IN-7: the rows funded by the document's source: index, amount, new line or target.
    funded: list[tuple[int, int, LineSpec | None, IndicatorLine | None]] = []
    for index, item in enumerate(lines):
        if item.amount.fen <= 0:
            errors.append(
                _err(
                    "indicators.amount_not_positive",
                    f"lines[{index}].amount",
                    f"第 {index + 1} 行：金额必须大于 0（当前 {item.amount} 元）",
                    f"row {index + 1}: the amount must be above 0 (got {item.amount})",
                    value=item.amount.format(),
                    limit="> 0",
                    row=index,
                )
            )
        found = kind.check_row(_Row(actor, data, item, index, mof_div_code, fiscal_year, checked))
        # Money checks against the line as it is now (posting re-checks atomically).
        checked_line = found.source or found.target
        if kind.bucket is not None and checked_line is not None and item.amount.fen > 0:
            bucket, rule = kind.bucket
            key = (checked_line.pk, bucket)
            asked[key] = asked.get(key, 0) + item.amount.fen
            problem = _shortfall(checked_line, bucket, asked[key], index, rule)
            if problem is not None:
                errors.append(problem)
        resolved.append(replace(item, spec=found.spec))
        if found.spec is not None or found.target is not None:
            funded.append((index, item.amount.fen, found.spec, found.target))
    if kind.source_use is not None:
        errors += _source_errors_of(actor, data, kind.source_use, funded, mof_div_code, fiscal_year)
    errors += element_errors(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year, elements=checked.elements
    )
    return checked, resolved


def _source_errors_of(
    actor: Actor,
    data: DocumentInput,
    use: Literal["draw", "decrease"],
    funded: Sequence[tuple[int, int, LineSpec | None, IndicatorLine | None]],
    mof_div_code: str,
    fiscal_year: int,
) -> list[ErrorDetail]:
    """R-IN-7 (and R-AJ-7 for a 预算调整 row): the source is named, of the region and year, has
    the money for Σ rows (summed like the buckets, so two rows cannot take the same yuan), and a
    预算调整 row funds only its fund type and functional class."""
    if data.budget_source_id is None:
        if use == "decrease":
            return []  # the money goes back to the source each line came from
        return [
            _err(
                "indicators.source_required",
                "budget_source",
                "下达和追加须指定指标来源（批复预算、待分资金或预算调整）",
                "an issue or increase names its source: a budget line, a pot or an adjustment",
                rule="R-IN-7",
            )
        ]
    source = (
        IndicatorSource.objects.visible_to(actor)
        .filter(pk=data.budget_source_id, mof_div_code=mof_div_code, fiscal_year=fiscal_year)
        .first()
    )
    if source is None:
        return [
            _err(
                "indicators.source_unknown",
                "budget_source",
                f"指标来源不存在或不属于 {fiscal_year} 年度",
                f"the source does not exist in {fiscal_year}",
                rule="R-IN-7",
                value=data.budget_source_id,
            )
        ]
    errors: list[ErrorDetail] = []
    asked = sum(amount for _i, amount, _s, _t in funded if amount > 0)
    if use == "decrease" and source.kind == SourceKind.ADJUSTMENT:
        left, rule = source.decrease_amount - source.decreased, "R-AJ-7"
        zh = f"预算调整 {source.code}（{source.name}）核定调减额度不足：需要 {Money(asked)} 元，剩余 {Money(left)} 元"
        en = f"budget adjustment row {source.code} authorises {Money(left)} more decrease; {Money(asked)} is needed"
    elif use == "decrease":
        left, rule = source.drawn, "R-IN-7"
        zh = f"退回指标来源 {source.code}（{source.name}）的金额 {Money(asked)} 元超过其已下达 {Money(left)} 元"
        en = f"source {source.code} issued only {Money(left)}; {Money(asked)} cannot go back to it"
    else:
        left, rule = source.left, "R-IN-7"
        zh = f"指标来源 {source.code}（{source.name}）余额不足：需要 {Money(asked)} 元，剩余 {Money(left)} 元"
        en = (
            f"source {source.code} ({source.name}) has {Money(left)} left; {Money(asked)} is needed"
        )
    if asked > left:
        errors.append(
            _err(
                "indicators.adjustment_exceeded"
                if rule == "R-AJ-7"
                else "indicators.source_insufficient",
                "budget_source",
                zh,
                en,
                rule=rule,
                value=Money(asked).format(),
                limit=Money(left).format(),
            )
        )
    if source.kind == SourceKind.ADJUSTMENT:
        # R-AJ-7: a 预算调整 row authorises one fund type and functional class.
        for index, _amount, spec, target in funded:
            fund = (
                spec.fund_type_code if spec is not None else target.fund_type_code if target else ""
            )
            func = (
                spec.exp_func_code if spec is not None else target.exp_func_code if target else ""
            )
            if fund != source.fund_type_code or not func.startswith(source.exp_func_code):
                errors.append(
                    _err(
                        "indicators.outside_adjustment",
                        f"lines[{index}].exp_func_code",
                        f"第 {index + 1} 行：资金性质 {fund}、功能分类 {func} 不在预算调整 "
                        f"{source.code} 核定的 {source.fund_type_code}、{source.exp_func_code} 范围内",
                        f"row {index + 1}: fund {fund} and functional class {func} are outside "
                        f"adjustment row {source.code} ({source.fund_type_code}, {source.exp_func_code})",
                        rule="R-AJ-7",
                        value=func,
                        limit=source.exp_func_code,
                        row=index,
                    )
                )
    return errors


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
    """A unit adjusts its own lines; only a 预算调整 crosses units."""
    if subtype == "budget_adjustment":
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
