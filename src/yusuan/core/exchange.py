"""Import and export of code sets and units from/to Excel and CSV (all-or-nothing imports)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import (
    BusinessRuleError,
    ErrorDetail,
    first_per_field,
    on_row,
    raise_if_any,
)
from yusuan.common.tabular import Column, read_table, write_table
from yusuan.core.choices import AgencyType, BudgetLevel, OrganisationKind
from yusuan.core.models import ClassificationCode, Organisation
from yusuan.core.services.classification import CodeRow, ImportResult, code_set_import
from yusuan.core.services.organisations import (
    OrganisationData,
    organisation_create,
    organisation_errors,
)

CODE_COLUMNS = (
    Column("kind", "代码集", "Code set"),
    Column("code", "编码", "Code"),
    Column("name", "名称", "Name"),
    Column("parent_code", "上级编码", "Parent code"),
    Column("is_enabled", "是否启用", "Enabled"),
)
UNIT_COLUMNS = (
    Column("code", "单位编码", "Code"),
    Column("name", "单位名称", "Name"),
    Column("kind", "类别", "Kind"),
    Column("parent_code", "上级单位编码", "Parent code"),
    Column("agency_type", "单位类型", "Unit type"),
    Column("budget_level", "预算级次", "Budget level"),
    Column("supervising_division_code", "业务主管处室编码", "Supervising division code"),
    Column("credit_code", "统一社会信用代码", "Credit code"),
)


def code_set_import_file(
    *, actor: Actor, mof_div_code: str, fiscal_year: int, data: bytes, filename: str
) -> ImportResult:
    table = read_table(data, filename, CODE_COLUMNS, required=("kind", "code", "name"))
    rows = [
        CodeRow(
            row=number,
            kind=values.get("kind", ""),
            code=values.get("code", ""),
            name=values.get("name", ""),
            parent_code=values.get("parent_code", ""),
            is_enabled=values.get("is_enabled", ""),
        )
        for number, values in table.rows
    ]
    return code_set_import(
        actor=actor, mof_div_code=mof_div_code, fiscal_year=fiscal_year, rows=rows
    )


def code_set_export(
    *, mof_div_code: str, fiscal_year: int, kind: str = "", file_format: str = "xlsx"
) -> bytes:
    codes = ClassificationCode.objects.filter(mof_div_code=mof_div_code, fiscal_year=fiscal_year)
    if kind:
        codes = codes.filter(kind=kind)
    rows = (
        (c.kind, c.code, c.name, c.parent_code, "是" if c.is_enabled else "否")
        for c in codes.order_by("kind", "code")
    )
    return write_table(CODE_COLUMNS, rows, file_format=file_format)


@dataclass(frozen=True)
class UnitImportResult:
    created: int


def _choice(
    value: str, choices: type[AgencyType] | type[OrganisationKind], field: str, row: int
) -> tuple[str, list[ErrorDetail]]:
    for member in choices:
        if value in (str(member.value), str(member.label), member.name.lower()):
            return str(member.value), []
    return "", [
        ErrorDetail(
            code="invalid_choice",
            field=field,
            row=row,
            value=value,
            limit=", ".join(f"{m.value}={m.label}" for m in choices),
            message_zh=f"第 {row} 行：{field} 的值“{value}”无效",
            message_en=f"Row {row}: '{value}' is not a valid {field}",
        )
    ]


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def units_import_file(
    *, actor: Actor, mof_div_code: str, data: bytes, filename: str
) -> UnitImportResult:
    """Create departments and units from a sheet, parents before children; nothing on any error."""
    ensure_permission(actor, "core.add_organisation")
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    table = read_table(
        data,
        filename,
        UNIT_COLUMNS,
        required=("code", "name", "kind", "agency_type", "budget_level"),
    )
    codes_in_file = {values.get("code", ""): number for number, values in table.rows}
    known = dict(Organisation.objects.filter(mof_div_code=mof_div_code).values_list("code", "pk"))
    errors: list[ErrorDetail] = []
    prepared: list[tuple[int, dict[str, str], OrganisationData]] = []
    for number, values in table.rows:
        kind, kind_errors = _choice(values.get("kind", ""), OrganisationKind, "kind", number)
        agency_type, type_errors = _choice(
            values.get("agency_type", ""), AgencyType, "agency_type", number
        )
        errors += kind_errors + type_errors
        if kind and kind not in (OrganisationKind.DEPARTMENT, OrganisationKind.UNIT):
            errors.append(
                ErrorDetail(
                    code="invalid_choice",
                    field="kind",
                    row=number,
                    value=kind,
                    limit="department, unit",
                    message_zh=f"第 {number} 行：只能导入部门或预算单位",
                    message_en=f"Row {number}: only departments and units can be imported",
                )
            )
        level_text = values.get("budget_level", "")
        level = (
            int(level_text)
            if level_text.isdigit() and int(level_text) in BudgetLevel.values
            else None
        )
        if level is None:
            errors.append(
                ErrorDetail(
                    code="invalid_choice",
                    field="budget_level",
                    row=number,
                    value=level_text,
                    limit="1, 2, 3",
                    message_zh=f"第 {number} 行：预算级次应为 1、2 或 3",
                    message_en=f"Row {number}: budget level must be 1, 2 or 3",
                )
            )
        parent_code = values.get("parent_code", "")
        if parent_code and parent_code not in known and parent_code not in codes_in_file:
            errors.append(
                ErrorDetail(
                    code="core.parent_unknown",
                    field="parent_code",
                    row=number,
                    value=parent_code,
                    message_zh=f"第 {number} 行：上级单位编码“{parent_code}”不存在",
                    message_en=f"Row {number}: parent '{parent_code}' not found",
                )
            )
        division_code = values.get("supervising_division_code", "")
        division_id = known.get(division_code) if division_code else None
        if division_code and division_id is None:
            errors.append(
                ErrorDetail(
                    code="core.supervisor_unknown",
                    field="supervising_division_code",
                    row=number,
                    value=division_code,
                    message_zh=f"第 {number} 行：业务主管处室“{division_code}”不存在",
                    message_en=f"Row {number}: division '{division_code}' not found",
                )
            )
        data_row = OrganisationData(
            code=values.get("code", ""),
            name=values.get("name", ""),
            kind=kind or OrganisationKind.UNIT,
            agency_type=agency_type,
            budget_level=level,
            supervising_division_id=division_id,
            credit_code=values.get("credit_code", ""),
        )
        # Row-level checks that need no parent id (the parent may be earlier in this file).
        errors += [
            e
            for e in organisation_errors(
                mof_div_code=mof_div_code, data=data_row, instance=None, row=number
            )
            if e.field not in {"parent", "supervising_division"}
        ]
        prepared.append((number, values, data_row))
    first_row: dict[str, int] = {}
    duplicates = []
    for number, values in table.rows:
        code = values.get("code", "")
        if code in first_row:
            duplicates.append(number)
        first_row.setdefault(code, number)
    for number in duplicates:
        errors.append(
            ErrorDetail(
                code="core.code_duplicate_in_file",
                field="code",
                row=number,
                message_zh=f"第 {number} 行：单位编码在文件中重复",
                message_en=f"Row {number}: code repeats in the file",
            )
        )
    raise_if_any(first_per_field(on_row(e, e.row) if e.row else e for e in errors))
    created = 0
    pending = list(prepared)
    while pending:
        progressed = False
        for item in list(pending):
            number, values, data_row = item
            parent_code = values.get("parent_code", "")
            if parent_code and parent_code not in known:
                continue
            data_row = OrganisationData(
                **{
                    **data_row.__dict__,
                    "parent_id": known.get(parent_code) if parent_code else None,
                }
            )
            try:
                organisation = organisation_create(
                    actor=actor, mof_div_code=mof_div_code, data=data_row
                )
            except BusinessRuleError as exc:
                raise BusinessRuleError(
                    [ErrorDetail(**{**e.__dict__, "row": number}) for e in exc.errors]
                ) from exc
            known[organisation.code] = organisation.pk
            pending.remove(item)
            created += 1
            progressed = True
        if not progressed:
            raise BusinessRuleError(
                [
                    ErrorDetail(
                        code="core.parent_cycle",
                        field="parent_code",
                        row=n,
                        value=v.get("parent_code"),
                        message_zh=f"第 {n} 行：上级关系成环",
                        message_en=f"Row {n}: parent chain forms a cycle",
                    )
                    for n, v, _ in pending
                ]
            )
    audit_record(
        action="core.units.import",
        actor=actor,
        object_type="core.organisation",
        object_id="import",
        object_repr=filename[:200],
        mof_div_code=mof_div_code,
        extra={"created": created},
    )
    return UnitImportResult(created)


def units_export(*, actor: Actor, file_format: str = "xlsx") -> bytes:
    organisations = (
        Organisation.objects.visible_to(actor)
        .agencies()
        .select_related("parent", "supervising_division")
    )
    rows = (
        (
            o.code,
            o.name,
            o.kind,
            o.parent.code if o.parent else "",
            o.agency_type,
            o.budget_level,
            o.supervising_division.code if o.supervising_division else "",
            o.credit_code,
        )
        for o in organisations.order_by("code")
    )
    return write_table(UNIT_COLUMNS, rows, file_format=file_format)
