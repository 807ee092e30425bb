"""Organisations (finance divisions, departments, budget units, banks, audit offices)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import transaction

from yusuan.audit.services import audit_record, diff, snapshot
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import ErrorDetail, raise_if_any
from yusuan.core import locks, rules
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation, Region

AUDITED_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "parent",
    "state",
    "is_enabled",
    "credit_code",
    "division_type",
    "agency_type",
    "budget_level",
    "supervising_division",
    "accounting_system",
)


@dataclass(frozen=True)
class OrganisationData:
    code: str
    name: str
    kind: str
    parent_id: int | None = None
    short_name: str = ""
    credit_code: str = ""
    division_type: str = ""
    agency_type: str = ""
    budget_level: int | None = None
    supervising_division_id: int | None = None
    accounting_system: str = "政府会计制度"
    is_enabled: bool = True


def organisation_errors(
    *,
    mof_div_code: str,
    data: OrganisationData,
    instance: Organisation | None,
    row: int | None = None,
) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    if not data.code or not data.code.replace("-", "").isalnum():
        errors.append(
            ErrorDetail(
                code="core.invalid_code",
                field="code",
                row=row,
                value=data.code,
                rule="R-MD-1",
                message_zh="编码只能由字母和数字组成且不能为空",
                message_en="Code is required and may contain letters and digits only",
            )
        )
    if not data.name.strip():
        errors.append(_required("name", "名称", "name", row))
    clash = Organisation.objects.filter(mof_div_code=mof_div_code, code=data.code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if data.code and clash.exists():
        errors.append(
            ErrorDetail(
                code="core.duplicate_code",
                field="code",
                row=row,
                value=data.code,
                rule="R-MD-1",
                message_zh=f"编码“{data.code}”已被使用（年度内编码不得重复使用）",
                message_en=f"Code '{data.code}' is already in use in this region",
            )
        )
    if data.credit_code:
        errors.extend(rules.check_credit_code(data.credit_code, row=row))
    is_agency = data.kind in (OrganisationKind.DEPARTMENT, OrganisationKind.UNIT)
    if is_agency and not data.agency_type:
        errors.append(_required("agency_type", "单位类型", "unit type", row))
    if is_agency and data.budget_level is None:
        errors.append(_required("budget_level", "预算级次", "budget level", row))
    if data.kind == OrganisationKind.FINANCE_DIVISION and not data.division_type:
        errors.append(_required("division_type", "处室类型", "division type", row))
    parent = None
    if data.parent_id is not None:
        parent = Organisation.objects.filter(pk=data.parent_id, mof_div_code=mof_div_code).first()
        if parent is None:
            errors.append(
                ErrorDetail(
                    code="core.parent_unknown",
                    field="parent",
                    row=row,
                    value=data.parent_id,
                    message_zh="上级单位不存在或不属于本区划",
                    message_en="Parent not found in this region",
                )
            )
        elif instance is not None and parent.path.startswith(instance.path):
            errors.append(
                ErrorDetail(
                    code="core.parent_cycle",
                    field="parent",
                    row=row,
                    value=parent.code,
                    message_zh="上级单位不能是本单位或其下级",
                    message_en="Parent cannot be itself or a descendant",
                )
            )
    if data.kind == OrganisationKind.UNIT and parent is None and not errors:
        errors.append(_required("parent", "上级单位（主管部门）", "parent department", row))
    if data.kind == OrganisationKind.UNIT and parent is not None and not parent.is_agency:
        errors.append(
            ErrorDetail(
                code="core.parent_not_agency",
                field="parent",
                row=row,
                value=parent.code,
                message_zh="预算单位的上级须为部门或预算单位",
                message_en="A budget unit's parent must be an agency",
            )
        )
    if data.supervising_division_id is not None:
        ok = Organisation.objects.filter(
            pk=data.supervising_division_id,
            mof_div_code=mof_div_code,
            kind=OrganisationKind.FINANCE_DIVISION,
        ).exists()
        if not ok:
            errors.append(
                ErrorDetail(
                    code="core.supervisor_unknown",
                    field="supervising_division",
                    row=row,
                    value=data.supervising_division_id,
                    message_zh="业务主管处室须为本区划财政部门的处室",
                    message_en="Supervising division must be a finance division of this region",
                )
            )
    return errors


def _required(field: str, zh: str, en: str, row: int | None) -> ErrorDetail:
    return ErrorDetail(
        code="required",
        field=field,
        row=row,
        message_zh=f"{zh}不能为空",
        message_en=f"{en} is required",
    )


def _apply(instance: Organisation, data: OrganisationData) -> None:
    values = asdict(data)
    for name, value in values.items():
        setattr(instance, name, value)
    if instance.kind != OrganisationKind.FINANCE_DIVISION:
        instance.division_type = ""
    if not instance.is_agency:
        instance.agency_type = ""
        instance.budget_level = None
        instance.supervising_division_id = None


def _set_path(instance: Organisation) -> str:
    parent_path = instance.parent.path if instance.parent_id and instance.parent else "/"
    return f"{parent_path}{instance.pk}/"


@transaction.atomic
def organisation_create(*, actor: Actor, mof_div_code: str, data: OrganisationData) -> Organisation:
    ensure_permission(actor, "core.add_organisation")
    # Under a parent in one's scope; top-level organisations only by region-wide roles.
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=data.parent_id)
    if not Region.objects.filter(mof_div_code=mof_div_code).exists():
        raise_if_any(
            [
                ErrorDetail(
                    code="core.region_unknown",
                    field="mof_div_code",
                    value=mof_div_code,
                    message_zh="财政区划不存在",
                    message_en="Unknown region",
                )
            ]
        )
    raise_if_any(organisation_errors(mof_div_code=mof_div_code, data=data, instance=None))
    instance = Organisation(mof_div_code=mof_div_code)
    _apply(instance, data)
    instance.save()
    instance.path = _set_path(instance)
    instance.save(update_fields=["path"])
    audit_record(
        action="core.organisation.create",
        actor=actor,
        obj=instance,
        changes={k: [None, v] for k, v in snapshot(instance, AUDITED_FIELDS).items()},
    )
    return instance


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def organisation_update(
    *, actor: Actor, organisation: Organisation, data: OrganisationData
) -> Organisation:
    ensure_permission(actor, "core.change_organisation")
    ensure_in_scope(actor, mof_div_code=organisation.mof_div_code, organisation_id=organisation.pk)
    # Lock the row so two editors cannot interleave their before/after snapshots.
    instance = locks.organisation_qs_select_for_update().get(pk=organisation.pk)
    if data.parent_id is not None and data.parent_id != instance.parent_id:
        ensure_in_scope(actor, mof_div_code=instance.mof_div_code, organisation_id=data.parent_id)
    raise_if_any(
        organisation_errors(mof_div_code=instance.mof_div_code, data=data, instance=instance)
    )
    before = snapshot(instance, AUDITED_FIELDS)
    old_path = instance.path
    _apply(instance, data)
    instance.path = _set_path(instance)
    instance.save()
    if instance.path != old_path:
        _move_subtree(old_path, instance.path)
    changes = diff(before, snapshot(instance, AUDITED_FIELDS))
    if changes:
        audit_record(action="core.organisation.update", actor=actor, obj=instance, changes=changes)
    return instance


def _move_subtree(old_path: str, new_path: str) -> None:
    for child in Organisation.objects.filter(path__startswith=old_path).exclude(path=old_path):
        Organisation.objects.filter(pk=child.pk).update(path=new_path + child.path[len(old_path) :])
