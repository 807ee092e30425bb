"""Depreciation and amortisation (issue 19; DOMAIN-2 §5.2 E11): asset cards, the monthly run as
one draft voucher by posting rule E11, straight line in whole fen, and what it does to the
statements."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.test_accounting_statements import YEAR, second_accountant, worked_year

from yusuan.accounting import statements
from yusuan.accounting.models import AssetCard, Voucher
from yusuan.accounting.rules import depreciation_due
from yusuan.accounting.services.assets import AssetCardInput, asset_card_create, depreciation_run
from yusuan.accounting.services.books import period_close
from yusuan.accounting.services.vouchers import voucher_post, voucher_review
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money

pytestmark = pytest.mark.django_db


@given(
    cost=st.integers(min_value=1, max_value=10**12),
    life=st.integers(min_value=1, max_value=1200),
    salvage_share=st.integers(min_value=0, max_value=99),
)
def test_straight_line_months_add_up_to_the_cost_and_differ_by_a_fen_at_most(
    cost: int, life: int, salvage_share: int
) -> None:
    salvage = cost * salvage_share // 100
    months = [depreciation_due(cost, salvage, life, k) for k in range(1, life + 1)]
    assert sum(months) == cost - salvage
    assert max(months) - min(months) <= 1
    assert depreciation_due(cost, salvage, life, 0) == 0
    assert depreciation_due(cost, salvage, life, life + 1) == 0


def _card(user: Any, **kw: Any) -> AssetCard:
    fields: dict[str, Any] = {
        "organisation_id": user("school_accountant").organisation_id,
        "code": "GZ-001",
        "name": "教学一体机",
        "kind": "1601",
        "cost": Money(12_000_00),
        "in_service": dt.date(YEAR, 4, 20),
        "life_months": 60,
        **kw,
    }
    return asset_card_create(actor=user("school_accountant"), data=AssetCardInput(**fields))


def test_a_months_run_books_every_card_by_rule_e11_and_reaches_the_statements(
    user: Any,
) -> None:
    poster = second_accountant(user)
    year = worked_year(user, poster)
    book = year["book"]
    _card(user)  # 200.00 a month from April (当月增加，当月计提)
    _card(
        user,
        code="WX-001",
        name="财务软件",
        kind="1701",
        cost=Money(1_000_00),
        in_service=dt.date(YEAR, 1, 15),
        life_months=36,
        expense_account="5101",
    )
    accountant = user("school_accountant")
    january = depreciation_run(actor=accountant, book_id=book.pk, month=1)
    assert [(x.account_code, x.debit_fen, x.credit_fen) for x in january.lines.order_by("row")] == [
        ("5101", 27_77, 0),  # 1,000.00 × 1/36, rounded down; the fen comes back in month 2
        ("1702", 0, 27_77),
    ]
    april = depreciation_run(actor=accountant, book_id=book.pk, month=4)
    assert april.rule_code == "E11 v1" and april.problem == ""
    assert april.event_id == f"accounting.depreciation:{book.pk}:4"
    assert april.voucher_date == dt.date(YEAR, 4, 30) and april.month == 4
    assert [(x.account_code, x.debit_fen, x.credit_fen) for x in april.lines.order_by("row")] == [
        ("5001", 200_00, 0),
        ("5101", 27_78, 0),
        ("1602", 0, 200_00),
        ("1702", 0, 27_78),
    ]
    with pytest.raises(BusinessRuleError) as twice:
        depreciation_run(actor=accountant, book_id=book.pk, month=4)
    assert twice.value.errors[0].code == "accounting.depreciation_done"
    assert april.label in twice.value.errors[0].message_zh
    # The runner prepared it: a 会计主管 reviews, another accountant posts (R-AC-7).
    ids = [january.pk, april.pk]
    with pytest.raises(BusinessRuleError):
        voucher_post(actor=accountant, voucher_ids=ids)
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=ids)
    voucher_post(actor=poster, voucher_ids=ids)
    found = statements.book_statements(actor=accountant, book_id=book.pk, month=6)
    assert found.failures == []
    balance = {r.key: r.amounts for s in found.tables["balance"].sections for r in s.rows}
    assert balance["fixed_dep"][0] == 200_00
    assert balance["intangible_amort"][0] == 27_77 + 27_78
    assert balance["fixed_net"][0] == 80_000_00 - 200_00
    recon = {r.key: r.amounts for s in found.tables["reconciliation"].sections for r in s.rows}
    assert recon["exp_only:depreciation"] == (200_00 + 27_77 + 27_78,)


def test_cards_and_runs_refuse_what_is_wrong_and_name_it(user: Any) -> None:
    accountant = user("school_accountant")
    cards = AssetCard.objects.count()
    with pytest.raises(BusinessRuleError) as caught:
        _card(
            user,
            code="",
            name="",
            kind="1501",
            cost=Money(0),
            salvage=Money(-1),
            life_months=0,
            expense_account="7201",
        )
    fields = {(e.field, e.rule) for e in caught.value.errors}
    assert fields == {
        ("code", "E11"),
        ("name", "E11"),
        ("kind", "E11"),
        ("cost", "E11"),
        ("salvage", "E11"),
        ("life_months", "E11"),
        ("expense_account", "E11"),
    }
    assert AssetCard.objects.count() == cards
    hospital = user("hospital_clerk").organisation_id
    with pytest.raises(NotFoundError):
        _card(user, organisation_id=hospital)
    year = worked_year(user, second_accountant(user))
    book = year["book"]
    with pytest.raises(BusinessRuleError) as nothing:
        depreciation_run(actor=accountant, book_id=book.pk, month=2)
    assert nothing.value.errors[0].code == "accounting.nothing_to_depreciate"
    _card(user)
    period_close(actor=user("school_chief_accountant"), book_id=book.pk, month=0)
    period_close(actor=user("school_chief_accountant"), book_id=book.pk, month=1)
    with pytest.raises(BusinessRuleError) as closed:
        depreciation_run(actor=accountant, book_id=book.pk, month=1)
    assert (closed.value.errors[0].code, closed.value.errors[0].rule) == (
        "accounting.period_closed",
        "R-AC-8",
    )
    assert not Voucher.objects.filter(book=book, event_id__startswith="accounting.depreciation")


def test_pages_and_api_register_cards_and_run_a_month(user: Any, client_as: Any) -> None:
    from tests.test_accounting_api import token_caller

    poster = second_accountant(user)
    book = worked_year(user, poster)["book"]
    school = user("school_accountant").organisation_id
    client = client_as("school_accountant")
    bad = client.post(
        "/accounting/assets/new/",
        {
            "organisation": str(school),
            "code": "GZ-9",
            "name": "<script>alert(1)</script>",
            "kind": "1601",
            "cost": "12,000.005",
            "in_service": "2030-13-01",
            "life_months": "60",
            "expense_account": "5001",
        },
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and "<script>alert(1)</script>" not in html
    assert 'data-field="cost"' in html and 'data-field="in_service"' in html
    assert not AssetCard.objects.filter(code="GZ-9").exists()
    good = client.post(
        "/accounting/assets/new/",
        {
            "organisation": str(school),
            "code": "GZ-9",
            "name": "<script>alert(1)</script>",
            "kind": "1601",
            "cost": "12,000.00",
            "salvage": "",
            "in_service": f"{YEAR}-04-20",
            "life_months": "60",
            "expense_account": "5001",
        },
    )
    assert good.status_code == 302
    listing = client.get("/accounting/assets/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing and "12,000.00" in listing
    ran = client.post(f"/accounting/books/{book.pk}/depreciation/4/", follow=True)
    assert "记" in ran.content.decode() or "草稿" in ran.content.decode()
    voucher = Voucher.objects.get(event_id=f"accounting.depreciation:{book.pk}:4")
    assert voucher.total_fen == 200_00
    again = client.post(f"/accounting/books/{book.pk}/depreciation/4/", follow=True)
    assert "accounting.depreciation_done" not in again.content.decode()
    assert "R-AC-7" in again.content.decode()
    # The API: a card with every wrong field named, a good one, a month's run, a stranger's 404.
    caller = token_caller(user, "school_accountant", ["accounting:read", "accounting:write"])
    wrong = caller.send(
        "post",
        "/api/v1/accounting/assets",
        {
            "organisation_id": school,
            "code": "WX-1",
            "name": "软件",
            "kind": "1701",
            "cost": "abc",
            "in_service": "",
            "life_months": 0,
        },
    )
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {"cost", "in_service", "life_months"}
    made = caller.send(
        "post",
        "/api/v1/accounting/assets",
        {
            "organisation_id": school,
            "code": "WX-1",
            "name": "软件",
            "kind": "1701",
            "cost": "3600",
            "in_service": f"{YEAR}-05-01",
            "life_months": 36,
            "expense_account": "5101",
        },
        key="card-wx-1",
    )
    assert made.status_code == 201 and made.json()["cost_fen"] == 3600_00
    run = caller.send("post", f"/api/v1/accounting/books/{book.pk}/depreciation/5", key="dep-5")
    assert run.status_code == 201 and run.json()["total_fen"] == 200_00 + 100_00
    listed = caller.get("/api/v1/accounting/assets").json()
    assert sorted(c["code"] for c in listed["items"]) == ["GZ-9", "WX-1"]
    outsider = token_caller(user, "office_clerk", ["accounting:read", "accounting:write"])
    assert outsider.get("/api/v1/accounting/assets").json()["items"] == []
    stranger = outsider.send("post", f"/api/v1/accounting/books/{book.pk}/depreciation/6")
    assert stranger.status_code == 404
