"""Indicator documents (R-IN-4): enter, edit and void drafts; post them to the ledger.

Issue, allocation, increase/decrease, finance freeze/unfreeze and reclaim are entered by one
finance officer and posted by another (entry ≠ posting, R-WF-1). Adjustments are entered by the
unit and move through the approval engine; their final approval posts them after checking the
money again (R-AJ-4). Every check returns all violations at once, each naming ``lines[i].field``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import AccountType, CodeKind, OrganisationKind
from yusuan.core.models import Organisation
from yusuan.core.services.sequences import next_number
from yusuan.core.validation import ElementValue, element_errors, government_economic_code
from yusuan.indicators import rules
from yusuan.indicators.choices import (
    DIRECT_KINDS,
    DocumentKind,
    DocumentState,
    LineKind,
    MovementKind,
)
from yusuan.indicators.models import DocumentLine, IndicatorDocument, IndicatorLine
from yusuan.indicators.services.ledger import Leg, Posting, post
from yusuan.projects.models import Project

SERIES = {
    DocumentKind.ISSUE: "XD",
    DocumentKind.ALLOCATE: "FJ",
    DocumentKind.INCREASE: "ZJ",
    DocumentKind.DECREASE: "JS",
    DocumentKind.ADJUST: "TJ",
    DocumentKind.HOLD: "DJ",
    DocumentKind.RELEASE: "JD",
    DocumentKind.RECLAIM: "SH",
}
ADJUSTMENT_SUBTYPES = (
    "procurement_split",
    "research_items",
    "economic_class",
    "across_projects",
    "budget_adjustment",
)
FINANCE_KINDS = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)
ELEMENT_FIELDS = (
    "organisation_id",
    "project_id",
    "exp_func_code",
    "dep_bgt_eco_code",
    "fund_type_code",
    "source_type_code",
    "pay_type_code",
    "acc_type",
    "is_gov_pur",
    "thr_exp_code",
    "is_sal",
    "is_dir",
    "manage_division_id",
)


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


@dataclass
class _Checked:
    errors: list[ErrorDetail] = field(default_factory=list)
    lines: dict[int, IndicatorLine] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    organisations: dict[int, Organisation] = field(default_factory=dict)


def _err(code: str, field_path: str, zh: str, en: str, **kwargs: Any) -> ErrorDetail:
    return ErrorDetail(code=code, field=field_path, message_zh=zh, message_en=en, **kwargs)


def _permission_for(kind: str) -> str:
    return (
        "indicators.enter_adjustment"
        if kind == DocumentKind.ADJUST
        else "indicators.add_indicatordocument"
    )


def _visible_line(actor: Actor, line_id: int | None) -> IndicatorLine | None:
    if line_id is None:
        return None
    return (
        IndicatorLine.objects.visible_to(actor)
        .select_related("project", "organisation")
        .filter(pk=line_id)
        .first()
    )


def _spec_errors(
    *,
    actor: Actor,
    spec: LineSpec,
    index: int,
    mof_div_code: str,
    fiscal_year: int,
    checked: _Checked,
    parent: IndicatorLine | None,
) -> list[ErrorDetail]:
    """R-IN-1: every element present and valid in the year's code set."""
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
    required: list[tuple[str, str, str, Any]] = [
        ("organisation", "单位", "unit", spec.organisation_id),
        ("exp_func_code", "功能分类", "functional class", spec.exp_func_code),
        ("fund_type_code", "资金性质", "fund nature", spec.fund_type_code),
        ("source_type_code", "指标来源", "indicator source", spec.source_type_code),
    ]
    if executable:
        required += [
            ("project", "项目", "project", spec.project_id),
            (
                "dep_bgt_eco_code",
                "部门经济分类",
                "department economic class",
                spec.dep_bgt_eco_code,
            ),
            ("pay_type_code", "支付方式", "payment type", spec.pay_type_code),
            ("acc_type", "账户类别", "account type", spec.acc_type),
        ]
    for name, zh, en, value in required:
        if value in (None, ""):
            errors.append(
                _err(
                    "indicators.element_missing",
                    f"{prefix}.{name}",
                    f"第 {index + 1} 行：{zh}不能为空（可执行指标须具备全部要素）",
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
        ElementValue(f"{prefix}.{name}", kind, code, row=index)
        for name, kind, code in (
            ("exp_func_code", CodeKind.FUNCTIONAL, spec.exp_func_code),
            ("dep_bgt_eco_code", CodeKind.DEPARTMENT_ECONOMIC, spec.dep_bgt_eco_code),
            ("fund_type_code", CodeKind.FUND_TYPE, spec.fund_type_code),
            ("source_type_code", CodeKind.SOURCE_TYPE, spec.source_type_code),
            ("pay_type_code", CodeKind.PAY_TYPE, spec.pay_type_code),
        )
        if code
    ]
    errors += element_errors(mof_div_code=mof_div_code, fiscal_year=fiscal_year, elements=elements)
    organisation = None
    if spec.organisation_id is not None:
        organisation = Organisation.objects.filter(
            pk=spec.organisation_id, mof_div_code=mof_div_code
        ).first()
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
        project = Project.objects.filter(pk=spec.project_id, mof_div_code=mof_div_code).first()
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
    if (
        spec.manage_division_id is not None
        and not Organisation.objects.filter(
            pk=spec.manage_division_id, kind=OrganisationKind.FINANCE_DIVISION
        ).exists()
    ):
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
    *,
    actor: Actor,
    line_id: int | None,
    index: int,
    name: str,
    fiscal_year: int,
    checked: _Checked,
    want_kind: str | None = None,
) -> IndicatorLine | None:
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
    line = _visible_line(actor, line_id)
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
    line: IndicatorLine, bucket: str, amount: int, index: int, rule: str, name: str
) -> ErrorDetail | None:
    have = int(getattr(line, bucket))
    if amount <= have:
        return None
    labels = {"available": ("可用余额", "available"), "held": ("财政冻结金额", "frozen")}
    zh, en = labels[bucket]
    return _err(
        "indicators.insufficient",
        f"lines[{index}].amount",
        f"第 {index + 1} 行：指标 {line.code} {zh}不足：需要 {Money(amount)} 元，{zh} {Money(have)} 元",
        f"row {index + 1}: indicator {line.code} has {Money(have)} {en}; {Money(amount)} is needed",
        rule=rule,
        value=Money(amount).format(),
        limit=Money(have).format(),
        row=index,
    )


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


def _validate(
    actor: Actor, data: DocumentInput, *, mof_div_code: str, fiscal_year: int
) -> tuple[_Checked, list[LineInput]]:
    checked = _Checked()
    errors = checked.errors
    kind = data.kind
    lines = list(data.lines)
    if kind not in DocumentKind.values:
        errors.append(
            _err("indicators.bad_kind", "kind", "单据类型无效", "unknown document type", value=kind)
        )
        return checked, lines
    if not data.title.strip():
        errors.append(_err("indicators.title_required", "title", "标题不能为空", "title required"))
    if kind in (DocumentKind.ISSUE, DocumentKind.INCREASE, DocumentKind.DECREASE) and not (
        data.doc_no.strip()
    ):
        errors.append(
            _err(
                "indicators.doc_no_required",
                "doc_no",
                "下达、追加、追减须填写指标文号",
                "issue, increase and decrease need the 文号",
                rule="R-IN-4",
            )
        )
    if kind == DocumentKind.ADJUST:
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
        errors += rules.npc_reference_errors(subtype=data.subtype, npc_reference=data.npc_reference)
    if not lines:
        errors.append(
            _err("indicators.no_lines", "lines", "至少需要一行", "at least one line is needed")
        )
    resolved: list[LineInput] = []
    # Amount asked per (line, bucket) over all rows, so two rows cannot each take the same yuan.
    asked: dict[tuple[int, str], int] = {}
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
        source: IndicatorLine | None = None
        target: IndicatorLine | None = None
        spec = item.spec
        if kind == DocumentKind.ISSUE:
            if spec is None:
                spec = LineSpec()
            errors += _spec_errors(
                actor=actor,
                spec=spec,
                index=index,
                mof_div_code=mof_div_code,
                fiscal_year=fiscal_year,
                checked=checked,
                parent=None,
            )
        elif kind == DocumentKind.ALLOCATE:
            source = _source_errors(
                actor=actor,
                line_id=item.source_id,
                index=index,
                name="source",
                fiscal_year=fiscal_year,
                checked=checked,
                want_kind=LineKind.PENDING,
            )
            if source is not None:
                spec = _spec_from_parent(source, spec or LineSpec())
                errors += _spec_errors(
                    actor=actor,
                    spec=spec,
                    index=index,
                    mof_div_code=mof_div_code,
                    fiscal_year=fiscal_year,
                    checked=checked,
                    parent=source,
                )
        elif (
            kind in (DocumentKind.INCREASE, DocumentKind.DECREASE, DocumentKind.HOLD)
            or kind == DocumentKind.RELEASE
        ):
            target = _source_errors(
                actor=actor,
                line_id=item.target_id,
                index=index,
                name="target",
                fiscal_year=fiscal_year,
                checked=checked,
            )
        elif kind == DocumentKind.RECLAIM:
            source = _source_errors(
                actor=actor,
                line_id=item.source_id,
                index=index,
                name="source",
                fiscal_year=fiscal_year,
                checked=checked,
            )
            if (
                source is not None
                and item.to_parent
                and not (
                    source.parent_id is not None
                    and IndicatorLine.objects.filter(
                        pk=source.parent_id, kind=LineKind.PENDING
                    ).exists()
                )
            ):
                errors.append(
                    _err(
                        "indicators.no_parent",
                        f"lines[{index}].to_parent",
                        f"第 {index + 1} 行：指标 {source.code} 不是分解而来，只能收回财政",
                        f"row {index + 1}: {source.code} was not allocated from a pending line",
                        rule="R-IN-6",
                        value=source.code,
                        row=index,
                    )
                )
        elif kind == DocumentKind.ADJUST:
            source = _source_errors(
                actor=actor,
                line_id=item.source_id,
                index=index,
                name="source",
                fiscal_year=fiscal_year,
                checked=checked,
                want_kind=LineKind.EXECUTABLE,
            )
            if item.target_id is not None or spec is None:
                target = _source_errors(
                    actor=actor,
                    line_id=item.target_id,
                    index=index,
                    name="target",
                    fiscal_year=fiscal_year,
                    checked=checked,
                    want_kind=LineKind.EXECUTABLE,
                )
                spec = None
            elif source is not None:
                spec = _spec_from_parent(source, spec)
                errors += _spec_errors(
                    actor=actor,
                    spec=spec,
                    index=index,
                    mof_div_code=mof_div_code,
                    fiscal_year=fiscal_year,
                    checked=checked,
                    parent=None,
                )
            if source is not None and data.subtype in ADJUSTMENT_SUBTYPES:
                target_facts = _facts(target) if target is not None else _spec_facts(spec, checked)
                if target_facts is not None:
                    errors += rules.check_adjustment_row(
                        subtype=data.subtype, source=_facts(source), target=target_facts, row=index
                    )
                    if (
                        data.subtype != "budget_adjustment"
                        and target_facts.organisation_id != source.organisation_id
                    ):
                        errors.append(
                            _err(
                                "indicators.across_units",
                                f"lines[{index}].target",
                                f"第 {index + 1} 行：单位之间的调剂须按预算调整办理",
                                f"row {index + 1}: moves between units are budget adjustments",
                                rule="R-AJ-2",
                                value=target_facts.code,
                                row=index,
                            )
                        )
        # Money checks against the line as it is now (posting re-checks atomically).
        bucket_rule = {
            DocumentKind.ALLOCATE: ("available", "R-IN-2"),
            DocumentKind.DECREASE: ("available", "R-IN-3"),
            DocumentKind.HOLD: ("available", "R-IN-3"),
            DocumentKind.RELEASE: ("held", "R-IN-3"),
            DocumentKind.RECLAIM: ("available", "R-IN-6"),
            DocumentKind.ADJUST: ("available", "R-AJ-4"),
        }.get(DocumentKind(kind))
        checked_line = source or target
        if bucket_rule is not None and checked_line is not None and item.amount.fen > 0:
            bucket, rule = bucket_rule
            key = (checked_line.pk, bucket)
            asked[key] = asked.get(key, 0) + item.amount.fen
            problem = _shortfall(checked_line, bucket, asked[key], index, rule, "amount")
            if problem is not None:
                errors.append(problem)
        resolved.append(replace(item, spec=spec))
    return checked, resolved


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


def _holder(actor: Actor, data: DocumentInput) -> Organisation:
    organisation_id = data.organisation_id or getattr(actor, "organisation_id", None)
    organisation = (
        Organisation.objects.visible_to(actor).filter(pk=organisation_id).first()
        if organisation_id
        else None
    )
    if organisation is None:
        raise NotFoundError("organisation")
    if data.kind in DIRECT_KINDS and organisation.kind not in (
        *FINANCE_KINDS,
        OrganisationKind.DEPARTMENT,
    ):
        raise BusinessRuleError.single(
            code="indicators.finance_only",
            rule="R-IN-4",
            field="kind",
            value=data.kind,
            message_zh="指标下达、分解、追加追减、冻结和收回由财政部门或主管部门办理",
            message_en="issue, allocation, increase/decrease, freeze and reclaim are finance acts",
            status=403,
        )
    return organisation


def _write_lines(document: IndicatorDocument, lines: Sequence[LineInput]) -> None:
    rows = []
    for index, item in enumerate(lines):
        spec = item.spec or LineSpec(line_kind="")
        rows.append(
            DocumentLine(
                document=document,
                row=index,
                source_id=item.source_id,
                target_id=item.target_id if document.kind != DocumentKind.ALLOCATE else None,
                amount=item.amount.fen,
                to_parent=item.to_parent,
                line_kind=spec.line_kind if item.spec else "",
                summary=spec.summary,
                doc_no=document.doc_no,
                doc_title=document.title,
                **{name: getattr(spec, name) for name in ELEMENT_FIELDS} if item.spec else {},
            )
        )
    DocumentLine.objects.bulk_create(rows)


@transaction.atomic
def document_create(*, actor: Actor, data: DocumentInput) -> IndicatorDocument:
    ensure_permission(actor, _permission_for(data.kind))
    organisation = _holder(actor, data)
    fiscal_year = data.fiscal_year or timezone.localdate().year
    checked, lines = _validate(
        actor, data, mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year
    )
    if data.kind == DocumentKind.ADJUST:
        _ensure_own_lines(checked, organisation, data.subtype)
    raise_if_any(checked.errors)
    number = next_number(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        series=f"indicator-{SERIES[DocumentKind(data.kind)]}",
    )
    document = IndicatorDocument.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        number=f"{SERIES[DocumentKind(data.kind)]}{fiscal_year}{number:06d}",
        kind=data.kind,
        subtype=data.subtype if data.kind == DocumentKind.ADJUST else "",
        organisation=organisation,
        doc_no=data.doc_no.strip(),
        title=data.title.strip(),
        reason=data.reason.strip(),
        npc_reference=data.npc_reference.strip(),
        created_by_id=actor.pk,
    )
    _write_lines(document, lines)
    audit_record(
        action="indicators.document_create",
        actor=actor,
        obj=document,
        changes={"state": [None, DocumentState.DRAFT]},
        extra={
            "kind": data.kind,
            "lines": len(lines),
            "total_fen": sum(x.amount.fen for x in lines),
        },
    )
    return document


def _ensure_own_lines(checked: _Checked, organisation: Organisation, subtype: str) -> None:
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


def _locked_document(actor: Actor, document_id: int) -> IndicatorDocument:
    document = (
        IndicatorDocument.objects.visible_to(actor)
        .select_for_update()
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise NotFoundError("indicator document")
    return document


def _not_draft(document: IndicatorDocument) -> BusinessRuleError:
    return BusinessRuleError.single(
        code="indicators.not_draft",
        field="state",
        value=document.get_state_display(),
        message_zh=f"单据 {document.number} 处于“{document.get_state_display()}”状态，不能修改",
        message_en=f"document {document.number} is {document.state}, not a draft",
        status=409,
    )


@transaction.atomic
def document_update(*, actor: Actor, document_id: int, data: DocumentInput) -> IndicatorDocument:
    ensure_permission(actor, _permission_for(data.kind))
    document = _locked_document(actor, document_id)
    if document.state != DocumentState.DRAFT:
        raise _not_draft(document)
    if data.kind != document.kind:
        raise BusinessRuleError.single(
            code="indicators.kind_fixed",
            field="kind",
            value=data.kind,
            limit=document.kind,
            message_zh="单据类型不能修改",
            message_en="the document type cannot change",
        )
    checked, lines = _validate(
        actor, data, mof_div_code=document.mof_div_code, fiscal_year=document.fiscal_year
    )
    if document.kind == DocumentKind.ADJUST:
        _ensure_own_lines(checked, document.organisation, data.subtype)
    raise_if_any(checked.errors)
    before = {"title": document.title, "doc_no": document.doc_no, "total": document.total_fen}
    document.title = data.title.strip()
    document.doc_no = data.doc_no.strip()
    document.reason = data.reason.strip()
    document.subtype = data.subtype if document.kind == DocumentKind.ADJUST else ""
    document.npc_reference = data.npc_reference.strip()
    document.save()
    document.lines.all().delete()
    _write_lines(document, lines)
    after = {"title": document.title, "doc_no": document.doc_no, "total": document.total_fen}
    audit_record(
        action="indicators.document_update",
        actor=actor,
        obj=document,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return document


@transaction.atomic
def document_void(*, actor: Actor, document_id: int) -> IndicatorDocument:
    document = _locked_document(actor, document_id)
    ensure_permission(actor, _permission_for(document.kind))
    if document.state != DocumentState.DRAFT:
        raise _not_draft(document)
    document.state = DocumentState.VOID
    document.save(update_fields=["state", "updated_at"])
    audit_record(
        action="indicators.document_void",
        actor=actor,
        obj=document,
        changes={"state": [DocumentState.DRAFT, DocumentState.VOID]},
    )
    return document


def as_input(document: IndicatorDocument) -> DocumentInput:
    lines = []
    for line in document.lines.all():
        spec = None
        if line.line_kind:
            spec = LineSpec(
                line_kind=line.line_kind,
                summary=line.summary,
                **{name: getattr(line, name) for name in ELEMENT_FIELDS},
            )
        lines.append(
            LineInput(
                amount=Money(line.amount),
                source_id=line.source_id,
                target_id=line.target_id,
                spec=spec,
                to_parent=line.to_parent,
            )
        )
    return DocumentInput(
        kind=document.kind,
        title=document.title,
        lines=lines,
        doc_no=document.doc_no,
        reason=document.reason,
        subtype=document.subtype,
        npc_reference=document.npc_reference,
        organisation_id=document.organisation_id,
        fiscal_year=document.fiscal_year,
    )


def revalidate(actor: Actor, document: IndicatorDocument) -> None:
    """Every check again against the lines as they are now (submit, final approval)."""
    checked, _lines = _validate(
        actor,
        as_input(document),
        mof_div_code=document.mof_div_code,
        fiscal_year=document.fiscal_year,
    )
    if document.kind == DocumentKind.ADJUST:
        _ensure_own_lines(checked, document.organisation, document.subtype)
    raise_if_any(checked.errors)


@transaction.atomic
def document_post(*, actor: Actor, document_id: int) -> IndicatorDocument:
    """Post a finance document (issue, allocation, increase/decrease, freeze, reclaim)."""
    ensure_permission(actor, "indicators.post_indicatordocument")
    document = _locked_document(actor, document_id)
    if document.kind not in DIRECT_KINDS:
        raise BusinessRuleError.single(
            code="indicators.needs_approval",
            rule="R-AJ-2",
            field="kind",
            value=document.kind,
            message_zh="调剂单须经审批流程生效，不能直接记账",
            message_en="adjustments take effect through their approval, not by posting",
            status=409,
        )
    if document.state != DocumentState.DRAFT:
        raise _not_draft(document)
    if document.created_by_id == actor.pk:
        raise BusinessRuleError.single(
            code="indicators.poster_is_entrant",
            rule="R-WF-1",
            field="posted_by",
            value=actor.username,
            message_zh=f"单据 {document.number} 由您录入，须由另一位人员审核记账",
            message_en=f"you entered {document.number}; another officer must post it",
            status=403,
        )
    revalidate(actor, document)
    apply_document(actor=actor, document=document)
    return document


def _line_from_spec(
    document: IndicatorDocument, line: DocumentLine, parent: IndicatorLine | None
) -> IndicatorLine:
    organisation = line.organisation
    gov_code = ""
    if line.line_kind == LineKind.EXECUTABLE and organisation is not None:
        gov_code = government_economic_code(
            mof_div_code=document.mof_div_code,
            fiscal_year=document.fiscal_year,
            department_economic_code=line.dep_bgt_eco_code,
            agency_type=organisation.agency_type,
            field=f"lines[{line.row}].dep_bgt_eco_code",
            row=line.row,
        )
    sequence = next_number(
        mof_div_code=document.mof_div_code, fiscal_year=document.fiscal_year, series="indicator"
    )
    return IndicatorLine.objects.create(
        mof_div_code=document.mof_div_code,
        fiscal_year=document.fiscal_year,
        code=f"ZB{document.mof_div_code[:6]}{document.fiscal_year % 100:02d}{sequence:07d}",
        kind=line.line_kind,
        parent=parent,
        origin_document=document,
        summary=line.summary or document.title,
        gov_bgt_eco_code=gov_code,
        doc_no=document.doc_no or (parent.doc_no if parent else ""),
        doc_title=document.title if document.doc_no or parent is None else parent.doc_title,
        **{name: getattr(line, name) for name in ELEMENT_FIELDS},
    )


def _legs(document: IndicatorDocument, actor: Actor) -> list[Leg]:
    legs: list[Leg] = []
    kind = document.kind
    for line in document.lines.select_related("organisation", "source").order_by("row"):
        x = line.amount
        at_row, at_field = line.row, f"lines[{line.row}].amount"
        if kind == DocumentKind.ISSUE:
            created = _line_from_spec(document, line, None)
            line.created_line = created
            line.save(update_fields=["created_line"])
            legs.append(
                Leg(
                    created.pk,
                    MovementKind.ISSUE,
                    {"total": x, "available": x},
                    -x,
                    row=at_row,
                    field=at_field,
                )
            )
        elif kind == DocumentKind.ALLOCATE:
            assert line.source is not None
            created = _line_from_spec(document, line, line.source)
            line.created_line = created
            line.save(update_fields=["created_line"])
            legs.append(
                Leg(
                    line.source_id or 0,
                    MovementKind.ALLOCATE_OUT,
                    {"available": -x, "allocated": x},
                    rule="R-IN-2",
                    row=at_row,
                    field=at_field,
                )
            )
            legs.append(
                Leg(
                    created.pk,
                    MovementKind.ALLOCATE_IN,
                    {"total": x, "available": x},
                    row=at_row,
                    field=at_field,
                )
            )
        elif kind == DocumentKind.INCREASE:
            legs.append(
                Leg(
                    line.target_id or 0,
                    MovementKind.INCREASE,
                    {"total": x, "available": x},
                    -x,
                    row=at_row,
                    field=at_field,
                )
            )
        elif kind == DocumentKind.DECREASE:
            legs.append(
                Leg(
                    line.target_id or 0,
                    MovementKind.DECREASE,
                    {"total": -x, "available": -x},
                    x,
                    row=at_row,
                    field=at_field,
                )
            )
        elif kind == DocumentKind.HOLD:
            legs.append(
                Leg(
                    line.target_id or 0,
                    MovementKind.HOLD,
                    {"available": -x, "held": x},
                    row=at_row,
                    field=at_field,
                )
            )
        elif kind == DocumentKind.RELEASE:
            legs.append(
                Leg(
                    line.target_id or 0,
                    MovementKind.UNHOLD,
                    {"held": -x, "available": x},
                    row=at_row,
                    field=at_field,
                )
            )
        elif kind == DocumentKind.RECLAIM:
            assert line.source is not None
            legs.append(
                Leg(
                    line.source_id or 0,
                    MovementKind.RECLAIM,
                    {"total": -x, "available": -x},
                    0 if line.to_parent else x,
                    rule="R-IN-6",
                    row=at_row,
                    field=at_field,
                )
            )
            if line.to_parent:
                legs.append(
                    Leg(
                        line.source.parent_id or 0,
                        MovementKind.RECLAIM_IN,
                        {"allocated": -x, "available": x},
                        rule="R-IN-2",
                        row=at_row,
                        field=at_field,
                    )
                )
        elif kind == DocumentKind.ADJUST:
            legs.append(
                Leg(
                    line.source_id or 0,
                    MovementKind.ADJUST_OUT,
                    {"total": -x, "available": -x},
                    rule="R-AJ-4",
                    row=at_row,
                    field=at_field,
                )
            )
            target_id = line.target_id
            if target_id is None:
                created = _line_from_spec(document, line, line.source)
                line.created_line = created
                line.save(update_fields=["created_line"])
                target_id = created.pk
            legs.append(
                Leg(
                    target_id,
                    MovementKind.ADJUST_IN,
                    {"total": x, "available": x},
                    row=at_row,
                    field=at_field,
                )
            )
    return legs


def apply_document(*, actor: Actor, document: IndicatorDocument) -> None:
    """Post the document's legs as one posting and mark it effective (caller holds the lock)."""
    legs = _legs(document, actor)
    post(Posting(legs=legs, actor_id=actor.pk, document_id=document.pk, source_no=document.number))
    before = document.state
    document.state = DocumentState.POSTED
    document.posted_by_id = actor.pk
    document.posted_at = timezone.now()
    document.save(update_fields=["state", "posted_by", "posted_at", "updated_at"])
    audit_record(
        action="indicators.document_post",
        actor=actor,
        obj=document,
        changes={"state": [before, DocumentState.POSTED]},
        extra={
            "kind": document.kind,
            "legs": [
                {
                    "line": leg.line_id,
                    "kind": leg.kind,
                    **dict(leg.deltas),
                    "outside": leg.d_outside,
                }
                for leg in legs
            ],
        },
    )


def set_state(*, actor: Actor, document: IndicatorDocument, state: str, why: str) -> None:
    """Called by the adjustment workflow's hooks, inside their transaction."""
    if document.state == state:
        return
    before = document.state
    document.state = state
    document.save(update_fields=["state", "updated_at"])
    audit_record(
        action="indicators.document_state",
        actor=actor,
        obj=document,
        changes={"state": [before, state]},
        extra={"by": why},
    )
