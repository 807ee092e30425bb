"""Bootstrapping a region (财政区划): the region, its finance bureau and administration division.

This is the one write that has no actor yet (there is no user before it); it is audited as the
system. Everything after it goes through services with a signed-in administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.errors import ErrorDetail, raise_if_any
from yusuan.core.choices import DivisionType, OrganisationKind, RegionLevel
from yusuan.core.models import Organisation, Region


@dataclass(frozen=True)
class RegionBootstrap:
    region: Region
    bureau: Organisation
    administration: Organisation


def _region(mof_div_code: str, name: str, level: int, parent: Region | None) -> Region:
    region, created = Region.objects.get_or_create(
        mof_div_code=mof_div_code, defaults={"name": name, "level": level, "parent": parent}
    )
    if created:
        audit_record(
            action="core.region.create",
            actor=None,
            obj=region,
            changes={
                "mof_div_code": [None, mof_div_code],
                "name": [None, name],
                "level": [None, level],
            },
        )
    return region


def _organisation(**fields: object) -> Organisation:
    organisation = Organisation(**fields)
    organisation.save()
    organisation.path = (
        organisation.parent.path if organisation.parent else "/"
    ) + f"{organisation.pk}/"
    organisation.save(update_fields=["path"])
    audit_record(
        action="core.organisation.create",
        actor=None,
        obj=organisation,
        changes={
            "code": [None, organisation.code],
            "name": [None, organisation.name],
            "kind": [None, organisation.kind],
        },
    )
    return organisation


@transaction.atomic
def region_bootstrap(
    *,
    mof_div_code: str,
    name: str,
    level: int = RegionLevel.COUNTY,
    ancestors: tuple[tuple[str, str, int], ...] = (),
    bureau_name: str,
    bureau_code: str = "F00",
    bureau_credit_code: str = "",
) -> RegionBootstrap:
    """Create the region (with its ancestors), the finance bureau and its administration division."""
    if Organisation.objects.filter(
        mof_div_code=mof_div_code, kind=OrganisationKind.FINANCE_BUREAU
    ).exists():
        raise_if_any(
            [
                ErrorDetail(
                    code="core.region_exists",
                    field="mof_div_code",
                    value=mof_div_code,
                    message_zh=f"财政区划 {mof_div_code} 已初始化",
                    message_en=f"Region {mof_div_code} is already set up",
                )
            ]
        )
    parent: Region | None = None
    for code, ancestor_name, ancestor_level in ancestors:
        parent = _region(code, ancestor_name, ancestor_level, parent)
    region = _region(mof_div_code, name, level, parent)
    bureau = _organisation(
        mof_div_code=mof_div_code,
        code=bureau_code,
        name=bureau_name,
        kind=OrganisationKind.FINANCE_BUREAU,
        # R-PY-12: a higher government's 实拨 knows this bureau's treasury by its credit code.
        credit_code=bureau_credit_code,
    )
    administration = _organisation(
        mof_div_code=mof_div_code,
        code=f"{bureau_code}-110",
        name=f"{bureau_name}财政信息中心",
        kind=OrganisationKind.FINANCE_DIVISION,
        division_type=DivisionType.ADMINISTRATION,
        parent=bureau,
    )
    return RegionBootstrap(region, bureau, administration)
