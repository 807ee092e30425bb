"""Code-set and unit import/export: every bad row is listed, nothing is imported."""

import csv
import io
from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest
from openpyxl import Workbook, load_workbook

from yusuan.common.errors import BusinessRuleError
from yusuan.core.exchange import code_set_export, code_set_import_file, units_import_file
from yusuan.core.models import ClassificationCode, Organisation


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


BAD_ROWS = [
    ["代码集", "编码", "名称", "是否启用"],
    ["functional", "2050205", "高等教育", "是"],  # row 2: fine
    ["functional", "205022", "错位", "是"],  # row 3: six digits
    ["functional", "2059901", "上级不存在", "是"],  # row 4: parent 20599 missing
    ["nonsense", "1", "x", "是"],  # row 5: unknown code set
    ["department_economic", "30201", "", "是"],  # row 6: empty name
    ["functional", "2050205", "重复", "是"],  # row 7: duplicate of row 2
    ["fund_type", "611", "x", "也许"],  # row 8: bad flag
]


def test_bad_code_file_lists_every_bad_row_and_imports_nothing(user: Callable[[str], Any]) -> None:
    before = ClassificationCode.objects.count()
    with pytest.raises(BusinessRuleError) as excinfo:
        code_set_import_file(
            actor=user("wj_budget"),
            mof_div_code="320509",
            fiscal_year=2026,
            data=_csv(BAD_ROWS),
            filename="codes.csv",
        )
    found = sorted((e.row, e.field, e.code) for e in excinfo.value.errors)
    assert found == [
        (3, "code", "core.code_length"),
        (4, "parent_code", "core.parent_code_missing"),
        (5, "kind", "core.code_kind_unknown"),
        (6, "name", "required"),
        (7, "code", "core.code_duplicate_in_file"),
        (8, "is_enabled", "core.invalid_flag"),
    ]
    assert all(e.message_zh.startswith(f"第 {e.row} 行") for e in excinfo.value.errors)
    assert ClassificationCode.objects.count() == before


def test_good_xlsx_imports_creates_and_updates(user: Callable[[str], Any]) -> None:
    rows = [
        ["kind", "code", "name", "is_enabled"],
        ["functional", "2050205", "高等教育", "是"],
        ["functional", "2050201", "学前教育（新名）", "否"],
    ]
    result = code_set_import_file(
        actor=user("wj_budget"),
        mof_div_code="320509",
        fiscal_year=2026,
        data=_xlsx(rows),
        filename="c.xlsx",
    )
    assert (result.created, result.updated) == (1, 1)
    changed = ClassificationCode.objects.get(
        mof_div_code="320509", fiscal_year=2026, kind="functional", code="2050201"
    )
    assert (changed.name, changed.is_enabled, changed.parent_code, changed.level) == (
        "学前教育（新名）",
        False,
        "20502",
        3,
    )


def test_closed_year_codes_are_frozen_r_md_4(user: Callable[[str], Any]) -> None:
    rows = [["kind", "code", "name"], ["functional", "2050205", "高等教育"]]
    with pytest.raises(BusinessRuleError) as excinfo:
        code_set_import_file(
            actor=user("wj_budget"),
            mof_div_code="320509",
            fiscal_year=2025,
            data=_csv(rows),
            filename="c.csv",
        )
    assert excinfo.value.errors[0].rule == "R-MD-4"


def test_unknown_and_missing_columns_are_named(user: Callable[[str], Any]) -> None:
    with pytest.raises(BusinessRuleError) as excinfo:
        code_set_import_file(
            actor=user("wj_budget"),
            mof_div_code="320509",
            fiscal_year=2026,
            data=_csv([["编码", "颜色"], ["1", "红"]]),
            filename="c.csv",
        )
    assert sorted(e.code for e in excinfo.value.errors) == [
        "import.missing_column",
        "import.missing_column",
        "import.unknown_column",
    ]


def test_export_round_trips_through_import(user: Callable[[str], Any]) -> None:
    data = code_set_export(
        mof_div_code="320509", fiscal_year=2026, kind="functional", file_format="xlsx"
    )
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header == ["代码集", "编码", "名称", "上级编码", "是否启用"]
    result = code_set_import_file(
        actor=user("wj_budget"),
        mof_div_code="320509",
        fiscal_year=2026,
        data=data,
        filename="x.xlsx",
    )
    assert result.created == 0 and result.updated == 0 and result.unchanged == sheet.max_row - 1


def test_units_import_creates_parents_before_children_or_nothing(
    user: Callable[[str], Any],
) -> None:
    rows = [
        ["单位编码", "单位名称", "类别", "上级单位编码", "单位类型", "预算级次"],
        ["150002", "测试下属单位", "unit", "150", "31", "3"],  # parent appears later in the file
        ["150", "测试部门", "department", "", "1", "1"],
    ]
    admin = user("wj_admin")
    result = units_import_file(
        actor=admin, mof_div_code="320509", data=_csv(rows), filename="u.csv"
    )
    assert result.created == 2
    child = Organisation.objects.get(mof_div_code="320509", code="150002")
    assert child.parent is not None and child.parent.code == "150"

    bad = [
        rows[0],
        ["160", "坏部门", "department", "", "7", "9"],
        ["161", "", "unit", "999", "31", "3"],
    ]
    count = Organisation.objects.count()
    with pytest.raises(BusinessRuleError) as excinfo:
        units_import_file(actor=admin, mof_div_code="320509", data=_csv(bad), filename="u.csv")
    assert sorted((e.row, e.field) for e in excinfo.value.errors) == [
        (2, "agency_type"),
        (2, "budget_level"),
        (3, "name"),
        (3, "parent_code"),
    ]
    assert Organisation.objects.count() == count


def test_import_page_shows_the_error_table(client_as: Callable[[str], Client]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as("wj_budget")
    upload = SimpleUploadedFile("codes.csv", _csv(BAD_ROWS), content_type="text/csv")
    response = client.post("/core/codes/import/?year=2026", {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="import-errors"' in body
    for row in (3, 4, 5, 6, 7, 8):
        assert f"<td>{row}</td>" in body
