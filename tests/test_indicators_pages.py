"""Indicator pages as users reach them: the ledger and its export, scope (another unit's line is a
404), entry with errors in place, posting by a second officer, reconcile from the command line."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import CommandError, call_command
from django.db import connection

import pytest
from openpyxl import load_workbook

from yusuan.indicators.models import IndicatorDocument, IndicatorLine

pytestmark = pytest.mark.django_db


def _school_line(user: Any, eco: str) -> IndicatorLine:
    return IndicatorLine.objects.get(
        organisation=user("school_clerk").organisation, dep_bgt_eco_code=eco, source_type_code="01"
    )


def test_ledger_lists_scope_and_exports(client_as: Any, user: Any) -> None:
    office = _school_line(user, "30201")
    school = client_as("school_clerk").get("/indicators/ledger/")
    assert school.status_code == 200
    body = school.content.decode()
    assert office.code in body
    others = IndicatorLine.objects.exclude(organisation=office.organisation).first()
    assert others is not None and others.code not in body
    assert client_as("school_clerk").get(f"/indicators/lines/{others.pk}/").status_code == 404
    export = client_as("wj_budget").get("/indicators/ledger/?export=xlsx&dep_bgt_eco_code=30201")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "指标编码"
    assert office.code in {r[0] for r in rows[1:]}
    economic = rows[0].index("经济分类")  # the grid's columns, as shown (issue 16)
    assert rows[-1][0] == "合计"
    assert all(str(r[economic]).startswith("30201") for r in rows[1:-1])


def test_line_page_shows_movements_and_running_balance(client_as: Any, user: Any) -> None:
    office = _school_line(user, "30201")
    page = client_as("school_clerk").get(f"/indicators/lines/{office.pk}/").content.decode()
    assert office.origin_document.number in page
    assert 'data-testid="movements"' in page


def test_entry_errors_land_on_the_row(client_as: Any, user: Any) -> None:
    office = _school_line(user, "30201")
    repair = _school_line(user, "30213")
    office.refresh_from_db()
    response = client_as("school_clerk").post(
        "/indicators/documents/new/adjust/",
        {
            "title": "过大的调剂",
            "subtype": "economic_class",
            "row_count": "2",
            "lines-0-source": office.code,
            "lines-0-target": repair.code,
            "lines-0-amount": f"{office.available // 100 + 1}",
            "lines-1-source": "ZB-NOPE",
            "lines-1-target": repair.code,
            "lines-1-amount": "1",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-field="lines[1].source"' in page  # unknown code named on its row
    assert IndicatorDocument.objects.filter(title="过大的调剂").count() == 0
    response = client_as("school_clerk").post(
        "/indicators/documents/new/adjust/",
        {
            "title": "过大的调剂",
            "subtype": "economic_class",
            "row_count": "1",
            "lines-0-source": office.code,
            "lines-0-target": repair.code,
            "lines-0-amount": f"{office.available // 100 + 1}",
        },
    )
    page = response.content.decode()
    assert 'data-field="lines[0].amount"' in page and "R-AJ-4" in page
    assert office.code in page


def test_second_officer_posts_and_entrant_cannot(client_as: Any, user: Any) -> None:
    draft = IndicatorDocument.objects.get(title="压减一般性支出：差旅费追减")
    target = draft.lines.get().target
    before = target.available
    entrant = client_as("wj_budget")
    entrant.post(f"/indicators/documents/{draft.pk}/post/")
    draft.refresh_from_db()
    assert draft.state == "draft"
    client_as("wj_budget_chief").post(f"/indicators/documents/{draft.pk}/post/")
    draft.refresh_from_db()
    target.refresh_from_db()
    assert draft.state == "posted"
    assert target.available == before - draft.lines.get().amount


def test_reconcile_command_passes_then_names_a_tampered_line() -> None:
    out = io.StringIO()
    call_command("reconcile", stdout=out)
    assert "reconciles" in out.getvalue()
    line = IndicatorLine.objects.order_by("pk").first()
    assert line is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE indicators_indicatorline SET available = available - 1, held = held + 1 "
            "WHERE id = %s",
            [line.pk],
        )
    with pytest.raises(CommandError, match="does NOT reconcile"):
        call_command("reconcile", stderr=io.StringIO())


def test_line_picker_searches_within_scope(client_as: Any, user: Any) -> None:
    repair = _school_line(user, "30213")
    clerk = client_as("school_clerk")
    found = clerk.get(
        "/indicators/lines/lookup/", {"code": "维修", "kind": "adjust", "year": "2026"}
    ).content.decode()
    assert 'id="line-options" hx-swap-oob="true"' in found
    assert f'value="{repair.code}"' in found
    others = IndicatorLine.objects.exclude(organisation=repair.organisation).filter(
        summary__contains="维修"
    )
    assert others.exists() and not any(f'value="{o.code}"' in found for o in others)
    # An exact code shows the hint (unit, summary, available) instead of suggestions.
    exact = clerk.get("/indicators/lines/lookup/", {"code": repair.code}).content.decode()
    assert 'data-available="' in exact and "line-options" not in exact
    missing = clerk.get("/indicators/lines/lookup/", {"code": "ZB-NOPE"}).content.decode()
    assert "field-error" in missing


def test_ledger_filters_follow_the_chosen_language(client_as: Any) -> None:
    from django.conf import settings

    client = client_as("wj_budget")
    assert 'placeholder="单位（编码或名称）"' in client.get("/indicators/ledger/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/indicators/ledger/").content.decode()
    assert 'placeholder="Unit (code or name)"' in english and "Direct funds" in english
