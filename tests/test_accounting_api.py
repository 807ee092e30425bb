"""The accounting API (issue 19) as an integrator uses it: a token for the accountant, a browser
session with CSRF for the 会计主管. A paid batch's vouchers are found, reviewed, posted (once,
whatever the retries), the trial balance balances, 6001's ledger names the payment, the
three-way reconciliation agrees; a manual voucher's problems come back with row and field and
nothing is kept; another unit's 会计主管 gets a 404; a red-ink reversal nets the totals."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django.utils import timezone

import pytest
from tests.test_api_csrf import csrf_session
from tests.test_payments_refunds import _paid_batch

from yusuan.accounting.models import Book, PeriodTotal, Voucher
from yusuan.identity.models import Role
from yusuan.identity.services import api_token_issue

pytestmark = pytest.mark.django_db


class Caller:
    """JSON in and out, through a CSRF-enforcing client: a bearer token, or a session with the
    token its page gave."""

    def __init__(self, client: Client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def send(self, method: str, url: str, body: Any = None, key: str = "") -> Any:
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        return getattr(self.client, method)(
            url, data=json.dumps(body or {}), content_type="application/json", headers=headers
        )


def token_caller(user: Any, username: str, scopes: list[str]) -> Caller:
    key = api_token_issue(actor=None, user=user(username), name="erp", scopes=scopes, days=1).key
    return Caller(Client(enforce_csrf_checks=True), {"Authorization": f"Bearer {key}"})


def session_caller(user: Any, username: str) -> Caller:
    client, token = csrf_session(user(username))
    return Caller(client, {"X-CSRFToken": token})


RW = ["accounting:read", "accounting:write"]


def _ids_of(caller: Caller, request: Any) -> list[int]:
    listed = caller.get(f"/api/v1/accounting/vouchers?q={request.number}&state=draft")
    assert listed.status_code == 200, listed.content
    return [row["id"] for row in listed.json()["items"]]


def test_review_post_and_read_the_books_through_the_api(user: Any) -> None:
    request = _paid_batch(user)
    accountant = token_caller(user, "school_accountant", RW)
    chief = session_caller(user, "school_chief_accountant")
    ids = _ids_of(accountant, request)
    amounts = []
    for pk in ids:  # one voucher per paid line (its settlement event)
        detail = accountant.get(f"/api/v1/accounting/vouchers/{pk}").json()
        assert detail["source_type"] == "payments.request" and detail["source_id"] == request.pk
        halves = {line["half"] for line in detail["lines"]}
        assert halves == {"fa", "ba"}
        for half in halves:  # R-AC-2 in each half, as served
            rows = [line for line in detail["lines"] if line["half"] == half]
            assert sum(r["debit_fen"] for r in rows) == sum(r["credit_fen"] for r in rows)
        amounts.append(detail["total_fen"])
    assert sorted(amounts) == [40_00, 100_00, 250_00]

    book = Voucher.objects.get(pk=ids[0]).book
    revenue = PeriodTotal.objects.filter(book=book, account_code__startswith="6001")
    before = sum(t.credit_fen - t.debit_fen for t in revenue)  # the demo's months already posted
    # The accountant may not review (no 会计主管 role): 403, nothing changes.
    refused = accountant.send("post", "/api/v1/accounting/vouchers/review", {"ids": ids})
    assert refused.status_code == 403
    reviewed = chief.send("post", "/api/v1/accounting/vouchers/review", {"ids": ids}, key="r-1")
    assert reviewed.status_code == 200, reviewed.content
    assert [v["state"] for v in reviewed.json()["vouchers"]] == ["reviewed"] * 3

    posted = accountant.send("post", "/api/v1/accounting/vouchers/post", {"ids": ids}, key="p-1")
    assert posted.status_code == 200, posted.content
    labels = sorted(v["label"] for v in posted.json()["vouchers"])
    assert all(label.startswith("记-") for label in labels)
    again = accountant.send("post", "/api/v1/accounting/vouchers/post", {"ids": ids}, key="p-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == posted.json()
    other = accountant.send("post", "/api/v1/accounting/vouchers/post", {"ids": [1]}, key="p-1")
    assert other.status_code == 409
    # Posted once: the month's totals hold the batch once.
    voucher = Voucher.objects.get(pk=ids[0])
    assert sum(t.credit_fen - t.debit_fen for t in revenue.all()) - before == 390_00

    tb = accountant.get(
        f"/api/v1/accounting/books/{voucher.book_id}/trial-balance?month={voucher.month}"
    ).json()
    assert tb["balanced"] is True
    row = next(r for r in tb["rows"] if r["code"] == "6001")
    assert row["credit_fen"] == 390_00  # this month: the batch alone
    assert row["closing_credit_fen"] == before + 390_00
    assert {half: t["debit_fen"] - t["credit_fen"] for half, t in tb["totals"].items()} == {
        "fa": 0,
        "ba": 0,
    }
    ledger = accountant.get(
        f"/api/v1/accounting/books/{voucher.book_id}/ledger/6001"
        f"?month_from={voucher.month}&month_to={voucher.month}"
    ).json()
    assert sorted((r["label"], r["source_id"]) for r in ledger["rows"]) == [
        (label, request.pk) for label in labels
    ]
    assert sum(r["credit_fen"] for r in ledger["rows"]) == 390_00
    recon = accountant.get(
        f"/api/v1/accounting/books/{voucher.book_id}/reconciliation?month={voucher.month}"
    ).json()
    line = next(
        r for r in recon["rows"] if r["indicator_id"] == request.lines.first().indicator_line_id
    )
    # The demo's own payments on that line wait as drafts: R-AC-4 tells them apart from ours,
    # each named, and the ledger's paid is exactly what is posted plus what waits.
    assert line["expenditure_fen"] == line["revenue_fen"]
    assert line["ledger_paid_fen"] == line["expenditure_fen"] + line["unposted_fen"]
    assert line["agrees"] is (line["unposted_fen"] == 0)
    kinds = {document["kind"] for document in line["documents"]}
    assert kinds <= {"unposted"}, line["documents"]  # every payment has its voucher


def test_a_manual_voucher_names_every_problem_and_keeps_nothing(user: Any) -> None:
    accountant = token_caller(user, "school_accountant", RW)
    book = Book.objects.get(organisation=user("school_accountant").organisation, fiscal_year=2026)
    before = Voucher.objects.count()
    bad = accountant.send(
        "post",
        "/api/v1/accounting/vouchers",
        {
            "book_id": book.pk,
            "voucher_date": "2026-06-15",
            "summary": "<script>alert(1)</script>",
            "lines": [
                {"account_code": "1002", "debit": "100"},
                {"account_code": "9999", "credit": "100"},
                {"account_code": "3001", "credit": "12,34x"},
                {"account_code": "1011", "debit": "-1"},
                {"account_code": "1011", "debit": "1e99"},
            ],
        },
    )
    assert bad.status_code == 422, bad.content
    assert bad["Content-Type"] == "application/problem+json"
    # Every amount that is not one, each with its row and side, in one answer.
    fields = [e["field"] for e in bad.json()["errors"]]
    assert fields == ["lines[2].credit", "lines[3].debit", "lines[4].debit"], fields
    assert Voucher.objects.count() == before
    # The amounts fixed: the chart's problems, each naming its row, rule and field.
    bad = accountant.send(
        "post",
        "/api/v1/accounting/vouchers",
        {
            "book_id": book.pk,
            "voucher_date": "2026-06-15",
            "summary": "手工凭证",
            "lines": [
                {"account_code": "1002", "debit": "100"},
                {"account_code": "9999", "credit": "99"},
                {"account_code": "1011", "debit": "1"},
            ],
        },
    )
    assert bad.status_code == 422
    found = {(e["code"], e["rule"], e["field"]) for e in bad.json()["errors"]}
    assert ("accounting.unknown_account", "R-AC-2", "lines[1].account_code") in found, found
    assert ("accounting.legacy_account", "R-AC-6", "lines[2].account_code") in found
    unbalanced = [e for e in bad.json()["errors"] if e["code"] == "accounting.unbalanced"]
    # Each half on its own (R-AC-2): 9999 is no account, so the halves are as typed.
    assert [(e["field"], e["value"], e["limit"]) for e in unbalanced] == [
        ("lines.fa", 101_00, 0),
        ("lines.ba", 0, 99_00),
    ]
    assert Voucher.objects.count() == before

    good = accountant.send(
        "post",
        "/api/v1/accounting/vouchers",
        {
            "book_id": book.pk,
            "voucher_date": "2026-06-15",
            "summary": "<b>零星收入</b>",
            "lines": [
                {"account_code": "1002", "debit": "100"},
                {"account_code": "4609", "credit": "100"},
            ],
        },
        key="m-1",
    )
    assert good.status_code == 201, good.content
    created = good.json()
    assert created["state"] == "draft" and created["origin"] == "manual"
    assert created["summary"] == "<b>零星收入</b>"  # stored as typed; pages escape it
    assert created["total_fen"] == 100_00
    page = Client()
    page.force_login(user("school_accountant"))
    html = page.get(f"/accounting/vouchers/{created['id']}/").content.decode()
    assert "&lt;b&gt;零星收入&lt;/b&gt;" in html and "<b>零星收入</b>" not in html
    # Its preparer may delete it; it is gone.
    gone = accountant.send("delete", f"/api/v1/accounting/vouchers/{created['id']}", key="d-1")
    assert gone.status_code == 204
    assert not Voucher.objects.filter(pk=created["id"]).exists()


def test_another_units_chief_accountant_gets_a_404_and_changes_nothing(user: Any) -> None:
    request = _paid_batch(user)
    ids = list(
        Voucher.objects.filter(source_type="payments.request", source_id=request.pk).values_list(
            "pk", flat=True
        )
    )
    outsider = user("hospital_clerk")
    outsider.roles.add(Role.objects.get(code="chief_accountant"))
    caller = session_caller(user, "hospital_clerk")
    for url in ("/api/v1/accounting/vouchers/review", "/api/v1/accounting/vouchers/unreview"):
        refused = caller.send("post", url, {"ids": ids})
        assert refused.status_code == 404, refused.content
        assert refused.json()["errors"][0]["code"] == "not_found"
    book = Voucher.objects.get(pk=ids[0]).book_id
    assert (
        caller.send("post", f"/api/v1/accounting/books/{book}/periods/1/close").status_code == 404
    )
    assert caller.get(f"/api/v1/accounting/vouchers/{ids[0]}").status_code == 404
    assert set(Voucher.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"draft"}


def test_a_read_token_reads_but_does_not_post(user: Any) -> None:
    request = _paid_batch(user)
    reader = token_caller(user, "school_accountant", ["accounting:read"])
    ids = _ids_of(reader, request)
    refused = reader.send("post", "/api/v1/accounting/vouchers/post", {"ids": ids})
    assert refused.status_code == 403
    assert Voucher.objects.get(pk=ids[0]).state == "draft"


def test_a_reversal_through_the_api_nets_the_totals(user: Any) -> None:
    request = _paid_batch(user)
    accountant = token_caller(user, "school_accountant", RW)
    chief = session_caller(user, "school_chief_accountant")
    ids = _ids_of(accountant, request)
    chief.send("post", "/api/v1/accounting/vouchers/review", {"ids": ids})
    accountant.send("post", "/api/v1/accounting/vouchers/post", {"ids": ids})
    red = accountant.send(
        "post",
        f"/api/v1/accounting/vouchers/{ids[0]}/reverse",
        {"voucher_date": timezone.localdate().isoformat(), "reason": "银行退回重付"},
    )
    assert red.status_code == 201, red.content
    reversal = red.json()
    assert reversal["reverses_id"] == ids[0] and reversal["origin"] == "reversal"
    assert all(line["debit_fen"] <= 0 and line["credit_fen"] <= 0 for line in reversal["lines"])
    twice = accountant.send(
        "post",
        f"/api/v1/accounting/vouchers/{ids[0]}/reverse",
        {"voucher_date": timezone.localdate().isoformat(), "reason": "再冲一次"},
    )
    assert twice.status_code == 409
    assert twice.json()["errors"][0]["code"] == "accounting.already_reversed"


def test_a_payment_without_its_voucher_is_named_by_the_reconciliation(user: Any) -> None:
    """R-AC-4: a settled payment whose voucher is missing (here deleted behind the services'
    back) is a difference, named with its payment's page."""
    request = _paid_batch(user)
    gone = Voucher.objects.filter(source_type="payments.request", source_id=request.pk).first()
    assert gone is not None
    book, month = gone.book_id, gone.month
    gone.lines.all().delete()
    gone.delete()
    recon = token_caller(user, "school_accountant", RW).get(
        f"/api/v1/accounting/books/{book}/reconciliation?month={month}"
    )
    line = next(
        r
        for r in recon.json()["rows"]
        if r["indicator_id"] == request.lines.first().indicator_line_id
    )
    missing = [d for d in line["documents"] if d["kind"] == "no_voucher"]
    assert [d["url"] for d in missing] == [f"/payments/{request.pk}/"]
    assert line["agrees"] is False
