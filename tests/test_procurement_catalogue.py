"""集中采购目录 and 限额标准 (R-GP-11, ADR 0052): which purchases are government procurement —
the catalogue's 品目 (an entry covers the 品目 under it, the longest entry decides) and anything
at or above the limit of its category; the finance procurement division keeps the catalogue."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

import pytest

from yusuan.audit.models import AuditRecord
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.errors import BusinessRuleError
from yusuan.procurement import selectors
from yusuan.procurement.choices import OrgForm
from yusuan.procurement.models import CatalogueItem
from yusuan.procurement.rules import Limits, catalogue_form, procurement_scope
from yusuan.procurement.services import catalogue_item_remove, catalogue_item_set

LIMITS = Limits(goods_services=100_000_000, works=200_000_000)


def test_the_longest_catalogue_entry_decides() -> None:
    catalogue = {"A02": OrgForm.CENTRAL, "A0201": OrgForm.DEPARTMENT}
    assert catalogue_form(catalogue, "A02010104") == OrgForm.DEPARTMENT
    assert catalogue_form(catalogue, "A0202") == OrgForm.CENTRAL
    assert catalogue_form(catalogue, "A02") == OrgForm.CENTRAL
    assert catalogue_form(catalogue, "B08") is None


def test_r_gp_11_scope_is_the_catalogue_or_the_limit() -> None:
    catalogue = {"A0201": OrgForm.CENTRAL}
    small_computer = procurement_scope(
        catalogue=catalogue, pur_item_code="A02010104", amount_fen=500, limits=LIMITS
    )
    assert small_computer.is_government_procurement and small_computer.org_form == "central"
    repair = procurement_scope(
        catalogue=catalogue, pur_item_code="B08", amount_fen=150_000_000, limits=LIMITS
    )
    assert not repair.is_government_procurement and repair.limit_fen == 200_000_000
    big_repair = procurement_scope(
        catalogue=catalogue, pur_item_code="B08", amount_fen=200_000_000, limits=LIMITS
    )
    assert big_repair.is_government_procurement and not big_repair.in_catalogue


def test_the_regions_scope_reads_its_catalogue_and_standards(user: Any) -> None:
    region, year = user("wj_procurement").mof_div_code, timezone.localdate().year
    catalogue_item_set(
        actor=user("wj_procurement"),
        mof_div_code=region,
        fiscal_year=year,
        pur_item_code="A0201",
        org_form=OrgForm.CENTRAL,
    )
    found = selectors.scope_of(
        mof_div_code=region, fiscal_year=year, pur_item_code="A02010105", amount_fen=1
    )
    assert found.is_government_procurement and found.org_form == OrgForm.CENTRAL
    outside = selectors.scope_of(
        mof_div_code=region, fiscal_year=year, pur_item_code="B08", amount_fen=99_999_999
    )
    assert not outside.is_government_procurement
    assert outside.limit_fen == 100_000_000  # procurement.limit_works' default


def test_the_procurement_division_keeps_the_catalogue(user: Any) -> None:
    officer = user("wj_procurement")
    region, year = officer.mof_div_code, timezone.localdate().year
    with pytest.raises(PermissionDeniedError):
        catalogue_item_set(
            actor=user("school_clerk"),
            mof_div_code=region,
            fiscal_year=year,
            pur_item_code="A0501",
            org_form=OrgForm.CENTRAL,
        )
    with pytest.raises(BusinessRuleError) as caught:
        catalogue_item_set(
            actor=officer,
            mof_div_code=region,
            fiscal_year=year,
            pur_item_code="Z9",
            org_form=OrgForm.DISPERSED,
        )
    assert {(e.field, e.rule) for e in caught.value.errors} == {
        ("pur_item_code", "R-GP-11"),
        ("org_form", "R-GP-11"),
    }
    item = catalogue_item_set(
        actor=officer,
        mof_div_code=region,
        fiscal_year=year,
        pur_item_code="b08",
        org_form="central",
    )
    again = catalogue_item_set(
        actor=officer,
        mof_div_code=region,
        fiscal_year=year,
        pur_item_code="B08",
        org_form=OrgForm.DEPARTMENT,
    )
    assert again.pk == item.pk and again.org_form == OrgForm.DEPARTMENT
    catalogue_item_remove(actor=officer, item_id=item.pk)
    assert not CatalogueItem.objects.filter(pk=item.pk).exists()
    history = list(
        AuditRecord.objects.filter(
            object_id=str(item.pk), action__startswith="procurement.catalogue"
        )
        .order_by("pk")
        .values_list("action", "changes")
    )
    assert history == [
        ("procurement.catalogue_set", {"org_form": [None, "central"]}),
        ("procurement.catalogue_set", {"org_form": ["central", "department"]}),
        ("procurement.catalogue_remove", {"org_form": ["department", None]}),
    ]


def test_the_page_shows_thresholds_and_catalogue_and_only_finance_edits(client_as: Any) -> None:
    officer = client_as("wj_procurement")
    page = officer.get("/procurement/catalogue/").content.decode()
    assert "公开招标数额标准（工程）" in page and "4,000,000.00 元" in page
    assert 'data-testid="catalogue-form"' in page
    added = officer.post(
        "/procurement/catalogue/",
        {"pur_item_code": "B07", "org_form": "department", "note": "<b>x</b>"},
    )
    assert added.status_code == 302
    shown = officer.get("/procurement/catalogue/").content.decode()
    assert "B07" in shown and "&lt;b&gt;x&lt;/b&gt;" in shown
    clerk = client_as("school_clerk")
    read = clerk.get("/procurement/catalogue/").content.decode()
    assert "B07" in read and 'data-testid="catalogue-form"' not in read
    assert clerk.post("/procurement/catalogue/", {"pur_item_code": "B08"}).status_code == 403


def test_the_api_keeps_the_catalogue_as_the_page_does(user: Any) -> None:
    import json

    from tests.test_api_csrf import csrf_session

    year = timezone.localdate().year
    session, csrf = csrf_session(user("wj_procurement"))
    body = {"fiscal_year": year, "pur_item_code": "b07", "org_form": "department"}
    refused = session.post(
        "/api/v1/procurement/catalogue", data=json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 403  # no CSRF token
    made = session.post(
        "/api/v1/procurement/catalogue",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert made.status_code == 200, made.content
    item = made.json()
    assert (item["pur_item_code"], item["org_form"], item["mof_div_code"]) == (
        "B07",
        "department",
        "320509",
    )
    bad = session.post(
        "/api/v1/procurement/catalogue",
        data=json.dumps({**body, "org_form": "dispersed"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "org_form"
    listed = session.get(f"/api/v1/procurement/catalogue?fiscal_year={year}").json()
    assert "B07" in {x["pur_item_code"] for x in listed}
    gone = session.delete(f"/api/v1/procurement/catalogue/{item['id']}", HTTP_X_CSRFTOKEN=csrf)
    assert gone.status_code == 204
    assert not CatalogueItem.objects.filter(pk=item["id"]).exists()


def test_a_new_year_opens_with_last_years_catalogue(user: Any) -> None:
    """ADR 0052: opening a year copies the 集中采购目录 of the year before (core publishes the
    year's opening; procurement subscribes), the 品目 the new code set still has."""
    from yusuan.audit.models import AuditRecord
    from yusuan.core.models import ClassificationCode, FiscalYear
    from yusuan.core.services.fiscal_years import fiscal_year_open
    from yusuan.procurement.models import CatalogueItem

    region, year = "320509", timezone.localdate().year
    last = dict(
        CatalogueItem.objects.filter(mof_div_code=region, fiscal_year=year).values_list(
            "pur_item_code", "org_form"
        )
    )
    assert last, "the demo's catalogue is the year's"
    FiscalYear.objects.filter(mof_div_code=region, year=year + 1).delete()
    ClassificationCode.objects.filter(mof_div_code=region, fiscal_year=year + 1).delete()
    CatalogueItem.objects.filter(mof_div_code=region, fiscal_year=year + 1).delete()
    # A 品目 the region dropped from its code set is not carried over.
    dropped = sorted(last)[0]
    ClassificationCode.objects.filter(
        mof_div_code=region, fiscal_year=year, kind="pur_item", code=dropped
    ).update(is_enabled=False)
    fiscal_year_open(actor=user("wj_admin"), mof_div_code=region, year=year + 1)
    copied = dict(
        CatalogueItem.objects.filter(mof_div_code=region, fiscal_year=year + 1).values_list(
            "pur_item_code", "org_form"
        )
    )
    codes = set(
        ClassificationCode.objects.filter(
            mof_div_code=region, fiscal_year=year + 1, kind="pur_item", is_enabled=True
        ).values_list("code", flat=True)
    )
    assert dropped not in codes and dropped not in copied
    assert copied == {k: v for k, v in last.items() if k in codes} and copied
    record = AuditRecord.objects.filter(action="procurement.catalogue_copy").latest("pk")
    assert sorted(record.extra["copied"]) == sorted(copied)
    assert record.fiscal_year == year + 1
