"""The data grid (issue 16 item 3; ADR 0034) on the indicator ledger: one page as asked (columns,
sort, size, page), subtotals over every matching row of a group, filters by name, columns kept
per person, and an Excel export that equals what the page shows."""

from __future__ import annotations

import io
import re
from typing import Any

from django.db.models import Sum

import pytest
from openpyxl import load_workbook

from yusuan.common.money import Money
from yusuan.indicators.models import IndicatorLine

pytestmark = pytest.mark.django_db

LEDGER = "/indicators/ledger/"


def _table(html: str) -> tuple[list[str], list[list[str]]]:
    """The grid's header labels and its body rows (each cell's visible text, one line)."""
    table = html.split('data-testid="ledger"', 1)[1].split("</table>", 1)[0]
    head = [
        re.sub(r"<[^>]+>|[▲▼]", "", h).strip()
        for h in re.findall(r"<th[^>]*>(.*?)</th>", table.split("</thead>", 1)[0], re.S)
    ]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells])
    return head, rows


def _export(client: Any, query: str) -> list[list[str]]:
    data = client.get(f"{LEDGER}?{query}&export=xlsx").content
    sheet = load_workbook(io.BytesIO(data)).active
    return [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]


def _yuan(text: str) -> str:
    """A page's figure ("1,234.50") as the export writes it (1234.5)."""
    return str(Money.parse(text).to_yuan()) if text else ""


def test_the_export_equals_what_the_page_shows(client_as: Any) -> None:
    budget = client_as("wj_budget")
    query = "size=20&group=department&sort=-available"
    head, rows = _table(budget.get(f"{LEDGER}?{query}").content.decode())
    exported = _export(budget, query)
    assert exported[0] == head
    amounts = [
        i
        for i, h in enumerate(head)
        if h in ("总额（元）", "可用余额（元）", "支付在途（元）", "已支付（元）")
    ]
    assert amounts, head
    for shown, written in zip(rows, exported[1:], strict=False):
        for index, (a, b) in enumerate(zip(shown, written, strict=True)):
            if index in amounts:
                assert Money.parse(a).fen == Money.parse(b).fen, (shown, written)
            elif index == 0 and b.startswith(("Subtotal", "小计")):
                assert a == b
            else:
                assert a.split(" ")[0] == b.split(" ")[0] or a.startswith(b), (shown, written)


def test_subtotals_sum_every_row_of_the_group(client_as: Any) -> None:
    html = client_as("wj_budget").get(f"{LEDGER}?size=200&group=department").content.decode()
    head, rows = _table(html)
    subtotals = [r for r in rows if r[0].startswith(("Subtotal", "小计"))]
    assert len(subtotals) >= 2, "the first page ends several departments"
    total = head.index("总额（元）")
    lines = IndicatorLine.objects.filter(fiscal_year=2026, mof_div_code="320509")
    by_department: dict[str, int] = {}
    for path, fen in lines.values_list("organisation__path", "total"):
        key = path.strip("/").split("/")[0]
        by_department[key] = by_department.get(key, 0) + fen
    from yusuan.core.models import Organisation

    names = dict(Organisation.objects.values_list("name", "pk"))
    for row in subtotals:
        name = row[0].split("·", 1)[1].strip()
        assert Money.parse(row[total]).fen == by_department[str(names[name])], row


def test_sort_size_and_page_jump(client_as: Any) -> None:
    budget = client_as("wj_budget")
    head, rows = _table(budget.get(f"{LEDGER}?size=20&sort=-available&page=2").content.decode())
    assert len(rows) == 20
    available = [Money.parse(r[head.index("可用余额（元）")]).fen for r in rows]
    assert available == sorted(available, reverse=True)
    first, _rows = _table(budget.get(f"{LEDGER}?size=20&sort=-available").content.decode())
    top = IndicatorLine.objects.filter(fiscal_year=2026).order_by("-available", "code")
    assert rows[0][0].startswith(top[20].code)
    assert budget.get(f"{LEDGER}?size=20&page=9999").status_code == 422  # named, not empty


def test_filters_by_name_and_columns_kept_per_person(client_as: Any, user: Any) -> None:
    budget = client_as("wj_budget")
    _head, rows = _table(
        budget.get(f"{LEDGER}?organisation=松陵实验小学&size=200").content.decode()
    )
    school = user("school_clerk").organisation
    expected = IndicatorLine.objects.filter(organisation=school, fiscal_year=2026).count()
    assert len(rows) == expected and all("松陵实验小学" in r[1] for r in rows)
    # By a class's name as well as its code.
    _head, rows = _table(budget.get(f"{LEDGER}?dep_bgt_eco_code=办公费&size=200").content.decode())
    assert rows and all("30201" in r[3] for r in rows)

    answer = budget.post(
        "/grid/columns/",
        {"grid": "indicators.ledger", "cols": ["code", "held", "paid"], "next": LEDGER},
    )
    assert answer.status_code == 302 and answer["Location"] == LEDGER
    head, _rows = _table(budget.get(LEDGER).content.decode())
    assert head == ["指标编码", "财政冻结（元）", "已支付（元）"]
    assert _export(budget, "size=50")[0] == head
    # Another person's grid is theirs.
    other, _rows = _table(client_as("wj_treasury").get(LEDGER).content.decode())
    assert "可用余额（元）" in other
    # A next address elsewhere is not followed.
    away = budget.post("/grid/columns/", {"grid": "x", "cols": ["code"], "next": "https://evil/"})
    assert away["Location"] == "/"


def test_the_total_row_is_over_every_matching_line(client_as: Any) -> None:
    html = client_as("wj_budget").get(f"{LEDGER}?size=20").content.decode()
    table = html.split('data-testid="ledger"', 1)[1].split("</table>", 1)[0]
    foot = table.split("<tfoot>", 1)[1]
    figures = re.findall(r'<th class="num">([^<]+)</th>', foot)
    paid = IndicatorLine.objects.filter(fiscal_year=2026, mof_div_code="320509").aggregate(
        s=Sum("paid")
    )["s"]
    assert Money(paid).format() in figures


def test_the_payment_list_sorts_and_subtotals_its_totals_in_the_database(
    client_as: Any, user: Any
) -> None:
    from yusuan.payments.models import PaymentLine

    clerk = client_as("school_clerk")
    html = clerk.get("/payments/?sort=-total&size=200&group=state").content.decode()
    table = html.split('data-testid="requests"', 1)[1].split("</table>", 1)[0]
    head = [
        re.sub(r"<[^>]+>|[▲▼]", "", h).strip()
        for h in re.findall(r"<th[^>]*>(.*?)</th>", table.split("</thead>", 1)[0], re.S)
    ]
    amount = head.index("金额（元）")
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [
        [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]
    school = user("school_clerk").organisation
    lines = PaymentLine.objects.filter(request__organisation=school)
    by_state: dict[str, int] = {}
    for state, fen in lines.values_list("request__state", "amount"):
        by_state[state] = by_state.get(state, 0) + fen
    from yusuan.payments.choices import RequestState

    subtotals = {
        r[0].split("·", 1)[1].strip(): Money.parse(r[amount]).fen
        for r in rows
        if r[0].startswith("小计")
    }
    assert subtotals == {str(RequestState(s).label): fen for s, fen in by_state.items()}
    # Within each state the rows are by amount, largest first.
    current: list[int] = []
    for row in rows:
        if row[0].startswith("小计"):
            assert current == sorted(current, reverse=True)
            current = []
        else:
            current.append(Money.parse(row[amount]).fen)


def test_payees_and_organisations_are_grids_and_payees_stay_masked(client_as: Any) -> None:
    from yusuan.core.models import Payee

    admin = client_as("wj_admin")
    html = admin.get("/core/payees/?size=200&sort=name").content.decode()
    table = html.split('data-testid="payees"', 1)[1].split("</table>", 1)[0]
    person = Payee.objects.filter(kind="individual").exclude(id_number="").first()
    assert person is not None
    # Whatever the role, a list shows the masked identity and account numbers (DESIGN §7).
    assert person.id_number not in table and person.bank_account_no not in table
    data = admin.get("/core/payees/?size=200&sort=name&export=xlsx").content
    sheet = load_workbook(io.BytesIO(data)).active
    written = "".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r if c)
    assert person.id_number not in written and person.bank_account_no not in written
    names = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] and r[0] != "合计"]
    assert names == sorted(names)
    organisations = admin.get("/core/organisations/?sort=-code&size=20").content.decode()
    assert (
        'data-testid="organisations"' in organisations and 'aria-sort="descending"' in organisations
    )


DOCUMENTS = "/indicators/documents/"


def _grid(html: str, testid: str) -> tuple[list[str], list[list[str]]]:
    return _table(html.replace(f'data-testid="{testid}"', 'data-testid="ledger"', 1))


def test_the_document_list_sums_sorts_and_subtotals_in_the_database(client_as: Any) -> None:
    from yusuan.indicators.models import DocumentLine, IndicatorDocument

    budget = client_as("wj_budget")
    head, rows = _grid(
        budget.get(f"{DOCUMENTS}?sort=-total&size=200&group=unit").content.decode(), "documents"
    )
    amount = head.index("金额（元）")
    assert head[:3] == ["单据编号", "类型", "标题"]
    totals: dict[str, int] = {}
    for number, fen in DocumentLine.objects.values_list("document__number", "amount"):
        totals[number] = totals.get(number, 0) + fen
    by_unit: dict[str, int] = {}
    for number, unit in IndicatorDocument.objects.values_list("number", "organisation__name"):
        by_unit[unit] = by_unit.get(unit, 0) + totals.get(number, 0)
    documents = [r for r in rows if not r[0].startswith("小计")]
    assert documents and all(Money.parse(r[amount]).fen == totals[r[0]] for r in documents)
    subtotals = {
        r[0].split("·", 1)[1].strip(): Money.parse(r[amount]).fen
        for r in rows
        if r[0].startswith("小计")
    }
    assert subtotals == by_unit
    current: list[int] = []  # within each unit, the largest document first
    for row in rows:
        if row[0].startswith("小计"):
            assert current == sorted(current, reverse=True)
            current = []
        else:
            current.append(Money.parse(row[amount]).fen)


def test_the_document_list_filters_by_name_and_code_and_exports_what_is_shown(
    client_as: Any,
) -> None:
    from yusuan.indicators.models import IndicatorDocument

    budget = client_as("wj_budget")
    shown = "cols=number,kind,title,doc_no,organisation"
    document = IndicatorDocument.objects.exclude(title="").order_by("pk").first()
    assert document is not None
    word = document.title[-4:]  # part of a name: 预算指标
    _head, rows = _grid(
        budget.get(f"{DOCUMENTS}?q={word}&size=200&{shown}").content.decode(), "documents"
    )
    assert document.number in [r[0] for r in rows] and all(word in r[2] + r[3] for r in rows)
    _head, rows = _grid(
        budget.get(f"{DOCUMENTS}?q={document.number}").content.decode(), "documents"
    )
    assert [r[0] for r in rows] == [document.number]
    unit = document.organisation
    _head, rows = _grid(
        budget.get(f"{DOCUMENTS}?organisation={unit.name[-4:]}&size=200&{shown}").content.decode(),
        "documents",
    )
    expected = IndicatorDocument.objects.filter(organisation__name__contains=unit.name[-4:])
    assert len(rows) == expected.count() and all(unit.name[-4:] in r[4] for r in rows)

    query = "size=20&sort=number&cols=number,total,kind"
    head, rows = _grid(budget.get(f"{DOCUMENTS}?{query}").content.decode(), "documents")
    data = budget.get(f"{DOCUMENTS}?{query}&export=xlsx").content
    sheet = [list(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    assert sheet[0] == head == ["单据编号", "金额（元）", "类型"]
    assert len(sheet) == 1 + IndicatorDocument.objects.count() + 1  # every page, and 合计
    for shown, written in zip(rows, sheet[1:], strict=False):
        assert [shown[0], Money.parse(shown[1]).fen, shown[2]] == [
            written[0],
            Money.parse(str(written[1])).fen,
            written[2],
        ]


def test_an_export_over_the_row_limit_is_refused_with_the_count(
    client_as: Any, settings: Any
) -> None:
    """A sheet is built in memory: past ``YUSUAN_EXPORT_MAX_ROWS`` the clerk is told the count
    and the limit (422), and a filtered list under it still exports."""
    budget = client_as("wj_budget")
    count = IndicatorLine.objects.filter(fiscal_year=2026, mof_div_code="320509").count()
    settings.YUSUAN_EXPORT_MAX_ROWS = count - 1
    refused = budget.get(f"{LEDGER}?export=xlsx")
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "grid.export_too_large" in text or "导出行数" in text
    assert f"导出行数 {count} 超过上限 {count - 1}" in text
    settings.YUSUAN_EXPORT_MAX_ROWS = count
    assert budget.get(f"{LEDGER}?export=xlsx").status_code == 200


def test_the_grid_body_escapes_every_hostile_value(client_as: Any) -> None:
    """The rows are written in Python (ADR 0048): text, notes, badges and keys are escaped as
    the template did, and safe text (a cell's own markup) is not escaped twice."""
    from django.template import Context
    from django.utils.safestring import mark_safe

    from yusuan.common.grid import Cell, GridRow
    from yusuan.common.templatetags.grid_tags import _cell, grid_body

    hostile = "<script>alert('x')</script>\"&"
    cell = Cell(hostile, url=f"/x/?a={hostile}", note=hostile, badges=(hostile,), key="k")
    written = _cell(cell, None, {})
    assert "<script>" not in written and "&lt;script&gt;" in written
    assert "&#x27;x&#x27;" in written and "&quot;&amp;" in written
    assert (
        _cell(Cell(mark_safe("<b>ok</b>"), key="k"), None, {}) == '<td class="c-k"><b>ok</b></td>'
    )

    class Page:
        columns = [object()]
        rows = [GridRow(None, [cell], key=hostile)]

        class grid:  # noqa: N801 - the attribute the tag reads
            row_testid = hostile

    body = grid_body(Context({}), Page())  # type: ignore[arg-type]
    assert "<script>" not in body
    # key, test id, title (text and note), link, text, note, badge
    assert body.count("&lt;script&gt;") == 8
