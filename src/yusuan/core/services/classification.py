"""Classification code sets per fiscal year: edit, import (all-or-nothing), copy to a new year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import ErrorDetail, on_row, raise_if_any
from yusuan.core import locks, rules
from yusuan.core.choices import CodeKind
from yusuan.core.models import ClassificationCode, EconomicMapping, FiscalYear

TRUE_WORDS = frozenset({"", "1", "true", "yes", "y", "是", "启用", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "否", "停用", "f"})


@dataclass(frozen=True)
class CodeRow:
    """One row of a code-set file; ``row`` is the line number the clerk sees in Excel."""

    row: int
    kind: str
    code: str
    name: str
    parent_code: str = ""
    is_enabled: str = ""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _row_errors(
    row: CodeRow, *, seen: dict[tuple[str, str], int], available: set[tuple[str, str]]
) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    if row.kind not in CodeKind.values:
        errors.append(
            ErrorDetail(
                code="core.code_kind_unknown",
                field="kind",
                row=row.row,
                value=row.kind,
                limit=", ".join(CodeKind.values),
                message_zh=f"第 {row.row} 行：代码集“{row.kind}”不存在",
                message_en=f"Row {row.row}: unknown code set '{row.kind}'",
            )
        )
        return errors
    if not row.code:
        errors.append(
            ErrorDetail(
                code="required",
                field="code",
                row=row.row,
                message_zh=f"第 {row.row} 行：编码不能为空",
                message_en=f"Row {row.row}: code is required",
            )
        )
        return errors
    errors += rules.check_code_shape(kind=row.kind, code=row.code, field="code", row=row.row)
    if not row.name.strip():
        errors.append(
            ErrorDetail(
                code="required",
                field="name",
                row=row.row,
                value=row.code,
                message_zh=f"第 {row.row} 行：编码 {row.code} 的名称不能为空",
                message_en=f"Row {row.row}: name of code {row.code} is required",
            )
        )
    key = (row.kind, row.code)
    if key in seen:
        errors.append(
            ErrorDetail(
                code="core.code_duplicate_in_file",
                field="code",
                row=row.row,
                value=row.code,
                limit=seen[key],
                message_zh=f"第 {row.row} 行：编码 {row.code} 与第 {seen[key]} 行重复",
                message_en=f"Row {row.row}: code {row.code} repeats row {seen[key]}",
            )
        )
    enabled = row.is_enabled.strip().lower()
    if enabled not in TRUE_WORDS and enabled not in FALSE_WORDS:
        errors.append(
            ErrorDetail(
                code="core.invalid_flag",
                field="is_enabled",
                row=row.row,
                value=row.is_enabled,
                limit="是/否",
                message_zh=f"第 {row.row} 行：是否启用应填“是”或“否”",
                message_en=f"Row {row.row}: enabled must be yes or no",
            )
        )
    expected_parent = rules.parent_code(row.kind, row.code)
    if row.parent_code and expected_parent and row.parent_code != expected_parent:
        errors.append(
            ErrorDetail(
                code="core.parent_code_mismatch",
                field="parent_code",
                row=row.row,
                value=row.parent_code,
                limit=expected_parent,
                message_zh=f"第 {row.row} 行：编码 {row.code} 的上级应为 {expected_parent}",
                message_en=f"Row {row.row}: parent of {row.code} must be {expected_parent}",
            )
        )
    parent = row.parent_code or expected_parent
    if parent and (row.kind, parent) not in available:
        errors.append(
            ErrorDetail(
                code="core.parent_code_missing",
                field="parent_code",
                row=row.row,
                value=parent,
                message_zh=f"第 {row.row} 行：上级编码 {parent} 不存在（文件和代码集中均未找到）",
                message_en=f"Row {row.row}: parent code {parent} exists neither in the file nor the code set",
            )
        )
    return errors


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def code_set_import(
    *, actor: Actor, mof_div_code: str, fiscal_year: int, rows: Sequence[CodeRow]
) -> ImportResult:
    """Create or update codes; every bad row is reported at once and nothing is imported."""
    ensure_permission(actor, "core.add_classificationcode")
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    _ensure_year_open(mof_div_code=mof_div_code, fiscal_year=fiscal_year)
    existing = {
        (c.kind, c.code): c
        for c in locks.classification_code_qs_select_for_update().filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year
        )
    }
    available = set(existing) | {(r.kind, r.code) for r in rows}
    seen: dict[tuple[str, str], int] = {}
    errors: list[ErrorDetail] = []
    for row in rows:
        errors += [on_row(e, row.row) for e in _row_errors(row, seen=seen, available=available)]
        seen.setdefault((row.kind, row.code), row.row)
    if not rows:
        errors.append(
            ErrorDetail(
                code="core.import_empty",
                message_zh="文件中没有数据行",
                message_en="The file has no data rows",
            )
        )
    raise_if_any(errors)
    created = updated = unchanged = 0
    to_create: list[ClassificationCode] = []
    for row in rows:
        is_enabled = row.is_enabled.strip().lower() not in FALSE_WORDS
        parent = row.parent_code or rules.parent_code(row.kind, row.code)
        level = rules.code_level(row.kind, row.code) or 1
        current = existing.get((row.kind, row.code))
        if current is None:
            to_create.append(
                ClassificationCode(
                    mof_div_code=mof_div_code,
                    fiscal_year=fiscal_year,
                    kind=row.kind,
                    code=row.code,
                    name=row.name.strip(),
                    parent_code=parent,
                    level=level,
                    is_enabled=is_enabled,
                )
            )
            created += 1
        elif (current.name, current.is_enabled, current.parent_code) != (
            row.name.strip(),
            is_enabled,
            parent,
        ):
            ClassificationCode.objects.filter(pk=current.pk).update(
                name=row.name.strip(), is_enabled=is_enabled, parent_code=parent, level=level
            )
            updated += 1
        else:
            unchanged += 1
    ClassificationCode.objects.bulk_create(to_create, batch_size=500)
    audit_record(
        action="core.code_set.import",
        actor=actor,
        object_type="core.codeset",
        object_id=f"{mof_div_code}/{fiscal_year}",
        object_repr=f"{fiscal_year} 代码集导入",
        mof_div_code=mof_div_code,
        fiscal_year=fiscal_year,
        extra={"rows": len(rows), "created": created, "updated": updated, "unchanged": unchanged},
    )
    return ImportResult(created, updated, unchanged)


def _ensure_year_open(*, mof_div_code: str, fiscal_year: int) -> None:
    year = FiscalYear.objects.filter(mof_div_code=mof_div_code, year=fiscal_year).first()
    if year is None or not year.is_open:
        # R-MD-4: codes of a past (closed) year are frozen.
        raise_if_any(
            [
                ErrorDetail(
                    code="core.fiscal_year_closed",
                    rule="R-MD-4",
                    field="fiscal_year",
                    value=fiscal_year,
                    message_zh=f"{fiscal_year} 年度不存在或已关闭，代码集已冻结",
                    message_en=f"Fiscal year {fiscal_year} is missing or closed; its codes are frozen",
                )
            ]
        )


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def code_update(
    *, actor: Actor, code: ClassificationCode, name: str, is_enabled: bool
) -> ClassificationCode:
    ensure_permission(actor, "core.change_classificationcode")
    ensure_in_scope(actor, mof_div_code=code.mof_div_code, organisation_id=None)
    _ensure_year_open(mof_div_code=code.mof_div_code, fiscal_year=code.fiscal_year)
    instance = locks.classification_code_qs_select_for_update().get(pk=code.pk)
    if not name.strip():
        raise_if_any(
            [
                ErrorDetail(
                    code="required",
                    field="name",
                    message_zh="名称不能为空",
                    message_en="Name is required",
                )
            ]
        )
    changes: dict[str, list[object]] = {}
    if instance.name != name.strip():
        changes["name"] = [instance.name, name.strip()]
    if instance.is_enabled != is_enabled:
        changes["is_enabled"] = [instance.is_enabled, is_enabled]
    instance.name = name.strip()
    instance.is_enabled = is_enabled
    instance.save(update_fields=["name", "is_enabled", "updated_at"])
    if changes:
        audit_record(action="core.code.update", actor=actor, obj=instance, changes=changes)
    return instance


def copy_codes(*, mof_div_code: str, from_year: int, to_year: int) -> tuple[int, int]:
    """Copy codes and mappings a year does not have yet; returns (codes, mappings) copied."""
    have = set(
        ClassificationCode.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=to_year
        ).values_list("kind", "code")
    )
    copies = [
        ClassificationCode(
            mof_div_code=mof_div_code,
            fiscal_year=to_year,
            kind=c.kind,
            code=c.code,
            name=c.name,
            level=c.level,
            parent_code=c.parent_code,
            is_enabled=c.is_enabled,
            note=c.note,
        )
        for c in ClassificationCode.objects.filter(mof_div_code=mof_div_code, fiscal_year=from_year)
        if (c.kind, c.code) not in have
    ]
    ClassificationCode.objects.bulk_create(copies, batch_size=500)
    mapped = set(
        EconomicMapping.objects.filter(mof_div_code=mof_div_code, fiscal_year=to_year).values_list(
            "department_economic_code", "group"
        )
    )
    mappings = [
        EconomicMapping(
            mof_div_code=mof_div_code,
            fiscal_year=to_year,
            group=m.group,
            department_economic_code=m.department_economic_code,
            government_economic_code=m.government_economic_code,
        )
        for m in EconomicMapping.objects.filter(mof_div_code=mof_div_code, fiscal_year=from_year)
        if (m.department_economic_code, m.group) not in mapped
    ]
    EconomicMapping.objects.bulk_create(mappings, batch_size=500)
    return len(copies), len(mappings)


@transaction.atomic(durable=True)
def code_set_copy_year(*, actor: Actor, mof_div_code: str, from_year: int, to_year: int) -> int:
    """Start a new year's code set from the previous one (R-MD-4); existing codes are kept."""
    ensure_permission(actor, "core.add_classificationcode")
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    _ensure_year_open(mof_div_code=mof_div_code, fiscal_year=to_year)
    codes, mappings = copy_codes(mof_div_code=mof_div_code, from_year=from_year, to_year=to_year)
    audit_record(
        action="core.code_set.copy_year",
        actor=actor,
        object_type="core.codeset",
        object_id=f"{mof_div_code}/{to_year}",
        object_repr=f"{from_year} → {to_year}",
        mof_div_code=mof_div_code,
        fiscal_year=to_year,
        extra={"from_year": from_year, "codes": codes, "mappings": mappings},
    )
    return codes
