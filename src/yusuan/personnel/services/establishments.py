"""编制 per unit and year (R-PS-2): entered by finance from the establishment office's (编办)
approval documents; the actual staff are computed from the people, never typed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from yusuan.audit.services import audit_record, diff, snapshot
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.core.choices import CodeKind
from yusuan.core.selectors import acting_organisation
from yusuan.core.validation import ElementValue, element_errors
from yusuan.personnel.models import Establishment

FIELDS = (
    "administrative",
    "institution",
    "worker",
    "leader_posts",
    "vehicles",
    "functional_code",
    "document_no",
)
MAX_POSTS = 100_000


@dataclass(frozen=True)
class EstablishmentInput:
    organisation_id: int
    fiscal_year: int
    administrative: int
    institution: int
    worker: int
    leader_posts: int
    document_no: str
    vehicles: int = 0  # 公务用车编制 (R-PJ-5: 公用经费 per vehicle)
    functional_code: str = ""  # the unit's function line for basic expenditure (DOMAIN §3.11)


def _errors(data: EstablishmentInput, mof_div_code: str) -> list[ErrorDetail]:
    errors = []
    for name in ("administrative", "institution", "worker", "leader_posts", "vehicles"):
        value = getattr(data, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_POSTS:
            errors.append(
                ErrorDetail(
                    code="personnel.posts_invalid",
                    rule="R-PS-2",
                    field=name,
                    value=value,
                    limit=f"0–{MAX_POSTS:,}",
                    message_zh=f"编制数须为 0 至 {MAX_POSTS:,} 的整数",
                    message_en=f"a headcount is a whole number from 0 to {MAX_POSTS:,}",
                )
            )
    if not data.document_no.strip():
        errors.append(
            ErrorDetail(
                code="personnel.establishment_document_required",
                rule="R-PS-2",
                field="document_no",
                message_zh="请填写编办核定编制的文号",
                message_en="give the establishment office's document number",
            )
        )
    if data.leader_posts > data.administrative + data.institution + data.worker:
        errors.append(
            ErrorDetail(
                code="personnel.leader_posts_above_establishment",
                rule="R-PS-2",
                field="leader_posts",
                value=data.leader_posts,
                limit=data.administrative + data.institution + data.worker,
                message_zh="领导职数不能超过核定编制总数",
                message_en="leader posts cannot exceed the approved headcount",
            )
        )
    if data.functional_code.strip():
        errors += element_errors(
            mof_div_code=mof_div_code,
            fiscal_year=data.fiscal_year,
            elements=[
                ElementValue("functional_code", CodeKind.FUNCTIONAL, data.functional_code.strip())
            ],
        )
    return errors


@transaction.atomic
def establishment_set(*, actor: Actor, data: EstablishmentInput) -> Establishment:
    """Record (or correct) a unit's approved 编制 for a year, with its audit record."""
    ensure_permission(actor, "personnel.change_establishment")
    organisation = acting_organisation(actor=actor, organisation_id=data.organisation_id)
    if not organisation.is_agency:
        raise BusinessRuleError.single(
            code="personnel.establishment_of_agency",
            rule="R-PS-2",
            field="organisation_id",
            value=organisation.name,
            message_zh="编制核定到预算单位或主管部门",
            message_en="establishments are approved for departments and units",
        )
    raise_if_any(_errors(data, organisation.mof_div_code))
    record = Establishment.objects.filter(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=data.fiscal_year,
        organisation=organisation,
    ).first()
    before = snapshot(record, FIELDS) if record else {}
    if record is None:
        record = Establishment(
            mof_div_code=organisation.mof_div_code,
            fiscal_year=data.fiscal_year,
            organisation=organisation,
            created_by_id=actor.pk,
        )
    for name in FIELDS:
        value = getattr(data, name)
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    record.save()
    audit_record(
        action="personnel.establishment.set",
        actor=actor,
        obj=record,
        changes=diff(before, snapshot(record, FIELDS)),
    )
    return record
