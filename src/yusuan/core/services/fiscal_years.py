"""Opening and closing a region's fiscal year, with its code set."""

from __future__ import annotations

import csv
from importlib import resources

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import ErrorDetail, raise_if_any
from yusuan.common.events import SourceDocument
from yusuan.core import rules
from yusuan.core.choices import FiscalYearStatus
from yusuan.core.events import YEAR_OPENED, YearOpened
from yusuan.core.models import ClassificationCode, EconomicMapping, FiscalYear
from yusuan.core.services.classification import copy_codes
from yusuan.core.services.standards import standards_seed


def _default_rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("yusuan.core.data").joinpath(filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def code_set_load_default(*, mof_div_code: str, fiscal_year: int) -> int:
    """The real codes of DOMAIN §5 (《政府收支分类科目》 sample) as a year's starting code set."""
    codes = [
        ClassificationCode(
            mof_div_code=mof_div_code,
            fiscal_year=fiscal_year,
            kind=row["kind"],
            code=row["code"],
            name=row["name"],
            level=rules.code_level(row["kind"], row["code"]) or 1,
            parent_code=rules.parent_code(row["kind"], row["code"]),
        )
        for row in _default_rows("default_codes.csv")
    ]
    ClassificationCode.objects.bulk_create(codes, batch_size=500)
    EconomicMapping.objects.bulk_create(
        [
            EconomicMapping(mof_div_code=mof_div_code, fiscal_year=fiscal_year, **row)
            for row in _default_rows("default_economic_mapping.csv")
        ],
        batch_size=500,
    )
    return len(codes)


@transaction.atomic
def fiscal_year_open(*, actor: Actor, mof_div_code: str, year: int) -> FiscalYear:
    """Open a year; its code set starts as a copy of the previous year's, else the default set,
    and so do its standards (ADR 0039: last year's latest values, else the registry's)."""
    ensure_permission(actor, "core.add_fiscalyear")
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    if FiscalYear.objects.filter(mof_div_code=mof_div_code, year=year).exists():
        raise_if_any(
            [
                ErrorDetail(
                    code="core.fiscal_year_exists",
                    field="year",
                    value=year,
                    message_zh=f"{year} 年度已存在",
                    message_en=f"Fiscal year {year} already exists",
                )
            ]
        )
    fiscal_year = FiscalYear(mof_div_code=mof_div_code, year=year)
    fiscal_year.save()
    if ClassificationCode.objects.filter(mof_div_code=mof_div_code, fiscal_year=year - 1).exists():
        source = f"copy of {year - 1}"
        count, _ = copy_codes(mof_div_code=mof_div_code, from_year=year - 1, to_year=year)
    else:
        source = "default code set"
        count = code_set_load_default(mof_div_code=mof_div_code, fiscal_year=year)
    standards = standards_seed(actor=actor, mof_div_code=mof_div_code, fiscal_year=year)
    # Higher apps copy what they keep per year (ADR 0052: the 集中采购目录), in this transaction.
    YEAR_OPENED.publish(
        YearOpened(
            event_id=f"core.fiscalyear:{fiscal_year.pk}:open",
            mof_div_code=mof_div_code,
            fiscal_year=year,
            business_date=timezone.localdate(),
            source=SourceDocument("core.fiscalyear", fiscal_year.pk, str(year)),
            actor_id=actor.pk,
        )
    )
    audit_record(
        action="core.fiscal_year.open",
        actor=actor,
        obj=fiscal_year,
        fiscal_year=year,
        changes={"status": [None, FiscalYearStatus.OPEN]},
        extra={"codes": count, "source": source, "standards": standards},
    )
    return fiscal_year


@transaction.atomic
def fiscal_year_close(*, actor: Actor, fiscal_year: FiscalYear) -> FiscalYear:
    ensure_permission(actor, "core.change_fiscalyear")
    ensure_in_scope(actor, mof_div_code=fiscal_year.mof_div_code, organisation_id=None)
    updated = FiscalYear.objects.filter(pk=fiscal_year.pk, status=FiscalYearStatus.OPEN).update(
        status=FiscalYearStatus.CLOSED, closed_at=timezone.now()
    )
    if updated == 0:
        raise_if_any(
            [
                ErrorDetail(
                    code="core.fiscal_year_closed",
                    rule="R-MD-4",
                    field="status",
                    value=fiscal_year.year,
                    message_zh=f"{fiscal_year.year} 年度已关闭",
                    message_en=f"Fiscal year {fiscal_year.year} is already closed",
                )
            ]
        )
    fiscal_year.refresh_from_db()
    audit_record(
        action="core.fiscal_year.close",
        actor=actor,
        obj=fiscal_year,
        fiscal_year=fiscal_year.year,
        changes={"status": [FiscalYearStatus.OPEN, FiscalYearStatus.CLOSED]},
    )
    return fiscal_year
