"""Deeper indicator trees and upper-level transfers (DOMAIN-2 C4): R-IN-8, R-IN-9 and R-IN-5.

R-IN-8: 分解 may create a pending child held by a lower holder — budget division → sector
division → department 待分 → unit executable — with R-IN-2 conservation at every node, a child
never held higher up than its parent, and 收回 to the parent at every level.
R-IN-9: a 下达 row of upper-level transfer money carries 上级指标文号, 接收日期, 追踪代码 and
转移支付功能科目 (all or none, source 04); every allocated line inherits them unchanged.
R-IN-5: the 30-day allocation deadline runs from the 接收日期; breaches are listed (selector, page,
API), scoped, with the days overdue.

Every refusal is asserted by code, rule, field and figures, and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.utils import timezone

import pytest
from tests.indicator_helpers import shared_source, spec
from tests.test_indicators_rules import (
    DOC_NO,
    World,
    buckets,
    enter,
    figures,
    make_world,
    named,
    only,
    post_doc,
    refused,
    transfer_refs,
)

from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.indicators.choices import DocumentKind, LineKind
from yusuan.indicators.models import DocumentLine, IndicatorLine
from yusuan.indicators.selectors import reconcile
from yusuan.indicators.services import LineInput, LineSpec
from yusuan.indicators.transfers import transfer_breaches

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(user: Any) -> World:
    return make_world(user)


def pending_spec(holder: Organisation, **kw: Any) -> LineSpec:
    return spec(
        holder,
        None,
        line_kind=LineKind.PENDING,
        dep_bgt_eco_code="",
        pay_type_code="",
        acc_type="",
        **kw,
    )


def issue_pending(w: World, fen: int, **kw: Any) -> IndicatorLine:
    document = post_doc(
        w, DocumentKind.ISSUE, [LineInput(Money(fen), spec=pending_spec(w.bureau, **kw))]
    )
    line = document.lines.get().created_line
    assert line is not None
    return line


def down(source: IndicatorLine, fen: int, holder: Organisation, **kw: Any) -> LineInput:
    """A 分解 row creating a pending line for ``holder`` (R-IN-8)."""
    return LineInput(
        Money(fen),
        source_id=source.pk,
        spec=LineSpec(line_kind=LineKind.PENDING, organisation_id=holder.pk, **kw),
    )


def to_unit(
    source: IndicatorLine, fen: int, unit: Organisation, project: Any, **kw: Any
) -> LineInput:
    return LineInput(
        Money(fen),
        source_id=source.pk,
        spec=LineSpec(
            organisation_id=unit.pk,
            project_id=project.pk,
            dep_bgt_eco_code="30201",
            pay_type_code="1",
            acc_type="unit_zero_balance",
            **kw,
        ),
    )


def allocate(w: World, row: LineInput) -> IndicatorLine:
    created = post_doc(w, DocumentKind.ALLOCATE, [row]).lines.get().created_line
    assert created is not None
    return created


def sector(w: World) -> Organisation:
    """The sector division that supervises the 教育局 (a rank-1 holder)."""
    division = w.user("wj_sector_edu").organisation
    assert division.division_type == "sector" and w.edu.supervising_division_id == division.pk
    return division


def tree(w: World, **kw: Any) -> tuple[IndicatorLine, IndicatorLine, IndicatorLine, IndicatorLine]:
    """总指标 (bureau) 1,000,000 → 处室 600,000 → 教育局 待分 400,000 → 学校 可执行 250,000."""
    root = issue_pending(w, 1_000_000_00, **kw)
    division = allocate(w, down(root, 600_000_00, sector(w)))
    department = allocate(w, down(division, 400_000_00, w.edu))
    school = allocate(w, to_unit(department, 250_000_00, w.school, w.proj))
    return root, division, department, school


# --- R-IN-8: three levels, conservation at every node, reclaim at every level ------------------


def test_r_in_8_three_level_tree_conserves_money_at_every_node(w: World) -> None:
    root, division, department, school = tree(w)
    assert [line.kind for line in (root, division, department, school)] == [
        LineKind.PENDING,
        LineKind.PENDING,
        LineKind.PENDING,
        LineKind.EXECUTABLE,
    ]
    assert (division.parent_id, department.parent_id, school.parent_id) == (
        root.pk,
        division.pk,
        department.pk,
    )
    assert (division.organisation_id, department.organisation_id) == (sector(w).pk, w.edu.pk)
    assert buckets(root) == {
        "total": 1_000_000_00,
        "available": 400_000_00,
        "allocated": 600_000_00,
    }
    assert buckets(division) == {
        "total": 600_000_00,
        "available": 200_000_00,
        "allocated": 400_000_00,
    }
    assert buckets(department) == {
        "total": 400_000_00,
        "available": 150_000_00,
        "allocated": 250_000_00,
    }
    assert buckets(school) == {"total": 250_000_00, "available": 250_000_00}
    assert reconcile() == []


def test_r_in_8_reclaim_to_the_parent_works_at_every_level(w: World) -> None:
    root, division, department, school = tree(w)
    # 学校 → 教育局 待分
    post_doc(
        w, DocumentKind.RECLAIM, [LineInput(Money(50_000_00), source_id=school.pk, to_parent=True)]
    )
    assert buckets(school) == {"total": 200_000_00, "available": 200_000_00}
    assert buckets(department) == {
        "total": 400_000_00,
        "available": 200_000_00,
        "allocated": 200_000_00,
    }
    # 教育局 待分 → 处室
    post_doc(
        w,
        DocumentKind.RECLAIM,
        [LineInput(Money(200_000_00), source_id=department.pk, to_parent=True)],
    )
    assert buckets(department) == {"total": 200_000_00, "allocated": 200_000_00}
    assert buckets(division) == {
        "total": 600_000_00,
        "available": 400_000_00,
        "allocated": 200_000_00,
    }
    # 处室 → 总指标
    post_doc(
        w,
        DocumentKind.RECLAIM,
        [LineInput(Money(400_000_00), source_id=division.pk, to_parent=True)],
    )
    assert buckets(division) == {"total": 200_000_00, "allocated": 200_000_00}
    assert buckets(root) == {
        "total": 1_000_000_00,
        "available": 800_000_00,
        "allocated": 200_000_00,
    }
    assert reconcile() == []
    # A middle line cannot give back what it passed further down (R-IN-6).
    detail = only(
        refused(
            lambda: enter(
                w.budget,
                DocumentKind.RECLAIM,
                [LineInput(Money(1_00), source_id=department.pk, to_parent=True)],
            )
        )
    )
    assert figures(detail) == (
        "indicators.insufficient",
        "R-IN-6",
        "lines[0].amount",
        "1.00",
        "0.00",
    )


def test_r_in_8_reconcile_names_a_middle_node_whose_allocation_is_off(w: World) -> None:
    _root, division, _department, _school = tree(w)
    # Tampering outside the services: the division's allocated bucket no longer matches its child.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {IndicatorLine._meta.db_table} SET allocated = allocated - 100, "  # noqa: S608
            "available = available + 100 WHERE id = %s",
            [division.pk],
        )
    found = {(d.line_code, d.check) for d in reconcile()}
    assert (division.code, "allocated = Σ children (R-IN-2)") in found


def test_r_in_8_a_child_is_never_held_above_its_parent(w: World) -> None:
    _root, division, department, _school = tree(w)
    up = refused(lambda: enter(w.budget, DocumentKind.ALLOCATE, [down(division, 1_00, w.bureau)]))
    detail = only(up)
    assert figures(detail) == (
        "indicators.holder_above_parent",
        "R-IN-8",
        "lines[0].organisation",
        w.bureau.name,
        sector(w).name,
    )
    assert w.bureau.name in detail.message_zh and "只能向下分解" in detail.message_zh
    assert "R-IN-8" in detail.message_en
    detail = only(
        refused(lambda: enter(w.budget, DocumentKind.ALLOCATE, [down(department, 1_00, sector(w))]))
    )
    assert figures(detail) == (
        "indicators.holder_above_parent",
        "R-IN-8",
        "lines[0].organisation",
        sector(w).name,
        w.edu.name,
    )


def test_r_in_8_a_division_passes_money_only_to_what_it_supervises(w: World, org: Any) -> None:
    _root, division, _department, _school = tree(w)
    hospital = org("吴江区第一人民医院")
    assert hospital.supervising_division_id != division.organisation_id
    detail = only(
        refused(
            lambda: enter(
                w.budget,
                DocumentKind.ALLOCATE,
                [
                    LineInput(
                        Money(1_00),
                        source_id=division.pk,
                        spec=LineSpec(
                            line_kind=LineKind.PENDING, organisation_id=hospital.parent_id
                        ),
                    )
                ],
            )
        )
    )
    health = Organisation.objects.get(pk=hospital.parent_id)
    assert figures(detail) == (
        "indicators.outside_holder",
        "R-IN-8",
        "lines[0].organisation",
        health.name,
        sector(w).name,
    )
    # A department's pending line goes to itself (a finer 待分) or its units, never sideways.
    sideways = only(
        refused(
            lambda: enter(
                w.budget,
                DocumentKind.ALLOCATE,
                [down(_department, 1_00, health)],
            )
        )
    )
    assert figures(sideways) == (
        "indicators.outside_holder",
        "R-IN-8",
        "lines[0].organisation",
        health.name,
        w.edu.name,
    )
    finer = allocate(w, down(_department, 10_000_00, w.edu))
    assert (finer.kind, finer.organisation_id, finer.parent_id) == (
        LineKind.PENDING,
        w.edu.pk,
        _department.pk,
    )
    assert reconcile() == []


def test_r_in_8_a_unit_still_cannot_hold_a_pending_child(w: World) -> None:
    _root, _division, department, _school = tree(w)
    detail = only(
        refused(lambda: enter(w.budget, DocumentKind.ALLOCATE, [down(department, 1_00, w.school)]))
    )
    assert (detail.code, detail.rule, detail.field) == (
        "indicators.bad_holder",
        "R-IN-1",
        "lines[0].organisation",
    )


# --- R-IN-9: the references of an upper-level transfer -----------------------------------------


def test_r_in_9_a_transfer_row_needs_every_reference(w: World) -> None:
    bare = pending_spec(w.bureau, source_type_code="04", is_dir=True)
    errors = refused(
        lambda: enter(
            w.budget, DocumentKind.ISSUE, [LineInput(Money(1_00), spec=bare)], doc_no=DOC_NO
        )
    )
    assert {(e.code, e.rule, e.field) for e in errors} == {
        ("indicators.transfer_field_missing", "R-IN-9", f"lines[0].{name}")
        for name in ("sup_bgt_doc_no", "rec_date", "track_pro_code", "tp_func_code")
    }
    assert "上级转移支付须填写追踪代码" in named_field(errors, "lines[0].track_pro_code").message_zh


def named_field(errors: list[Any], field: str) -> Any:
    [found] = [e for e in errors if e.field == field]
    return found


def test_r_in_9_references_only_on_transfer_money(w: World) -> None:
    wrong = pending_spec(w.bureau, source_type_code="01", **transfer_refs())
    detail = only(
        refused(
            lambda: enter(
                w.budget, DocumentKind.ISSUE, [LineInput(Money(1_00), spec=wrong)], doc_no=DOC_NO
            )
        )
    )
    assert figures(detail) == (
        "indicators.transfer_source",
        "R-IN-9",
        "lines[0].source_type_code",
        "01",
        "04",
    )


def test_r_in_9_the_date_received_is_not_in_the_future_and_the_code_is_digits(w: World) -> None:
    today = timezone.localdate()
    refs = {**transfer_refs(), "rec_date": today + dt.timedelta(days=1), "tp_func_code": "23A"}
    bad = pending_spec(w.bureau, source_type_code="04", **refs)
    errors = refused(
        lambda: enter(
            w.budget, DocumentKind.ISSUE, [LineInput(Money(1_00), spec=bad)], doc_no=DOC_NO
        )
    )
    assert figures(named(errors, "indicators.rec_date_future")) == (
        "indicators.rec_date_future",
        "R-IN-9",
        "lines[0].rec_date",
        (today + dt.timedelta(days=1)).isoformat(),
        today.isoformat(),
    )
    assert figures(named(errors, "indicators.bad_tp_func_code")) == (
        "indicators.bad_tp_func_code",
        "R-IN-9",
        "lines[0].tp_func_code",
        "23A",
        "3–7 digits",
    )


def test_r_in_9_every_allocated_line_inherits_the_references(w: World) -> None:
    refs = transfer_refs()
    root, division, department, school = tree(w, source_type_code="04", is_dir=True, **refs)
    for line in (root, division, department, school):
        line.refresh_from_db()
        assert (
            line.sup_bgt_doc_no,
            line.rec_date,
            line.track_pro_code,
            line.tp_func_code,
            line.source_type_code,
            line.is_dir,
        ) == (
            refs["sup_bgt_doc_no"],
            refs["rec_date"],
            refs["track_pro_code"],
            refs["tp_func_code"],
            "04",
            True,
        ), line.code
    # The tracking code cannot be changed on the way down.
    detail = only(
        refused(
            lambda: enter(
                w.budget,
                DocumentKind.ALLOCATE,
                [to_unit(department, 1_00, w.school, w.proj, track_pro_code="OTHER-1")],
            )
        )
    )
    assert figures(detail) == (
        "indicators.transfer_field_changed",
        "R-IN-9",
        "lines[0].track_pro_code",
        "OTHER-1",
        refs["track_pro_code"],
    )
    assert department.code in detail.message_zh


def test_r_in_9_api_entry_detail_and_tracking_chain(w: World, client_as: Any) -> None:
    entrant, chief = client_as("wj_budget"), client_as("wj_budget_chief")
    rec = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    row = {
        "line_kind": "pending",
        "organisation": w.bureau.code,
        "exp_func_code": "2050202",
        "fund_type_code": "111",
        "source_type_code": "04",
        "is_dir": True,
        "sup_bgt_doc_no": "苏财教〔2026〕30号",
        "rec_date": rec,
        "track_pro_code": "32000026ZX0030",
        "tp_func_code": "2300208",
        "amount": "100000",
    }
    body = {
        "kind": "issue",
        "title": "接收上级转移支付",
        "doc_no": "吴财预〔2026〕30号",
        "budget_source": shared_source().code,  # R-IN-7
        "lines": [row],
    }
    bad = _post(
        entrant,
        "/api/v1/indicators/documents",
        {**body, "lines": [{**row, "rec_date": "2026/1/5"}]},
    )
    assert bad.status_code == 422, bad.content
    [error] = [e for e in bad.json()["errors"] if e["field"] == "lines[0].rec_date"]
    assert (error["code"], error["value"]) == ("indicators.bad_date", "2026/1/5")
    created = _post(entrant, "/api/v1/indicators/documents", body)
    assert created.status_code == 201, created.content
    [shown] = created.json()["lines"]
    assert (shown["track_pro_code"], shown["rec_date"], shown["sup_bgt_doc_no"]) == (
        "32000026ZX0030",
        rec,
        "苏财教〔2026〕30号",
    )
    posted = _post(chief, f"/api/v1/indicators/documents/{created.json()['id']}/post")
    assert posted.status_code == 200, posted.content
    root = IndicatorLine.objects.get(code=posted.json()["lines"][0]["created_line_code"])
    division = allocate(w, down(root, 60_000_00, sector(w)))
    school = allocate(w, to_unit(division, 10_000_00, w.school, w.proj))
    detail = client_as("school_clerk").get(f"/api/v1/indicators/lines/{school.pk}").json()
    assert (detail["track_pro_code"], detail["rec_date"], detail["tp_func_code"]) == (
        "32000026ZX0030",
        rec,
        "2300208",
    )
    assert [
        (c["code"], c["kind"], c["track_pro_code"]) for c in detail["trace"]["tracking_chain"]
    ] == [
        (root.code, "pending", "32000026ZX0030"),
        (division.code, "pending", "32000026ZX0030"),
        (school.code, "executable", "32000026ZX0030"),
    ]
    page = client_as("school_clerk").get(f"/indicators/lines/{school.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="tracking-chain"' in html and root.code in html
    assert "32000026ZX0030" in html and "苏财教〔2026〕30号" in html


def _post(client: Any, path: str, body: Any = None) -> Any:
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


# --- R-IN-5: the 30-day deadline runs from the date received -----------------------------------


def test_r_in_5_the_clock_runs_from_the_date_received(w: World) -> None:
    late = issue_pending(w, 500_000_00, source_type_code="04", **transfer_refs(days_ago=40))
    recent = issue_pending(
        w,
        500_000_00,
        source_type_code="04",
        **{**transfer_refs(days_ago=10), "track_pro_code": "T-2"},
    )
    allocate(w, to_unit(late, 200_000_00, w.school, w.proj))
    found = {b.line.pk: b for b in transfer_breaches(actor=w.budget)}
    assert recent.pk not in found  # posted today like the other, but received 10 days ago
    breach = found[late.pk]
    today = timezone.localdate()
    assert (breach.received, breach.deadline) == (
        today - dt.timedelta(days=40),
        today - dt.timedelta(days=10),
    )
    # Still pending after the deadline, and what was allocated today was allocated late.
    assert (breach.pending_fen, breach.late_fen, breach.days_overdue) == (
        300_000_00,
        200_000_00,
        10,
    )
    # Twenty-one days on, the recent one is overdue by one day.
    later = {
        b.line.pk: b for b in transfer_breaches(actor=w.budget, as_of=today + dt.timedelta(days=21))
    }
    assert later[recent.pk].days_overdue == 1 and later[late.pk].days_overdue == 31


def test_r_in_5_breaches_are_scoped_and_shown_on_the_page_and_api(w: World, client_as: Any) -> None:
    root = issue_pending(w, 500_000_00, source_type_code="04", **transfer_refs(days_ago=40))
    department = allocate(w, down(root, 100_000_00, w.edu))
    budget = {
        b["line"]["code"]: b
        for b in client_as("wj_budget")
        .get("/api/v1/indicators/transfer-breaches?page_size=500")
        .json()["items"]
    }
    assert budget[root.code]["pending_fen"] == 400_000_00
    assert budget[root.code]["days_overdue"] == 10
    assert budget[department.code]["pending_fen"] == 100_000_00
    assert budget[department.code]["track_pro_code"] == "32000026ZX0001"
    edu = {
        b["line"]["code"]
        for b in client_as("edu_clerk")
        .get("/api/v1/indicators/transfer-breaches?page_size=500")
        .json()["items"]
    }
    assert department.code in edu and root.code not in edu
    school = (
        client_as("school_clerk").get("/api/v1/indicators/transfer-breaches?page_size=500").json()
    )
    assert {b["line"]["code"] for b in school["items"]} & {root.code, department.code} == set()
    page = client_as("edu_clerk").get("/indicators/transfers/overdue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert department.code in html and root.code not in html


def test_r_in_9_issue_page_takes_the_references_and_allocation_page_a_pending_child(
    w: World, client_as: Any
) -> None:
    budget = client_as("wj_budget")
    row = {
        "title": "接收上级直达资金",
        "doc_no": "吴财预〔2026〕31号",
        "budget_source": shared_source().code,  # R-IN-7
        "row_count": "1",
        "lines-0-line_kind": "pending",
        "lines-0-organisation": w.bureau.code,
        "lines-0-exp_func_code": "2050202",
        "lines-0-fund_type_code": "111",
        "lines-0-source_type_code": "04",
        "lines-0-is_dir": "1",
        "lines-0-sup_bgt_doc_no": "苏财教〔2026〕31号",
        "lines-0-track_pro_code": "32000026ZX0031",
        "lines-0-tp_func_code": "2300208",
        "lines-0-amount": "80000",
    }
    # The form shows the transfer column; a row without its 接收日期 is refused on that field.
    form = budget.get("/indicators/documents/new/issue/").content.decode()
    assert 'name="lines-0-rec_date"' in form and 'name="lines-0-track_pro_code"' in form
    missing = budget.post("/indicators/documents/new/issue/", row).content.decode()
    assert 'data-field="lines[0].rec_date"' in missing and "上级转移支付须填写接收日期" in missing
    rec = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    saved = budget.post("/indicators/documents/new/issue/", {**row, "lines-0-rec_date": rec})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    entered = DocumentLine.objects.get(document__title="接收上级直达资金")
    assert (entered.rec_date.isoformat(), entered.track_pro_code) == (rec, "32000026ZX0031")
    detail = budget.get(saved["Location"]).content.decode()
    assert 'data-testid="transfer-refs"' in detail and "32000026ZX0031" in detail
    # 分解 page: the type column lets the budget division create a 待分 line for the department.
    form = budget.get("/indicators/documents/new/allocate/").content.decode()
    assert 'name="lines-0-line_kind"' in form
    # … executable unless chosen otherwise, as before.
    assert '<option value="executable" selected>' in form
