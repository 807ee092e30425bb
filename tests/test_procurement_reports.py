"""政府采购执行表 and the SME payment term (R-GP-12, R-GP-6; ADR 0052): each step of a purchase
moves exactly its column of the unit's row and of its method's row — measured as differences
against the report before the step, so the demo's own purchases do not matter — the SME share
follows the awards, and an instalment accepted 30 days ago is listed as owed, late, then paid."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone

import pytest
from openpyxl import load_workbook
from tests.test_contract_reservations import _lines, _user
from tests.test_procurement_awards import _award, _contract, _filed_plan, _node, _request

from yusuan.procurement import reports
from yusuan.procurement.services.awards import AcceptanceInput, acceptance_record
from yusuan.workflow.services import document_submit

pytestmark = pytest.mark.django_db

YEAR = 2026
COLUMNS = ("budget", "planned", "contracted", "committed", "paid")


def _school() -> dict[str, int]:
    report = reports.execution(actor=_user("school_clerk"), fiscal_year=YEAR)
    code = _user("school_clerk").organisation.code
    row = next(r for r in report.by_unit if r.key == code)
    return {name: getattr(row, name) for name in COLUMNS}


def _method(method: str) -> dict[str, int]:
    report = reports.execution(actor=_user("school_clerk"), fiscal_year=YEAR)
    row = next((r for r in report.by_method if r.key == method), None)
    return {name: getattr(row, name) if row else 0 for name in COLUMNS}


def _moved(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in COLUMNS if after[k] != before[k]}


def test_r_gp_12_each_step_moves_its_column(user: Any) -> None:
    start, by_inquiry = _school(), _method("open_tender")
    (line,) = _lines(900_000_00)
    assert _moved(start, after := _school()) == {"budget": 900_000_00}
    plan = _filed_plan(line)  # 600,000 by 公开招标
    assert _moved(after, after_plan := _school()) == {"planned": 600_000_00}
    award = _award(plan, "500,000.00")
    contract = _contract(award, line)
    assert _moved(after_plan, after_contract := _school()) == {"contracted": 500_000_00}
    request = _request(contract, line, "150,000.00", _node(contract, "预付款"))
    document_submit(
        actor=_user("school_clerk"), document_type="payments.request", object_id=str(request.pk)
    )
    assert _moved(after_contract, _school()) == {"committed": 150_000_00}
    assert _moved(by_inquiry, _method("open_tender")) == {
        "planned": 600_000_00,
        "contracted": 500_000_00,
        "committed": 150_000_00,
    }
    share = reports.sme_share(actor=_user("school_clerk"), fiscal_year=YEAR)
    assert share.to_smes <= share.awarded and share.share.endswith("%")


def test_the_sme_share_counts_awards_to_smes(user: Any) -> None:
    before = reports.sme_share(actor=_user("school_clerk"), fiscal_year=YEAR)
    (line,) = _lines(900_000_00)
    plan = _filed_plan(line)
    _award(plan, "300,000.00", supplier_is_sme=True)
    _award(plan, "100,000.00", supplier_is_sme=False)
    after = reports.sme_share(actor=_user("school_clerk"), fiscal_year=YEAR)
    assert (after.awarded - before.awarded, after.to_smes - before.to_smes) == (
        400_000_00,
        300_000_00,
    )
    assert reports.SmeShare(400_000_00, 300_000_00).share == "75.0%"
    assert reports.SmeShare(0, 0).share == "—"


def test_r_gp_6_an_accepted_instalment_is_owed_within_30_days(user: Any) -> None:
    (line,) = _lines(900_000_00)
    contract = _contract(_award(_filed_plan(line), "500,000.00"), line)
    node = _node(contract, "验收款")
    accepted_on = timezone.localdate()
    acceptance_record(
        actor=_user("school_approver"),
        contract_id=contract.pk,
        data=AcceptanceInput(node.pk, accepted_on, "passed", "张三、李四", "合格"),
    )

    def owed(on: dt.date) -> list[reports.Owed]:
        found = reports.owed_to_smes(actor=_user("school_clerk"), on=on)
        return [o for o in found if o.contract_id == contract.pk]

    assert owed(accepted_on + dt.timedelta(days=24)) == []  # more than 5 days to go
    (soon,) = owed(accepted_on + dt.timedelta(days=25))
    assert (soon.milestone, soon.due_on, soon.left, soon.days_late, soon.overdue) == (
        "验收款",
        accepted_on + dt.timedelta(days=30),
        300_000_00,
        -5,
        False,
    )
    (late,) = owed(accepted_on + dt.timedelta(days=33))
    assert (late.days_late, late.overdue) == (3, True)
    # Requested in full, the node owes nothing more; another unit sees none of it.
    _request(contract, line, "300,000.00", node)
    request = contract.requests.latest("pk")
    document_submit(
        actor=_user("school_clerk"), document_type="payments.request", object_id=str(request.pk)
    )
    assert owed(accepted_on + dt.timedelta(days=33)) == []
    hospital = reports.owed_to_smes(actor=_user("hospital_clerk"), on=accepted_on)
    assert all(o.contract_id != contract.pk for o in hospital)


def test_the_report_page_excel_pdf_and_api_agree(client_as: Any, user: Any) -> None:
    (line,) = _lines(900_000_00)
    _filed_plan(line)
    clerk = client_as("school_clerk")
    page = clerk.get(f"/procurement/report/?year={YEAR}")
    text = page.content.decode()
    assert page.status_code == 200 and "政府采购执行表" in text and "R-GP-6" in text
    workbook = load_workbook(
        io.BytesIO(clerk.get(f"/procurement/report/?year={YEAR}&export=xlsx").content)
    )
    cells = [str(c) for row in workbook.active.iter_rows(values_only=True) for c in row if c]
    school = _user("school_clerk").organisation
    assert school.name in cells
    pdf = clerk.get(f"/procurement/report/?year={YEAR}&export=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    api = clerk.get(f"/api/v1/procurement/execution?fiscal_year={YEAR}").json()
    row = next(r for r in api["by_unit"] if r["key"] == school.code)
    figures = _school()
    assert {k: row[f"{k}_fen"] for k in COLUMNS} == figures
    assert clerk.get("/api/v1/procurement/execution?fiscal_year=99999").status_code == 422
    # R-GP-3: the page and the API list the same missed deadlines.
    missed = reports.missed_deadlines(
        actor=_user("school_clerk"), fiscal_year=YEAR, on=timezone.localdate()
    )
    assert [m["contract_number"] for m in api["missed_deadlines"]] == [
        m.contract_number for m in missed
    ]
    assert 'data-testid="missed-deadlines"' in text
    title = text.split("<title>")[1].split("</title>")[0]
    assert "<" not in title and "政府采购执行表" in title
    for m in missed:
        assert m.contract_number in text
    # The hospital's clerk does not see the school's row.
    other = client_as("hospital_clerk").get(f"/procurement/report/?year={YEAR}")
    assert school.name not in other.content.decode()
