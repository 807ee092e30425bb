"""Declarations in and out of Excel (issue 17 item 1): the workbook round trip, every bad row of
every sheet named (sheet, row, column, code) with nothing imported, the upload bounds, formula
text kept inert, and the API's idempotent import."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

import pytest
from openpyxl import Workbook, load_workbook

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.demo.projects import complete_declaration
from yusuan.projects.exchange import declarations_import, write_workbook
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, project_create

pytestmark = pytest.mark.django_db

FORMULA = "=cmd|' /C calc'!A0"


def _declared(user: Any, name: str = "智慧课堂设备购置", **kw: Any) -> Project:
    clerk = user("school_clerk")
    values: dict[str, Any] = {
        "name": name,
        "category": "3",
        "kind": "new",
        "start_year": 2027,
        "end_year": 2028,
        "total_amount": Money.parse("350,000.50"),
        "fund_type": "111",
        "basis": "依据《教育信息化2.0行动计划》",
        "is_procurement": True,
    }
    values.update(kw)
    project = project_create(
        actor=clerk, organisation=clerk.organisation, fiscal_year=2026, data=ProjectInput(**values)
    )
    return complete_declaration(clerk, project)


def _content(project: Project) -> dict[str, Any]:
    """What a declaration holds, as plain values (not the project's identity or state)."""
    goal = getattr(project, "goal", None)
    return {
        "header": (
            project.name,
            project.category,
            project.kind,
            project.start_year,
            project.end_year,
            project.total_amount_fen,
            project.fund_type,
            project.basis,
            project.content,
            project.is_procurement,
            project.is_three_public,
            project.is_research,
            project.is_infrastructure,
            project.is_gov_service,
        ),
        "plans": sorted(project.plans.values_list("year", "fund_type", "amount_fen")),
        "calculation": list(
            project.calculation.values_list(
                "year",
                "content",
                "economic_code",
                "unit_price_fen",
                "quantity",
                "unit",
                "amount_fen",
            )
        ),
        "goal": None
        if goal is None
        else (
            goal.annual,
            goal.medium_term,
            goal.has_beneficiaries,
            list(
                goal.indicators.values_list(
                    "level1", "level2", "name", "operator", "target", "unit", "weight"
                )
            ),
        ),
        "documents": sorted(project.documents.values_list("kind", "doc_no", "title")),
    }


def _import(user: Any, data: bytes, username: str = "school_clerk") -> list[Project]:
    return declarations_import(actor=user(username), data=data, filename="申报.xlsx").projects


def test_export_then_import_gives_the_same_projects(user: Any, client_as: Any) -> None:
    first = _declared(user)
    second = _declared(user, name=FORMULA, start_year=2027, end_year=2027)
    data = write_workbook([first, second])
    created = _import(user, data)
    assert len(created) == 2
    for old, new in zip((first, second), created, strict=True):
        new = Project.objects.get(pk=new.pk)
        assert new.state == "draft" and new.code != old.code
        assert _content(new) == _content(old)
    # through the page: the list's export, filtered to the two, imports to the same again
    client = client_as("school_clerk")
    exported = client.get(f"/projects/{first.pk}/export/")
    assert exported.status_code == 200
    page = client.post(
        "/projects/import/",
        {"file": SimpleUploadedFile("a.xlsx", exported.content)},
    )
    assert page.status_code == 302
    newest = Project.objects.filter(name=first.name).order_by("-pk").first()
    assert newest is not None and _content(newest) == _content(first)


def test_formula_text_is_inert_in_the_workbook(user: Any) -> None:
    project = _declared(user, name=FORMULA)
    book = load_workbook(io.BytesIO(write_workbook([project])))
    cell = book["项目"]["B2"]
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")):
                    assert c.data_type == "s" and c.quotePrefix, (sheet.title, c.coordinate)


def _bad_workbook(user: Any) -> bytes:
    """Two projects, the second good; on the first, a value that cannot be read on every sheet,
    and a row whose key is on no project."""
    good = _declared(user, name="好项目")
    bad = _declared(user, name="坏项目")
    book = load_workbook(io.BytesIO(write_workbook([bad, good])))
    # the bad project's rows come first on each sheet (exported in the order given)
    book["项目"]["G2"] = "12,34.5"  # 项目总额: not an amount
    book["分年度计划"]["D3"] = "一百元"  # 金额
    book["测算明细"]["G2"] = "1.234"  # 数量: three decimals (R-PJ-10)
    book["绩效指标"]["B4"] = "产出物"  # 一级指标: no such level
    book["立项依据"].append(["无此行键", "立项依据", "x", "y"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_with_errors_on_several_sheets_names_each_and_imports_nothing(
    user: Any,
) -> None:
    data = _bad_workbook(user)
    before = Project.objects.count(), AuditRecord.objects.count()
    with pytest.raises(BusinessRuleError) as exc:
        _import(user, data)
    got = [(e.field, e.row, e.code, e.rule) for e in exc.value.errors]
    assert got == [
        ("projects[2].total_amount", 2, "money.grouping", None),
        ("plans[3].amount", 3, "money.invalid", None),
        ("calculation[2].quantity", 2, "projects.bad_quantity", "R-PJ-10"),
        ("indicators[4].level1", 4, "invalid_choice", None),
        ("documents[4].key", 4, "import.unknown_key", None),
    ], got
    assert (Project.objects.count(), AuditRecord.objects.count()) == before  # the good one too
    by_field = {e.field: e for e in exc.value.errors}
    total = by_field["projects[2].total_amount"]
    assert total.value == "12,34.5"
    assert total.message_zh.startswith("工作表“项目”第 2 行“项目总额(元)”：")
    stray = by_field["documents[4].key"]
    assert (stray.value, stray.limit) == ("无此行键", "项目")
    assert stray.message_en.startswith("sheet 'Basis documents' row 4 Row key: ")


def test_each_sheet_reports_its_rows_with_the_services_codes(user: Any) -> None:
    """Same as above with a readable header, so every sheet reaches its service."""
    good = _declared(user, name="好项目")
    bad = _declared(user, name="坏项目")
    book = load_workbook(io.BytesIO(write_workbook([bad, good])))
    book["分年度计划"]["C2"] = "999"
    book["测算明细"]["I2"] = 1
    book["绩效指标"]["C2"] = "社会"
    book["立项依据"]["C2"] = ""
    book["项目"]["C2"] = "人员类"  # R-PJ-8: not declared by hand
    out = io.BytesIO()
    book.save(out)
    before = Project.objects.count()
    with pytest.raises(BusinessRuleError) as exc:
        _import(user, out.getvalue())
    got = {(e.field, e.code, e.rule) for e in exc.value.errors}
    assert got == {
        ("projects[2].category", "projects.system_category", "R-PJ-8"),
    }, got  # the project itself is refused: its rows have nothing to be attached to
    book["项目"]["C2"] = "特定目标类"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(BusinessRuleError) as exc:
        _import(user, out.getvalue())
    got = {(e.field, e.row, e.code, e.rule) for e in exc.value.errors}
    assert got == {
        ("plans[2].fund_type", 2, "core.code_unknown", "R-MD-1"),
        ("calculation[2].amount", 2, "projects.calculation_amount_mismatch", "R-PJ-10"),
        ("indicators[2].level2", 2, "projects.goal_level_mismatch", "R-PF-5"),
        ("documents[2].doc_no", 2, "projects.document_field_required", "R-PJ-9"),
    }, got
    assert Project.objects.count() == before  # the good project is not kept either
    messages = [e.message_zh for e in exc.value.errors]
    assert any(m.startswith("工作表“测算明细”第 2 行“金额(元)”：") for m in messages), messages


def test_bad_choices_keys_and_headers(user: Any) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(
        [
            "行键",
            "项目名称",
            "项目类别",
            "项目属性",
            "起始年度",
            "结束年度",
            "项目总额(元)",
            "资金性质",
            "多余列",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(BusinessRuleError) as exc:
        _import(user, out.getvalue())
    assert [(e.code, e.field, e.value) for e in exc.value.errors] == [
        ("import.unknown_column", "projects[1]", "多余列")
    ]
    book = load_workbook(io.BytesIO(write_workbook([_declared(user)])))
    book["项目"]["D2"] = "旧的"
    book["项目"]["K2"] = "也许"
    book["项目"].append(["" for _ in range(3)] + ["x"])  # a row without a key
    book["绩效指标"]["E2"] = "大于"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(BusinessRuleError) as exc:
        _import(user, out.getvalue())
    got = {(e.field, e.code) for e in exc.value.errors}
    assert {
        ("projects[2].kind", "invalid_choice"),
        ("projects[2].is_procurement", "invalid_choice"),
        ("projects[3].key", "import.key_required"),
    } <= got, got


def test_uploads_are_bounded(user: Any) -> None:
    with pytest.raises(BusinessRuleError) as exc:
        declarations_import(actor=user("school_clerk"), data=b"a,b", filename="x.csv")
    assert exc.value.errors[0].code == "import.file_type"
    with pytest.raises(BusinessRuleError) as exc:
        declarations_import(actor=user("school_clerk"), data=b"PK\x03\x04no", filename="x.xlsx")
    assert exc.value.errors[0].code == "import.unreadable"
    data = write_workbook([_declared(user), _declared(user, name="二")])
    with override_settings(YUSUAN_UPLOAD_MAX_ROWS=3), pytest.raises(BusinessRuleError) as exc:
        _import(user, data)
    assert exc.value.errors[0].code == "import.too_many_rows"
    with override_settings(YUSUAN_UPLOAD_MAX_BYTES=100), pytest.raises(BusinessRuleError) as exc:
        _import(user, data)
    assert exc.value.errors[0].code == "upload.too_large"


def test_template_and_empty_workbook(client_as: Any, user: Any) -> None:
    response = client_as("school_clerk").get("/projects/import/template/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["项目", "分年度计划", "测算明细", "绩效指标", "立项依据", "说明"]
    with pytest.raises(BusinessRuleError) as exc:
        _import(user, response.content)
    assert exc.value.errors[0].code == "core.import_empty"
    page = client_as("school_clerk").post(
        "/projects/import/", {"file": SimpleUploadedFile("t.xlsx", response.content)}
    )
    assert page.status_code == 422 and 'data-testid="import-errors"' in page.content.decode()
    # 审核 roles that may not add projects cannot import
    assert client_as("wj_auditor").get("/projects/import/").status_code == 403


def test_api_import_is_idempotent_and_refuses_bad_workbooks(client_as: Any, user: Any) -> None:
    data = write_workbook([_declared(user)])
    client = client_as("school_clerk")
    before = Project.objects.count()

    def post(key: str, content: bytes) -> Any:
        return client.post(
            "/api/v1/projects-import",
            {"file": SimpleUploadedFile("d.xlsx", content)},
            HTTP_IDEMPOTENCY_KEY=key,
        )

    first = post("import-1", data)
    assert first.status_code == 201, first.content
    assert first.json()["created"] == 1
    again = post("import-1", data)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Project.objects.count() == before + 1
    bad = load_workbook(io.BytesIO(data))
    bad["测算明细"]["I2"] = 1
    out = io.BytesIO()
    bad.save(out)
    refused = post("import-2", out.getvalue())
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "calculation[2].amount"
    assert Project.objects.count() == before + 1
    exported = client.get("/api/v1/projects-export?state=draft")
    assert exported.status_code == 200
    codes = {
        r[0]
        for r in load_workbook(io.BytesIO(exported.content))["项目"].iter_rows(
            min_row=2, values_only=True
        )
    }
    assert codes == set(
        Project.objects.filter(organisation__name="吴江区松陵实验小学", state="draft").values_list(
            "code", flat=True
        )
    )


def test_quantities_and_amounts_keep_their_fen(user: Any) -> None:
    """Amounts travel as numbers in 元 and come back as the same fen (no float drift)."""
    amount = Money.parse("9,876,543,210.07")
    project = _declared(user, total_amount=amount, start_year=2027, end_year=2027)
    book = load_workbook(io.BytesIO(write_workbook([project])))
    assert Decimal(str(book["项目"]["G2"].value)) == Decimal("9876543210.07")
    created = _import(user, write_workbook([project]))[0]
    assert _content(Project.objects.get(pk=created.pk)) == _content(project)
    assert Project.objects.get(pk=created.pk).total_amount_fen == amount.fen
