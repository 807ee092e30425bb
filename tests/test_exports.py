"""Exports are inert (OWASP CSV injection): text a person typed that a spreadsheet would run as a
formula (``=HYPERLINK(…)`` in a unit name, a code name, a ledger's unit) is written as text in
.xlsx and with a leading ``'`` in CSV, in every export; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import fields, replace
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from yusuan.common.tabular import Column, read_rows, write_table
from yusuan.core.models import ClassificationCode, Organisation
from yusuan.core.services.classification import code_update
from yusuan.core.services.organisations import OrganisationData, organisation_update

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://x","y")'
TYPED = [LINK, "+1+2", "-3+4", "@SUM(A1)", "\t=1+2", "\r=1+2"]


def _xlsx_cells(content: bytes) -> list[Any]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _assert_inert_xlsx(content: bytes, text: str) -> None:
    cells = [c for c in _xlsx_cells(content) if c.value == text]
    assert cells, f"{text!r} is not in the export"
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not [c for c in _xlsx_cells(content) if c.data_type == "f"]


def _assert_inert_csv(content: bytes, text: str) -> None:
    values = [v for row in _csv_rows(content) for v in row]
    assert f"'{text}" in values
    assert text not in values


def _rename_school(user: Any, name: str) -> Organisation:
    school = user("school_clerk").organisation
    data = OrganisationData(**{f.name: getattr(school, f.name) for f in fields(OrganisationData)})
    return organisation_update(
        actor=user("wj_admin"), organisation=school, data=replace(data, name=name)
    )


def test_write_table_neutralises_formula_text_and_keeps_numbers() -> None:
    columns = [Column(f"c{i}", f"列{i}", f"C{i}") for i in range(len(TYPED) + 3)]
    row = [*TYPED, -5, Decimal("-1.50"), "普通文字"]
    cells = _xlsx_cells(write_table(columns, [row], file_format="xlsx"))[len(columns) :]
    assert [c.value for c in cells[: len(TYPED)]] == TYPED
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[: len(TYPED)])
    assert [(c.value, c.data_type) for c in cells[len(TYPED) :]] == [
        (-5, "n"),
        (-1.5, "n"),
        ("普通文字", "s"),
    ]
    assert not cells[-1].quotePrefix

    written = _csv_rows(write_table(columns, [row], file_format="csv"))[1]
    assert written == [*(f"'{t}" for t in TYPED), "-5", "-1.50", "普通文字"]


def test_csv_export_imports_back_unchanged() -> None:
    columns = [Column("name", "名称", "Name")]
    data = write_table(columns, [[LINK], ["'普通"]], file_format="csv")
    assert read_rows(data, "x.csv") == [["名称"], [LINK], ["'普通"]]


def test_units_export_xlsx_and_csv(client_as: Any, user: Any) -> None:
    _rename_school(user, LINK)
    admin = client_as("wj_admin")
    _assert_inert_xlsx(admin.get("/core/organisations/export/").content, LINK)
    _assert_inert_csv(admin.get("/core/organisations/export/?format=csv").content, LINK)


def test_code_export_xlsx_and_csv(client_as: Any, user: Any) -> None:
    code = ClassificationCode.objects.get(
        mof_div_code="320509", fiscal_year=2026, kind="functional", code="2050201"
    )
    code_update(actor=user("wj_budget"), code=code, name=LINK, is_enabled=True)
    budget = client_as("wj_budget")
    query = "?year=2026&kind=functional"
    _assert_inert_xlsx(budget.get(f"/core/codes/export/{query}").content, LINK)
    _assert_inert_csv(budget.get(f"/core/codes/export/{query}&format=csv").content, LINK)


def test_indicator_ledger_export(client_as: Any, user: Any) -> None:
    _rename_school(user, LINK)
    export = client_as("wj_budget").get("/indicators/ledger/?export=xlsx")
    _assert_inert_xlsx(export.content, LINK)
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.title == "指标账"
    amounts = [c for c in next(sheet.iter_rows(min_row=2, max_row=2))][14:]
    assert all(c.data_type == "n" for c in amounts)  # amounts are numbers, not text


def test_payroll_template_has_no_formula(client_as: Any) -> None:
    template = client_as("school_clerk").get("/payments/payroll/template.xlsx")
    assert template.status_code == 200
    cells = _xlsx_cells(template.content)
    assert cells and not [c for c in cells if c.data_type == "f"]
