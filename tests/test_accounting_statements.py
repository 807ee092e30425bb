"""The seven statements, the 差异调节表 and their checks (issue 19; DOMAIN-2 §5.5, R-AC-5, R-AC-9,
R-AC-10), on a worked year of the school's books checked figure by figure.

The year is 2030, a book no demo touches, so every month is open whatever the suite's clock."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db.models import F

import pytest
from openpyxl import load_workbook

from yusuan.accounting import flows, statements
from yusuan.accounting.flows import Entry
from yusuan.accounting.models import Account, AssetCard, Book, PeriodTotal
from yusuan.accounting.services.books import book_for
from yusuan.accounting.services.lines import LineInput
from yusuan.accounting.services.vouchers import (
    voucher_create,
    voucher_post,
    voucher_reverse,
    voucher_review,
)
from yusuan.accounting.statements import budgetary, financial
from yusuan.common.money import Money
from yusuan.identity.models import Role
from yusuan.projects.models import Project

pytestmark = pytest.mark.django_db
YEAR = 2030
FUNC, FUND = "2050203", "111"


def _y(yuan: int) -> Money:
    return Money(yuan * 100)


def _fen(yuan: int) -> int:
    return yuan * 100


def _budget(code: str, *, debit: int = 0, credit: int = 0, **dims: Any) -> LineInput:
    """A budgetary line with the R-AC-3 dimensions a 6001/7201 line needs."""
    fields: dict[str, Any] = {
        "exp_func_code": FUNC,
        "dep_bgt_eco_code": "30201",
        "fund_type_code": FUND,
        "budget_activity": "public",
        **dims,
    }
    return LineInput(
        code, debit=_y(debit) if debit else None, credit=_y(credit) if credit else None, **fields
    )


def _fa(code: str, *, debit: int = 0, credit: int = 0, **dims: Any) -> LineInput:
    return LineInput(
        code, debit=_y(debit) if debit else None, credit=_y(credit) if credit else None, **dims
    )


@pytest.fixture
def poster(user: Any) -> Any:
    return second_accountant(user)


def second_accountant(user: Any) -> Any:
    """Another of the school's people made accountant: she posts what the first prepared."""
    other = user("school_approver")
    other.roles.add(Role.objects.get(code="accountant"))
    return user("school_approver")


def _post(
    user: Any, poster: Any, book: Book, when: dt.date, lines: list[LineInput], **kw: Any
) -> Any:
    voucher = voucher_create(
        actor=user("school_accountant"),
        book_id=book.pk,
        voucher_date=when,
        summary=kw.pop("summary", "worked example"),
        lines=lines,
        **kw,
    )
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=[voucher.pk])
    voucher_post(actor=poster, voucher_ids=[voucher.pk])
    return voucher


@pytest.fixture
def year(user: Any, poster: Any) -> dict[str, Any]:
    return worked_year(user, poster)


def worked_year(user: Any, poster: Any) -> dict[str, Any]:
    """Opening balances and six months of everyday events (DOMAIN-2 §5.2)."""
    school = user("school_accountant").organisation
    # The demo's asset cards (one bought in 2026 runs into 2030) would join this year's runs.
    AssetCard.objects.filter(organisation=school).delete()
    book = book_for(school.pk, YEAR)
    project = Project.objects.filter(organisation=school).order_by("pk").first()
    assert project is not None
    post = lambda when, lines, **kw: _post(user, poster, book, when, lines, **kw)  # noqa: E731
    opening = dt.date(YEAR, 1, 1)
    post(
        opening,
        [
            _fa("1002", debit=2_000),
            _fa("1601", debit=50_000),
            _fa("1201", debit=3_000),
            _fa("3001", credit=55_000),
            _budget("800102", debit=2_000),
            _budget("800103", debit=3_000),
            _budget("8201", credit=2_000),
            _budget("810107", credit=3_000),
        ],
        opening=True,
        summary="期初余额",
    )
    # E6: office costs paid by the treasury.
    post(
        dt.date(YEAR, 1, 10),
        [
            _fa("5001", debit=10_000, dep_bgt_eco_code="30201"),
            _fa("4001", credit=10_000, fund_type_code=FUND, budget_activity="public"),
            _budget("7201", debit=10_000),
            _budget("6001", credit=10_000),
        ],
    )
    # E1: salaries accrued; E3-P: 4,000 of them paid.
    accrual = post(
        dt.date(YEAR, 2, 28),
        [_fa("5001", debit=5_000, dep_bgt_eco_code="30101"), _fa("220101", credit=5_000)],
    )
    personnel = {"dep_bgt_eco_code": "30101", "budget_activity": "personnel"}
    post(
        dt.date(YEAR, 3, 5),
        [
            _fa("220101", debit=4_000),
            _fa("4001", credit=4_000, fund_type_code=FUND, **personnel),
            _budget("7201", debit=4_000, **personnel),
            _budget("6001", credit=4_000, **personnel),
        ],
    )
    # E8: equipment of 30,000 accepted, 20,000 paid, the rest owed.
    capital = {"dep_bgt_eco_code": "31002", "budget_activity": "project", "project_id": project.pk}
    post(
        dt.date(YEAR, 4, 20),
        [
            _fa("1601", debit=30_000),
            _fa("4001", credit=20_000, fund_type_code=FUND, **capital),
            _fa("2302", credit=10_000),
            _budget("7201", debit=20_000, **capital),
            _budget("6001", credit=20_000, **capital),
        ],
    )
    # E14: 事业收入 into the bank; E13: a fee collected for the treasury.
    own = {"fund_type_code": "511", "budget_activity": "", "exp_func_code": ""}
    post(
        dt.date(YEAR, 5, 8),
        [
            _fa("1002", debit=8_000),
            _fa("4101", credit=8_000),
            _budget("800102", debit=8_000, **own),
            _budget("6101", credit=8_000, **own),
        ],
    )
    post(dt.date(YEAR, 6, 2), [_fa("1002", debit=500), _fa("2103", credit=500)])
    return {"book": book, "accrual": accrual, "project": project}


def _table(found: statements.Statements, key: str) -> dict[str, tuple[int, ...]]:
    return {r.key: r.amounts for s in found.tables[key].sections for r in s.rows if r.key}


def test_the_worked_year_figure_by_figure(user: Any, year: dict[str, Any]) -> None:
    found = statements.book_statements(
        actor=user("school_accountant"), book_id=year["book"].pk, month=6
    )
    assert found.failures == []
    assert len(found.checks) == 10 + 3 * 6  # R-AC-10/R-AC-5, and R-AC-9 each month

    balance = _table(found, "balance")  # (期末, 年初)
    assert balance["cash"] == (_fen(10_500), _fen(2_000))
    assert balance["fiscal_receivable"] == (_fen(3_000), _fen(3_000))
    assert balance["fixed_net"] == (_fen(80_000), _fen(50_000))
    assert balance["assets_total"] == (_fen(93_500), _fen(55_000))
    assert balance["payroll"] == (_fen(1_000), 0)
    assert balance["payable"] == (_fen(10_000), 0)
    assert balance["due_to_finance"] == (_fen(500), 0)
    assert balance["accumulated"] == (_fen(55_000), _fen(55_000))
    assert balance["surplus"] == (_fen(27_000), 0)  # 42,000 revenue − 15,000 expense
    assert balance["liabilities_and_net_assets"] == (_fen(93_500), _fen(55_000))

    income = _table(found, "income")  # (本月, 本年累计)
    assert income["revenue"] == (0, _fen(42_000))
    assert income["fiscal"] == (0, _fen(34_000))
    assert income["business"] == (0, _fen(8_000))
    assert income["expense"] == (0, _fen(15_000))
    assert income["surplus"] == (0, _fen(27_000))

    net_assets = _table(found, "net_assets")  # 本年 累计盈余/专用基金/权益法调整/合计, 上年 …
    assert net_assets["last_year_end"][:4] == (_fen(55_000), 0, 0, _fen(55_000))
    assert net_assets["surplus"][:4] == (_fen(27_000), 0, 0, _fen(27_000))
    assert net_assets["year_end"][3] == _fen(82_000) == balance["net_assets_total"][0]

    budget = _table(found, "budget")  # (本年, 上年)
    assert budget["revenue"] == (_fen(42_000), 0)
    assert budget["fiscal"] == (_fen(34_000), 0)
    assert budget["business"] == (_fen(8_000), 0)
    assert budget["institution"] == (_fen(34_000), 0)
    assert budget["balance"] == (_fen(8_000), 0)

    carry = _table(found, "carryover")
    assert carry["open_fiscal"][0] == _fen(3_000)
    assert carry["open_other"][0] == _fen(2_000)
    assert carry["fiscal_diff"][0] == 0
    assert carry["other_diff"][0] == _fen(8_000)
    assert carry["end_fiscal_carry"][0] == _fen(3_000)
    assert carry["end_other_carry"][0] == _fen(10_000)
    assert carry["end"][0] == _fen(13_000)

    fiscal = _table(found, "fiscal")  # 12 columns: … 收入 [8], 支出 [9], 年末结转 [10]
    # The opening 结转 was booked to basic public funds: it is still there at the end.
    assert fiscal[f"public:{FUND}"][:2] == (_fen(3_000), 0)
    assert fiscal[f"public:{FUND}"][8:11] == (_fen(10_000), _fen(10_000), _fen(3_000))
    assert fiscal[f"personnel:{FUND}"][8:11] == (_fen(4_000), _fen(4_000), 0)
    project = f"project:{FUND}:{year['project'].pk}"
    assert fiscal[project][8:11] == (_fen(20_000), _fen(20_000), 0)
    assert fiscal["total"][10:] == (_fen(3_000), 0)

    recon = _table(found, "reconciliation")
    assert recon["budget_balance"] == (_fen(8_000),)
    assert recon["bexp_only:payable"] == (_fen(4_000),)  # salaries paid from the accrual
    assert recon["bexp_only:capital"] == (_fen(20_000),)  # equipment
    assert recon["exp_only:payable"] == (_fen(5_000),)  # salaries accrued
    assert recon["rev_only"] == (0,) and recon["brev_only"] == (0,)
    assert recon["surplus"] == (_fen(27_000),)

    cash = _table(found, "cash_flow")  # (本年, 上年)
    assert cash["fiscal_basic"][0] == _fen(14_000)
    assert cash["fiscal_capital"][0] == _fen(20_000)
    assert cash["business_in"][0] == _fen(8_000)
    assert cash["other_daily_in"][0] == _fen(500)
    assert cash["goods"][0] == _fen(10_000)
    assert cash["staff"][0] == _fen(4_000)
    assert cash["capex"][0] == _fen(20_000)
    assert cash["net_increase"][0] == _fen(8_500) == balance["cash"][0] - balance["cash"][1]


def test_a_red_ink_reversal_takes_its_voucher_out_of_every_table(
    user: Any, poster: Any, year: dict[str, Any]
) -> None:
    reversal = voucher_reverse(
        actor=user("school_accountant"),
        voucher_id=year["accrual"].pk,
        voucher_date=dt.date(YEAR, 6, 30),
        reason="计提有误",
    )
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=[reversal.pk])
    voucher_post(actor=poster, voucher_ids=[reversal.pk])
    found = statements.book_statements(
        actor=user("school_accountant"), book_id=year["book"].pk, month=6
    )
    assert found.failures == []
    recon = _table(found, "reconciliation")
    assert recon["exp_only:payable"] == (0,)  # not 5,000 added to the other side
    assert recon["bexp_only:payable"] == (_fen(4_000),)
    assert _table(found, "income")["expense"] == (-_fen(5_000), _fen(10_000))
    assert _table(found, "balance")["payroll"][0] == -_fen(4_000)


def test_the_checks_fail_when_the_totals_drift_from_the_vouchers(
    user: Any, year: dict[str, Any]
) -> None:
    """R-AC-10 compares the month totals with the vouchers' lines: a total changed behind the
    vouchers' back (as a broken upsert would) is named, with both figures and the difference."""
    row = PeriodTotal.objects.filter(book=year["book"], month=1, account_code="5001").first()
    assert row is not None
    PeriodTotal.objects.filter(pk=row.pk).update(debit_fen=F("debit_fen") + 1_00)
    found = statements.book_statements(
        actor=user("school_accountant"), book_id=year["book"].pk, month=6
    )
    failed = {c.key: c for c in found.failures}
    assert "reconciliation_surplus" in failed
    assert failed["reconciliation_surplus"].message_zh.endswith("相差 1.00 元")
    assert "balance" in failed  # the financial half no longer balances either
    assert not found.publishable


def test_an_unexplained_budget_balance_is_a_cash_warning(
    user: Any, poster: Any, year: dict[str, Any]
) -> None:
    """R-AC-9 warns (it does not block) when 资金结存—货币资金 leaves the cash it stands for."""
    _post(
        user,
        poster,
        year["book"],
        dt.date(YEAR, 6, 15),
        [
            _budget(
                "800102", debit=300, fund_type_code="511", budget_activity="", exp_func_code=""
            ),
            _budget("8201", credit=300, fund_type_code="511", budget_activity="", exp_func_code=""),
        ],
    )
    found = statements.book_statements(
        actor=user("school_accountant"), book_id=year["book"].pk, month=6
    )
    assert [(c.rule, c.key) for c in found.failures] == [("R-AC-9", "cash:6")]
    warning = found.failures[0]
    assert (warning.left, warning.right) == (_fen(10_300), _fen(10_000))
    assert found.publishable


def test_every_financial_account_is_in_exactly_one_row_of_the_balance_sheet() -> None:
    """So 资产总计 = 负债和净资产总计 checks the books, not the layout: each first-level account of
    halves 1–5 of the national chart falls in one leaf row (4xxx/5xxx through 本期盈余)."""
    from yusuan.accounting.services.chart import chart_install

    chart_install("320509")
    codes = set(
        Account.objects.filter(mof_div_code="320509", level=1, code__regex=r"^[1-5]").values_list(
            "code", flat=True
        )
    )
    assert len(codes) >= 77
    leaves = [i for i in (*financial.ASSETS, *financial.LIABILITIES) if not i.total_of]
    for code in sorted(codes):
        rows = [
            i.key
            for i in leaves
            if code.startswith((i.codes,) if isinstance(i.codes, str) else i.codes)
        ]
        assert len(rows) == 1, (code, rows)
    budget = set(
        Account.objects.filter(mof_div_code="320509", level=1, code__regex=r"^[67]").values_list(
            "code", flat=True
        )
    )
    rows = [i for i in budgetary.BUDGET_ITEMS if not i.total_of and i.key != "fund"]
    assert sorted(budget) == sorted(str(i.codes) for i in rows)


def test_red_ink_lines_are_read_as_their_original_taken_away() -> None:
    accrued = [Entry("fa", "5001", 500), Entry("fa", "220101", -500)]
    reversed_ = [Entry("fa", "5001", -500, red=True), Entry("fa", "220101", 500, red=True)]
    assert flows.differences([accrued])["exp_only:payable"] == 500
    assert flows.differences([accrued, reversed_])["exp_only:payable"] == 0
    paid = [Entry("fa", "5001", 700, "30201"), Entry("fa", "4001", -700, budget_activity="public")]
    refund = [Entry("fa", "4001", 200, budget_activity="public"), Entry("fa", "5001", -200)]
    cash = flows.cash_flows([paid, refund])
    assert (cash["fiscal_basic"], cash["goods"]) == (500, 500)


def test_pages_exports_and_another_units_book(
    user: Any, client_as: Any, year: dict[str, Any]
) -> None:
    book = year["book"]
    client = client_as("school_accountant")
    index = client.get(f"/accounting/books/{book.pk}/statements/?month=6")
    assert index.status_code == 200
    assert "checks-pass" in index.content.decode()
    page = client.get(f"/accounting/books/{book.pk}/statements/balance/?month=6")
    html = page.content.decode()
    assert "资产负债表" in html and "93,500.00" in html
    sheet = client.get(
        f"/accounting/books/{book.pk}/statements/reconciliation/?month=6&export=xlsx"
    )
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "附注 本年预算结余与本年盈余差异调节表"
    assert ("三、本年盈余（本年收入与费用的差额）", 27000) in [(r[0], r[1]) for r in rows]
    pdf = client.get(f"/accounting/books/{book.pk}/statements/fiscal/?month=6&export=pdf")
    assert pdf.content.startswith(b"%PDF") and pdf["Content-Type"] == "application/pdf"
    assert client.get(f"/accounting/books/{book.pk}/statements/nothing/").status_code == 404
    outsider = client_as("office_clerk")
    assert outsider.get(f"/accounting/books/{book.pk}/statements/").status_code == 404
    assert outsider.get(f"/accounting/books/{book.pk}/statements/balance/").status_code == 404
    # The outsider's own sum does not hold the school's figures.
    summed = outsider.get(f"/accounting/statements/balance/?year={YEAR}&month=6").content.decode()
    assert "93,500.00" not in summed
    mine = client.get(f"/accounting/statements/balance/?year={YEAR}&month=6").content.decode()
    assert "93,500.00" in mine and "吴江区松陵实验小学（汇总）" in mine
    # Finance sees the district: the sum is headed by the region, not the division.
    district = client_as("wj_accounting").get(f"/accounting/statements/?year={YEAR}&month=6")
    assert "吴江区（汇总）" in district.content.decode()


def test_the_api_gives_every_row_and_check_to_a_token(user: Any, year: dict[str, Any]) -> None:
    from tests.test_accounting_api import token_caller

    book = year["book"]
    caller = token_caller(user, "school_accountant", ["accounting:read"])
    answer = caller.get(f"/api/v1/accounting/books/{book.pk}/statements?month=6")
    status, body = answer.status_code, answer.json()
    assert status == 200
    assert body["publishable"] is True and body["book_ids"] == [book.pk]
    tables = {t["key"]: t for t in body["statements"]}
    assert list(tables) == list(statements.ALL)
    rows = {r["key"]: r["amounts"] for r in tables["balance"]["rows"]}
    assert rows["assets_total"] == [_fen(93_500), _fen(55_000)]
    assert tables["balance"]["number"] == "会政财01表"
    assert all(c["ok"] for c in body["checks"]) and len(body["checks"]) == 28
    answer = caller.get(f"/api/v1/accounting/books/{book.pk}/statements?month=6&key=income")
    status, one = answer.status_code, answer.json()
    assert [t["key"] for t in one["statements"]] == ["income"]
    answer = caller.get(f"/api/v1/accounting/books/{book.pk}/statements?key=nonsense")
    status, _ = answer.status_code, answer.json()
    assert status == 422
    answer = caller.get(f"/api/v1/accounting/statements?fiscal_year={YEAR}&month=6")
    status, summed = answer.status_code, answer.json()
    assert status == 200 and summed["book_ids"] == [book.pk]
    outsider = token_caller(user, "office_clerk", ["accounting:read"])
    answer = outsider.get(f"/api/v1/accounting/books/{book.pk}/statements")
    status, _ = answer.status_code, answer.json()
    assert status == 404
    answer = outsider.get(f"/api/v1/accounting/statements?fiscal_year={YEAR}")
    status, theirs = answer.status_code, answer.json()
    assert status == 200 and book.pk not in theirs["book_ids"]


def test_reconcile_finds_statement_items_that_drift_from_the_lines(year: dict[str, Any]) -> None:
    """``yusuan reconcile`` re-reads every posted voucher and compares the 现金流量表 and 差异调节表
    items kept at posting (FlowTotal)."""
    from yusuan.accounting.models import FlowTotal
    from yusuan.accounting.selectors import reconcile_books

    book = year["book"]
    assert reconcile_books([book]) == []
    kept = FlowTotal.objects.get(book=book, month=4, kind="gap", item="bexp_only:capital")
    assert kept.amount_fen == _fen(20_000)
    FlowTotal.objects.filter(pk=kept.pk).update(amount_fen=F("amount_fen") - 1)
    problems = reconcile_books([book])
    assert problems == [
        f"{book}: period 4 gap:bexp_only:capital: lines {_fen(20_000)} ≠ totals {_fen(20_000) - 1}"
    ]
