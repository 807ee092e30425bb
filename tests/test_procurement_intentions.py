"""采购意向公开 (R-GP-1, R-GP-7, R-GP-11; DOMAIN-2 §6.1–6.2, ADR 0052): a unit enters what it
means to buy, its approver publishes it, a change keeps the first publication date, a
withdrawal names why; anyone reads the published ones without signing in. The procurement may
start ``procurement.intention_days`` after publication (the rule the plans apply)."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

from django.test import Client
from django.utils import timezone

import pytest
from openpyxl import load_workbook
from tests.test_api_csrf import csrf_session

from yusuan.audit.models import AuditRecord
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money
from yusuan.core.selectors import standard_value
from yusuan.identity.services import api_token_issue
from yusuan.indicators.models import IndicatorLine
from yusuan.procurement.choices import IntentionState
from yusuan.procurement.models import ProcurementIntention
from yusuan.procurement.rules import Lead, Limits, intention_lead_error, is_government_procurement
from yusuan.procurement.services import (
    IntentionInput,
    intention_create,
    intention_publish,
    intention_update,
    intention_withdraw,
)

HOSTILE = "<script>alert(\"x\")</script>&\"'=cmd|' /C calc'!A0"


def _input(**kw: Any) -> IntentionInput:
    values: dict[str, Any] = {
        "project_name": "多媒体教室设备更新",
        "need_summary": "更新 30 间教室的多媒体一体机",
        "budget": Money.parse("480,000.00"),
        "expected_month": timezone.localdate(),
        "pur_item_code": "A02010104",
    }
    values.update(kw)
    return IntentionInput(**values)


def _create(user: Any, **kw: Any) -> ProcurementIntention:
    return intention_create(
        actor=user("school_clerk"), data=_input(**kw), fiscal_year=timezone.localdate().year
    )


# --- rules ------------------------------------------------------------------------------------


def test_r_gp_7_the_procurement_starts_days_after_publication_at_the_earliest() -> None:
    published = dt.date(2026, 3, 2)
    assert intention_lead_error(Lead(published, dt.date(2026, 4, 1), 30)) is None  # day 30
    early = intention_lead_error(Lead(published, dt.date(2026, 3, 31), 30), number=" YX1")
    assert early is not None
    assert (early.code, early.rule, early.field) == (
        "procurement.intention_too_late",
        "R-GP-7",
        "planned_start",
    )
    assert (early.value, early.limit) == ("2026-03-31", "2026-04-01")
    assert "2026-03-02" in early.message_zh and "2026-04-01" in early.message_zh
    assert "30 days" in early.message_en
    missing = intention_lead_error(Lead(None, dt.date(2026, 3, 31), 45))
    assert missing is not None and missing.code == "procurement.intention_missing"
    assert missing.limit == "45" and "45 天" in missing.message_zh


def test_r_gp_11_government_procurement_is_the_catalogue_or_the_limit_of_its_category() -> None:
    limits = Limits(goods_services=100_000_000, works=200_000_000)
    goods = {"category": "A", "limits": limits}
    assert is_government_procurement(amount_fen=100_000_000, **goods)  # at the limit: in
    assert not is_government_procurement(amount_fen=99_999_999, **goods)
    assert is_government_procurement(amount_fen=1, in_catalogue=True, **goods)
    works = {"category": "B", "limits": limits}
    assert not is_government_procurement(amount_fen=150_000_000, **works)  # works' own limit
    assert is_government_procurement(amount_fen=200_000_000, **works)


def test_the_thresholds_are_the_regions_standards(user: Any) -> None:
    """ADR 0052: the limits, the days and the check's action are standards with history."""
    region, year = user("school_clerk").mof_div_code, timezone.localdate().year
    assert (
        standard_value(mof_div_code=region, fiscal_year=year, key="procurement.intention_days")
        == 30
    )
    assert (
        standard_value(mof_div_code=region, fiscal_year=year, key="procurement.tender_works")
        == 400_000_000
    )


# --- services ---------------------------------------------------------------------------------


def test_every_problem_of_an_intention_is_named_and_nothing_is_saved(user: Any) -> None:
    hospital_line = IndicatorLine.objects.filter(organisation__name__contains="医院").first()
    assert hospital_line is not None
    before = ProcurementIntention.objects.count()
    with pytest.raises(BusinessRuleError) as caught:
        _create(
            user,
            project_name="  ",
            need_summary="x" * 2001,
            budget=Money(0),
            expected_month=dt.date(2000, 1, 1),
            pur_item_code="Z999",
            indicator_line_id=hospital_line.pk,
        )
    fields = {e.field: e for e in caught.value.errors}
    assert set(fields) == {
        "project_name",
        "need_summary",
        "budget",
        "expected_month",
        "pur_item_code",
        "indicator_line",
    }
    assert fields["need_summary"].limit == 2000 and fields["need_summary"].value == 2001
    assert fields["pur_item_code"].value == "Z999"
    assert fields["expected_month"].value == "2000-01-01"
    assert all(e.rule == "R-GP-7" and e.message_en and e.message_zh for e in fields.values())
    assert ProcurementIntention.objects.count() == before


def test_publish_change_and_withdraw_keep_the_first_publication_date(user: Any) -> None:
    intention = _create(user)
    assert intention.state == IntentionState.DRAFT and intention.number.startswith("YX")
    assert intention.category == "A" and intention.expected_month.day == 1
    # The clerk enters; publishing is the approver's.
    with pytest.raises(PermissionDeniedError):
        intention_publish(actor=user("school_clerk"), intention_id=intention.pk)
    today = timezone.localdate()
    with pytest.raises(BusinessRuleError) as future:
        intention_publish(
            actor=user("school_approver"),
            intention_id=intention.pk,
            on=today + dt.timedelta(days=1),
        )
    assert (future.value.errors[0].field, future.value.errors[0].limit) == (
        "published_on",
        str(today),
    )
    published = intention_publish(actor=user("school_approver"), intention_id=intention.pk)
    assert (published.state, published.published_on) == (IntentionState.PUBLISHED, today)
    with pytest.raises(BusinessRuleError) as twice:
        intention_publish(actor=user("school_approver"), intention_id=intention.pk)
    assert twice.value.status == 409 and twice.value.errors[0].field == "state"

    changed = intention_update(
        actor=user("school_clerk"),
        intention_id=intention.pk,
        data=_input(budget=Money.parse("520,000.00")),
    )
    assert changed.state == IntentionState.CHANGED
    assert (changed.published_on, changed.changed_on) == (today, today)
    record = AuditRecord.objects.filter(action="procurement.intention_update").latest("pk")
    assert record.changes["budget"] == ["480,000.00", "520,000.00"]
    assert record.changes["state"] == ["published", "changed"]

    with pytest.raises(BusinessRuleError) as no_reason:
        intention_withdraw(actor=user("school_approver"), intention_id=intention.pk, reason=" ")
    assert no_reason.value.errors[0].field == "reason"
    gone = intention_withdraw(
        actor=user("school_approver"), intention_id=intention.pk, reason="需求取消"
    )
    assert (gone.state, gone.withdrawn_on, gone.withdraw_reason) == (
        IntentionState.WITHDRAWN,
        today,
        "需求取消",
    )
    assert gone.published_on == today  # still on the public listing, marked withdrawn
    with pytest.raises(BusinessRuleError):
        intention_update(actor=user("school_clerk"), intention_id=intention.pk, data=_input())
    actions = list(
        AuditRecord.objects.filter(
            object_id=str(intention.pk), action__startswith="procurement.intention"
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "procurement.intention_create",
        "procurement.intention_publish",
        "procurement.intention_update",
        "procurement.intention_withdraw",
    ]


def test_another_units_intention_does_not_exist_for_it(user: Any) -> None:
    intention = _create(user)
    with pytest.raises(NotFoundError):
        intention_publish(actor=user("hospital_approver"), intention_id=intention.pk)
    with pytest.raises(NotFoundError):
        intention_update(actor=user("hospital_clerk"), intention_id=intention.pk, data=_input())


# --- pages ------------------------------------------------------------------------------------


def test_a_clerk_enters_and_the_approver_publishes_through_the_pages(client_as: Any) -> None:
    clerk = client_as("school_clerk")
    month = timezone.localdate().strftime("%Y-%m")
    bad = clerk.post(
        "/procurement/intentions/new/",
        {"project_name": "", "budget": "abc", "expected_month": month, "pur_item_code": ""},
    )
    assert bad.status_code == 200
    page = bad.content.decode()
    assert 'data-field="budget"' in page  # the amount that is not one, by field
    made = clerk.post(
        "/procurement/intentions/new/",
        {
            "project_name": HOSTILE,
            "need_summary": HOSTILE,
            "budget": "480,000.00",
            "expected_month": month,
            "pur_item_code": "A02010104",
            "is_sme_reserved": "on",
        },
    )
    assert made.status_code == 302
    detail = made["Location"]
    intention = ProcurementIntention.objects.latest("pk")
    assert intention.is_sme_reserved and intention.budget == 48_000_000
    shown = clerk.get(detail).content.decode()
    assert "<script>alert" not in shown and "&lt;script&gt;" in shown
    assert 'data-testid="publish-intention"' not in shown  # not the clerk's to publish
    approver = client_as("school_approver")
    assert approver.post(detail, {"action": "publish"}).status_code == 302
    intention.refresh_from_db()
    assert intention.state == IntentionState.PUBLISHED
    listed = clerk.get("/procurement/intentions/").content.decode()
    assert intention.number in listed and "&lt;script&gt;" in listed


def test_the_public_listing_shows_published_intentions_to_anyone(user: Any) -> None:
    draft = _create(user, project_name="草稿意向不公开")
    shown = _create(user, project_name=HOSTILE)
    intention_publish(actor=user("school_approver"), intention_id=shown.pk)
    anyone = Client()
    page = anyone.get("/public/procurement-intentions/")
    assert page.status_code == 200
    text = page.content.decode()
    assert shown.number in text and draft.number not in text
    assert "<script>alert" not in text
    exported = anyone.get("/public/procurement-intentions/?export=xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert shown.number in cells and draft.number not in cells
    # Formula injection: the hostile text is written as text, never as a formula.
    assert all(not value.startswith("=") for value in cells)
    # Another region's filter hides it; the region's own shows it.
    other = anyone.get("/public/procurement-intentions/?region=999999").content.decode()
    assert shown.number not in other


# --- API --------------------------------------------------------------------------------------


def test_the_api_enters_publishes_and_withdraws_with_a_token_and_csrf(user: Any) -> None:
    token = api_token_issue(
        actor=None, user=user("school_clerk"), name="t", scopes=("payments:read", "payments:write")
    )
    client = Client(enforce_csrf_checks=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    body = {
        "project_name": "办公家具",
        "need_summary": "新校区办公家具",
        "budget": "1,200,000.00",
        "expected_month": timezone.localdate().isoformat(),
        "pur_item_code": "a0501",
    }
    made = client.post(
        "/api/v1/procurement/intentions",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="yx-1",
        **auth,
    )
    assert made.status_code == 201, made.content
    out = made.json()
    assert (out["budget_fen"], out["pur_item_code"], out["state"]) == (
        120_000_000,
        "A0501",
        "draft",
    )
    again = client.post(
        "/api/v1/procurement/intentions",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="yx-1",
        **auth,
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert ProcurementIntention.objects.filter(project_name="办公家具").count() == 1
    absurd = client.post(
        "/api/v1/procurement/intentions",
        data=json.dumps({**body, "budget": "9" * 30}),
        content_type="application/json",
        **auth,
    )
    assert absurd.status_code == 422 and "budget" in absurd.content.decode()
    # The clerk's token may not publish (the approver's permission): 403.
    path = f"/api/v1/procurement/intentions/{out['id']}"
    refused = client.post(f"{path}/publish", content_type="application/json", **auth)
    assert refused.status_code == 403
    session, csrf = csrf_session(user("school_approver"))
    assert session.post(f"{path}/publish", content_type="application/json").status_code == 403
    published = session.post(
        f"{path}/publish", content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert published.status_code == 200 and published.json()["state"] == "published"
    withdrawn = session.post(
        f"{path}/withdraw",
        data=json.dumps({"reason": "预算调减"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdraw_reason"] == "预算调减"
