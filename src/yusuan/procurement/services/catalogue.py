"""集中采购目录 (R-GP-11, DOMAIN-2 §6.1, ADR 0052): the finance procurement division keeps, per
region and year, which 品目 are bought centrally and how. Each change is one transaction with
its audit record (the catalogue's history); the thresholds beside it are standards (ADR 0039)."""

from __future__ import annotations

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import ErrorDetail, NotFoundError, raise_if_any
from yusuan.core.choices import CodeKind
from yusuan.core.events import YearOpened
from yusuan.core.models import ClassificationCode
from yusuan.procurement import selectors
from yusuan.procurement.choices import CATALOGUE_FORMS
from yusuan.procurement.errors import procurement_error, unknown_pur_item
from yusuan.procurement.models import CatalogueItem

RULE = "R-GP-11"


def _error(field: str, code: str, zh: str, en: str, value: object = None) -> ErrorDetail:
    return procurement_error(RULE, field, code, zh, en, value)


@transaction.atomic
def catalogue_item_set(
    *,
    actor: Actor,
    mof_div_code: str,
    fiscal_year: int,
    pur_item_code: str,
    org_form: str,
    note: str = "",
) -> CatalogueItem:
    """Put a 品目 (and the 品目 under it) in the year's catalogue, or change its form."""
    ensure_permission(actor, "procurement.change_catalogueitem")
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    code = pur_item_code.strip().upper()
    errors: list[ErrorDetail] = []
    if not selectors.pur_item_known(mof_div_code=mof_div_code, fiscal_year=fiscal_year, code=code):
        errors.append(unknown_pur_item(RULE, code, fiscal_year))
    if org_form not in CATALOGUE_FORMS:
        errors.append(
            _error(
                "org_form",
                "catalogue_form",
                "集中采购目录只列集中采购机构采购或部门集中采购",
                "the catalogue lists central-agency or department-centralised purchases only",
                org_form,
            )
        )
    raise_if_any(errors)
    item = CatalogueItem.objects.filter(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year, pur_item_code=code
    ).first()
    before = None if item is None else item.org_form
    if item is None:
        item = CatalogueItem.objects.create(
            mof_div_code=mof_div_code,
            fiscal_year=fiscal_year,
            pur_item_code=code,
            org_form=org_form,
            note=note.strip()[:200],
        )
    else:
        item.org_form = org_form
        item.note = note.strip()[:200]
        item.save(update_fields=["org_form", "note", "updated_at"])
    audit_record(
        action="procurement.catalogue_set",
        actor=actor,
        obj=item,
        changes={"org_form": [before, org_form]},
    )
    return item


@transaction.atomic
def catalogue_item_remove(*, actor: Actor, item_id: int) -> None:
    """Take a 品目 out of the year's catalogue (the audit record keeps what it was)."""
    ensure_permission(actor, "procurement.change_catalogueitem")
    item = CatalogueItem.objects.visible_to(actor).filter(pk=item_id).first()
    if item is None:
        raise NotFoundError("catalogue item")
    audit_record(
        action="procurement.catalogue_remove",
        actor=actor,
        obj=item,
        changes={"org_form": [item.org_form, None]},
    )
    item.delete()


def catalogue_copy_on_year_opened(event: YearOpened) -> None:
    """ADR 0052: a year opens with the previous year's 集中采购目录 (the finance procurement
    division then edits it), in the transaction that opens it — entries whose 品目 the new
    year's code set still has enabled; one audit record names how many were copied and skipped."""
    previous = list(
        CatalogueItem.objects.filter(
            mof_div_code=event.mof_div_code, fiscal_year=event.fiscal_year - 1
        ).order_by("pur_item_code")
    )
    if not previous:
        return
    known = set(
        ClassificationCode.objects.filter(
            mof_div_code=event.mof_div_code,
            fiscal_year=event.fiscal_year,
            kind=CodeKind.PUR_ITEM,
            is_enabled=True,
            code__in=[item.pur_item_code for item in previous],
        ).values_list("code", flat=True)
    )
    kept = [item for item in previous if item.pur_item_code in known]
    CatalogueItem.objects.bulk_create(
        [
            CatalogueItem(
                mof_div_code=item.mof_div_code,
                fiscal_year=event.fiscal_year,
                pur_item_code=item.pur_item_code,
                org_form=item.org_form,
                note=item.note,
            )
            for item in kept
        ],
        ignore_conflicts=True,  # a year's entries set before the opening stay as they are
    )
    audit_record(
        action="procurement.catalogue_copy",
        actor=None,
        object_type="core.fiscalyear",
        object_id=str(event.source.id),
        object_repr=str(event.fiscal_year),
        mof_div_code=event.mof_div_code,
        fiscal_year=event.fiscal_year,
        extra={
            "from": event.fiscal_year - 1,
            "copied": [item.pur_item_code for item in kept],
            "skipped": [item.pur_item_code for item in previous if item not in kept],
            "by": event.actor_id,
        },
    )
