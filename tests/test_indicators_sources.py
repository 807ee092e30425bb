"""R-IN-7: every yuan of an indicator comes from a source; R-AJ-7: a 预算调整 is a government-level
record whose rows fund the 追加 and bound the 追减 that cite it (DOMAIN-2 C2, C3; ADR 0027).

A 下达 or 追加 names its source and draws from it in the posting's transaction; Σ drawn never
exceeds the source (checked early, summed over rows, and by the conditional UPDATE). Only the
budget division opens sources. Money given back (追减, 收回 to finance) returns to its source.
``reconcile`` proves per source amount = Σ opened, drawn = Σ draws ≤ amount, and per posting that
what crossed into the indicators is what the draws took; a tampered row is named.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from io import StringIO
from typing import Any

from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client

import pytest
from tests.indicator_helpers import budget_source, issue, spec
from tests.test_indicators_rules import World, make_world

from yusuan.common.actor import PermissionDeniedError
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.money import Money
from yusuan.indicators.choices import DocumentKind, SourceKind
from yusuan.indicators.models import (
    BudgetAdjustment,
    IndicatorDocument,
    IndicatorLine,
    IndicatorSource,
    Movement,
    SourceDraw,
)
from yusuan.indicators.selectors import reconcile, source_draw_proof
from yusuan.indicators.services import (
    DocumentInput,
    LineInput,
    apply_document,
    document_create,
    document_post,
)
from yusuan.indicators.services.sources import (
    AdjustmentInput,
    AdjustmentRowInput,
    SourceInput,
    adjustment_create,
    source_create,
)

pytestmark = pytest.mark.django_db
DOC_NO = "吴财预〔2026〕77号"


@pytest.fixture
def w(user: Callable[[str], Any]) -> World:
    return make_world(user)


def _enter(w: World, kind: str, rows: list[LineInput], source: int | None) -> IndicatorDocument:
    return document_create(
        actor=w.budget,
        data=DocumentInput(
            kind=kind,
            title="测试",
            doc_no=DOC_NO,
            fiscal_year=2026,
            lines=rows,
            budget_source_id=source,
        ),
    )


def _post(w: World, kind: str, rows: list[LineInput], source: int | None) -> IndicatorDocument:
    document = _enter(w, kind, rows, source)
    document_post(actor=w.chief, document_id=document.pk)
    return document


def _errors(call: Callable[[], Any]) -> list[ErrorDetail]:
    with pytest.raises(BusinessRuleError) as caught:
        call()
    return caught.value.errors


def _one(errors: list[ErrorDetail], code: str) -> ErrorDetail:
    [found] = [e for e in errors if e.code == code]
    return found


def _fresh(source: IndicatorSource) -> IndicatorSource:
    source.refresh_from_db()
    return source


# --- R-IN-7: naming and drawing -------------------------------------------------------------------


def test_r_in_7_an_issue_without_a_source_is_refused(w: World) -> None:
    errors = _errors(
        lambda: _enter(
            w, DocumentKind.ISSUE, [LineInput(Money(1_00), spec=spec(w.school, w.proj))], None
        )
    )
    error = _one(errors, "indicators.source_required")
    assert (error.rule, error.field) == ("R-IN-7", "budget_source")
    assert "指标来源" in error.message_zh and "source" in error.message_en


def test_r_in_7_rows_are_summed_against_what_the_source_has_left(w: World) -> None:
    """Each row fits alone; together they take one fen more than the source holds."""
    source = budget_source(1_000_00)
    rows = [
        LineInput(Money(600_00), spec=spec(w.school, w.proj)),
        LineInput(Money(400_01), spec=spec(w.school, w.proj2)),
    ]
    error = _one(
        _errors(lambda: _enter(w, DocumentKind.ISSUE, rows, source.pk)),
        "indicators.source_insufficient",
    )
    assert (error.rule, error.field, error.value, error.limit) == (
        "R-IN-7",
        "budget_source",
        "1,000.01",
        "1,000.00",
    )
    assert source.code in error.message_zh and "1,000.01" in error.message_zh


def test_r_in_7_posting_draws_from_the_source_in_the_same_posting(w: World) -> None:
    source = budget_source(10_000_00, name="批复：教育局部门预算")
    [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 2_500_00)], source=source)
    assert (_fresh(source).drawn, line.budget_source_id) == (2_500_00, source.pk)
    [draw] = SourceDraw.objects.filter(source=source, kind="DRAW")
    [movement] = Movement.objects.filter(line=line)
    # The draw carries the posting whose d_outside it matches.
    assert (draw.posting, draw.d_drawn, movement.d_outside) == (
        movement.posting,
        2_500_00,
        -2_500_00,
    )
    assert reconcile() == []
    assert source_draw_proof() == []  # the opening and the draw are each listed by their record


def test_r_in_7_an_increase_draws_and_a_second_one_past_the_rest_is_refused(w: World) -> None:
    [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 1_000_00)])
    pot = budget_source(500_00, kind=SourceKind.FINANCE_POT, name="财政代编")
    _post(w, DocumentKind.INCREASE, [LineInput(Money(300_00), target_id=line.pk)], pot.pk)
    assert _fresh(pot).drawn == 300_00
    error = _one(
        _errors(
            lambda: _enter(
                w, DocumentKind.INCREASE, [LineInput(Money(200_01), target_id=line.pk)], pot.pk
            )
        ),
        "indicators.source_insufficient",
    )
    assert (error.value, error.limit) == ("200.01", "200.00")


def test_r_in_7_the_conditional_update_refuses_what_the_early_check_let_through(w: World) -> None:
    """Two drafts each fit when entered; the first posts; the second, posted without the early
    check (as a race would), is refused by the UPDATE itself and leaves nothing behind."""
    source = budget_source(1_000_00)
    first = _enter(
        w, DocumentKind.ISSUE, [LineInput(Money(700_00), spec=spec(w.school, w.proj))], source.pk
    )
    second = _enter(
        w, DocumentKind.ISSUE, [LineInput(Money(700_00), spec=spec(w.school, w.proj))], source.pk
    )
    document_post(actor=w.chief, document_id=first.pk)
    lines, movements = IndicatorLine.objects.count(), Movement.objects.count()
    with pytest.raises(BusinessRuleError) as caught, transaction.atomic():
        apply_document(actor=w.chief, document=IndicatorDocument.objects.get(pk=second.pk))
    error = _one(caught.value.errors, "indicators.source_insufficient")
    assert (error.rule, error.value, error.limit) == ("R-IN-7", "700.00", "300.00")
    assert (IndicatorLine.objects.count(), Movement.objects.count()) == (lines, movements)
    assert _fresh(source).drawn == 700_00


def test_r_in_7_a_source_of_another_year_is_unknown(w: World) -> None:
    other = budget_source(1_000_00, year=2025)
    error = _one(
        _errors(
            lambda: _enter(
                w,
                DocumentKind.ISSUE,
                [LineInput(Money(1_00), spec=spec(w.school, w.proj))],
                other.pk,
            )
        ),
        "indicators.source_unknown",
    )
    assert (error.rule, error.field) == ("R-IN-7", "budget_source")


def test_r_in_7_a_decrease_and_a_reclaim_give_the_money_back_to_the_source(w: World) -> None:
    source = budget_source(1_000_00)
    [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 1_000_00)], source=source)
    _post(w, DocumentKind.DECREASE, [LineInput(Money(100_00), target_id=line.pk)], None)
    assert _fresh(source).drawn == 900_00
    _post(w, DocumentKind.RECLAIM, [LineInput(Money(50_00), source_id=line.pk)], None)
    assert _fresh(source).drawn == 850_00
    assert [d.d_drawn for d in source.draws.exclude(kind="OPEN").order_by("id")] == [
        1_000_00,
        -100_00,
        -50_00,
    ]
    assert reconcile() == []


def test_r_in_7_money_goes_back_only_as_far_as_the_source_gave_it(w: World) -> None:
    """A line topped up from another pot cannot push more back into its own source than that
    source issued: the 追减 names the pot instead."""
    own = budget_source(100_00)
    pot = budget_source(1_000_00, kind=SourceKind.FINANCE_POT)
    [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 100_00)], source=own)
    _post(w, DocumentKind.INCREASE, [LineInput(Money(500_00), target_id=line.pk)], pot.pk)
    error = _one(
        _errors(
            lambda: _post(
                w, DocumentKind.DECREASE, [LineInput(Money(300_00), target_id=line.pk)], None
            )
        ),
        "indicators.source_return_exceeds",
    )
    assert (error.rule, error.value, error.limit) == ("R-IN-7", "300.00", "100.00")
    _post(w, DocumentKind.DECREASE, [LineInput(Money(300_00), target_id=line.pk)], pot.pk)
    assert (_fresh(own).drawn, _fresh(pot).drawn) == (100_00, 200_00)


def test_r_in_7_allocated_lines_keep_their_parents_source(w: World) -> None:
    source = budget_source(1_000_00, kind=SourceKind.TRANSFER, name="上级转移支付")
    [pending] = issue(
        w.budget,
        w.chief,
        [(spec(w.bureau, None, line_kind="pending", dep_bgt_eco_code=""), 1_000_00)],
        source=source,
    )
    from tests.test_indicators_rules import allocation

    document = _post(
        w, DocumentKind.ALLOCATE, [allocation(pending, 400_00, w.school, w.proj)], None
    )
    child = document.lines.get().created_line
    assert child is not None and child.budget_source_id == source.pk
    assert _fresh(source).drawn == 1_000_00  # allocation moves money inside, draws nothing


# --- R-IN-7: who opens sources -----------------------------------------------------------------------


def test_r_in_7_only_the_budget_division_opens_a_source(
    w: World, user: Callable[[str], Any]
) -> None:
    data = SourceInput(kind=SourceKind.BUDGET_LINE, name="x", amount=Money(1_00), fiscal_year=2026)
    with pytest.raises(PermissionDeniedError):
        source_create(actor=w.clerk, data=data)
    with pytest.raises(PermissionDeniedError):
        source_create(actor=user("edu_approver"), data=data)
    assert source_create(actor=w.budget, data=data).holder == w.budget.organisation


def test_r_in_7_reserve_is_under_227_and_amounts_are_positive(w: World) -> None:
    errors = _errors(lambda: budget_source(0, kind=SourceKind.RESERVE, exp_func_code="2013101"))
    reserve = _one(errors, "indicators.reserve_not_227")
    assert (reserve.rule, reserve.field, reserve.value, reserve.limit) == (
        "R-IN-7",
        "exp_func_code",
        "2013101",
        "227",
    )
    amount = _one(errors, "indicators.amount_not_positive")
    assert (amount.field, amount.value) == ("amount", "0.00")
    opened = budget_source(
        3_000_000_00, kind=SourceKind.RESERVE, exp_func_code="227", name="预备费"
    )
    assert opened.kind == SourceKind.RESERVE and opened.amount == 3_000_000_00


def test_r_in_7_a_legacy_or_adjustment_kind_cannot_be_opened_by_hand(w: World) -> None:
    for kind in (SourceKind.LEGACY, SourceKind.ADJUSTMENT, "<script>"):
        error = _one(
            _errors(lambda kind=kind: budget_source(1_00, kind=kind)), "indicators.bad_source_kind"
        )
        assert error.rule == "R-IN-7"


# --- R-AJ-7: 预算调整 records --------------------------------------------------------------------------


def _record(w: World, **kw: Any) -> BudgetAdjustment:
    values: dict[str, Any] = {
        "title": "2026年预算调整方案",
        "decision_no": "吴人常〔2026〕12号",
        "decision_date": dt.date(2026, 6, 28),
        "fiscal_year": 2026,
        "rows": [AdjustmentRowInput("111", "2050202", Money(1_000_00), Money(200_00))],
    }
    values.update(kw)
    return adjustment_create(actor=w.budget, data=AdjustmentInput(**values))


def test_r_aj_7_a_record_needs_its_decision_and_rows(w: World) -> None:
    errors = _errors(lambda: _record(w, decision_no=" ", decision_date=None, rows=[]))
    codes = {(e.code, e.field, e.rule) for e in errors}
    assert ("indicators.npc_reference_required", "decision_no", "R-AJ-7") in codes
    assert ("indicators.decision_date_required", "decision_date", "R-AJ-7") in codes
    assert ("indicators.no_lines", "rows", "R-AJ-7") in codes
    with pytest.raises(PermissionDeniedError):
        adjustment_create(
            actor=w.clerk,
            data=AdjustmentInput(
                "x", "y", dt.date(2026, 6, 1), [AdjustmentRowInput("111", "2050202", Money(1))]
            ),
        )


def test_r_aj_7_an_increase_citing_a_row_stays_within_its_class_and_amount(w: World) -> None:
    record = _record(w)
    [row] = record.rows.all()
    [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 1_00)])
    [other] = issue(w.budget, w.chief, [(spec(w.school, w.proj, exp_func_code="2080101"), 1_00)])
    outside = _one(
        _errors(
            lambda: _enter(
                w, DocumentKind.INCREASE, [LineInput(Money(1_00), target_id=other.pk)], row.pk
            )
        ),
        "indicators.outside_adjustment",
    )
    assert (outside.rule, outside.field, outside.value, outside.limit) == (
        "R-AJ-7",
        "lines[0].exp_func_code",
        "2080101",
        "2050202",
    )
    _post(w, DocumentKind.INCREASE, [LineInput(Money(1_000_00), target_id=line.pk)], row.pk)
    assert _fresh(row).drawn == 1_000_00
    error = _one(
        _errors(
            lambda: _enter(
                w, DocumentKind.INCREASE, [LineInput(Money(1), target_id=line.pk)], row.pk
            )
        ),
        "indicators.source_insufficient",
    )
    assert (error.rule, error.value, error.limit) == ("R-IN-7", "0.01", "0.00")


def test_r_aj_7_a_decrease_citing_a_row_stays_within_the_authorised_decrease(w: World) -> None:
    record = _record(w)
    [row] = record.rows.all()
    [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 1_000_00)])
    _post(w, DocumentKind.DECREASE, [LineInput(Money(150_00), target_id=line.pk)], row.pk)
    assert (_fresh(row).decreased, row.drawn) == (150_00, 0)
    error = _one(
        _errors(
            lambda: _enter(
                w, DocumentKind.DECREASE, [LineInput(Money(50_01), target_id=line.pk)], row.pk
            )
        ),
        "indicators.adjustment_exceeded",
    )
    assert (error.rule, error.field, error.value, error.limit) == (
        "R-AJ-7",
        "budget_source",
        "50.01",
        "50.00",
    )
    assert reconcile() == []


# --- reconcile proves the sources ------------------------------------------------------------------


@pytest.fixture
def draw_triggers_off() -> None:
    """The append-only trigger on source draws, disabled as an attacker would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK events on the table
            cursor.execute(
                "ALTER TABLE indicators_sourcedraw DISABLE TRIGGER indicators_sourcedraw_append_only"
            )
        else:
            cursor.execute("DROP TRIGGER indicators_sourcedraw_no_update")
            cursor.execute("DROP TRIGGER indicators_sourcedraw_no_delete")


def test_source_draws_are_append_only(w: World) -> None:
    source = budget_source(1_00)
    with pytest.raises(Exception, match="(?i)append|not allowed|append-only"), transaction.atomic():
        SourceDraw.objects.filter(source=source).update(d_amount=2_00)


def test_reconcile_names_a_tampered_source_and_a_tampered_draw(
    draw_triggers_off: None, w: World
) -> None:
    source = budget_source(1_000_00)
    issue(w.budget, w.chief, [(spec(w.school, w.proj), 400_00)], source=source)
    assert reconcile() == []
    # More money in the source than was ever opened.
    IndicatorSource.objects.filter(pk=source.pk).update(amount=2_000_00)
    found = {(d.line_code, d.check) for d in reconcile()}
    assert (source.code, "amount = Σ source draws (R-IN-7)") in found
    IndicatorSource.objects.filter(pk=source.pk).update(amount=1_000_00)
    # A draw edited to hide a drawing: the source no longer adds up, the posting no longer
    # matches its movements, and the draw differs from its audit record.
    draw = SourceDraw.objects.get(source=source, kind="DRAW")
    SourceDraw.objects.filter(pk=draw.pk).update(d_drawn=100_00)
    checks = {d.check for d in reconcile()}
    assert "drawn = Σ source draws (R-IN-7)" in checks
    assert "money into indicators = drawn from sources (R-IN-7)" in checks
    [altered] = source_draw_proof()
    assert altered.line_code == f"source draw {draw.pk}"
    assert altered.check.startswith("content = audit record")
    err = StringIO()
    with pytest.raises(CommandError, match="does NOT reconcile"):
        call_command("reconcile", stderr=err)
    assert "R-IN-7" in err.getvalue()


def test_reconcile_names_money_issued_without_a_draw(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutant: a posting that forgets its source (money from nothing, as before R-IN-7)."""
    from yusuan.indicators.services import posting

    monkeypatch.setattr(posting, "_draws", lambda document: [])
    [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 123_00)])
    [difference] = [d for d in reconcile() if "R-IN-7" in d.check]
    assert (difference.expected, difference.found) == (123_00, 0)
    assert difference.line_code == str(Movement.objects.get(line=line).posting)


# --- trace, API and pages ----------------------------------------------------------------------------


def _api(client: Client, path: str, body: Any) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_the_trace_of_a_line_goes_up_to_its_source(
    w: World, client_as: Callable[[str], Client]
) -> None:
    source = budget_source(1_000_00, name="批复：松陵实验小学")
    [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 100_00)], source=source)
    body = client_as("school_clerk").get(f"/api/v1/indicators/lines/{line.pk}").json()
    # The school sees that its line has a source in its trace only as far as its scope allows;
    # the budget division sees the source itself.
    budget = client_as("wj_budget").get(f"/api/v1/indicators/lines/{line.pk}").json()
    assert budget["trace"]["budget_source"]["code"] == source.code
    assert budget["links"]["budget_source"].endswith(f"/indicators/sources/{source.pk}")
    assert "budget_source" in body["trace"]
    page = client_as("wj_budget").get(f"/indicators/lines/{line.pk}/").content.decode()
    assert 'data-testid="trace-source"' in page and source.code in page


def test_api_opens_lists_and_refuses_sources(w: World, client_as: Callable[[str], Client]) -> None:
    budget = client_as("wj_budget")
    made = _api(
        budget,
        "/api/v1/indicators/sources",
        {
            "kind": "reserve",
            "name": "预备费",
            "amount": "3,000,000.00",
            "exp_func_code": "227",
            "fiscal_year": 2026,
        },
    )
    assert made.status_code == 201, made.content
    code = made.json()["code"]
    assert made.json()["draws"][0]["d_amount_fen"] == 3_000_000_00
    listed = budget.get("/api/v1/indicators/sources?fiscal_year=2026&page_size=500").json()
    assert code in {row["code"] for row in listed["items"]}
    bad = _api(
        budget,
        "/api/v1/indicators/sources",
        {"kind": "reserve", "name": "x", "amount": "1.001", "exp_func_code": "2013101"},
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert "amount" in fields
    refused = _api(
        client_as("school_clerk"),
        "/api/v1/indicators/sources",
        {"kind": "budget_line", "name": "x", "amount": "1.00"},
    )
    assert refused.status_code == 403
    worse = _api(budget, "/api/v1/indicators/sources", {"kind": "legacy", "name": "x", "amount": 1})
    assert worse.status_code == 422


def test_api_records_a_budget_adjustment_and_an_increase_cites_it(
    w: World, client_as: Callable[[str], Client]
) -> None:
    budget = client_as("wj_budget")
    made = _api(
        budget,
        "/api/v1/indicators/adjustments",
        {
            "title": "预算调整方案",
            "decision_no": "吴人常〔2026〕12号",
            "decision_date": "2026-06-28",
            "fiscal_year": 2026,
            "rows": [{"fund_type_code": "111", "exp_func_code": "2050202", "amount": "500.00"}],
        },
    )
    assert made.status_code == 201, made.content
    row_code = made.json()["rows"][0]["code"]
    [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 1_00)])
    entered = _api(
        budget,
        "/api/v1/indicators/documents",
        {
            "kind": "increase",
            "title": "追加",
            "doc_no": DOC_NO,
            "fiscal_year": 2026,
            "budget_source": row_code,
            "lines": [{"target": line.code, "amount": "600.00"}],
        },
    )
    assert entered.status_code == 422
    [error] = [e for e in entered.json()["errors"] if e["code"] == "indicators.source_insufficient"]
    assert (error["rule"], error["value"], error["limit"]) == ("R-IN-7", "600.00", "500.00")
    unknown = _api(
        budget,
        "/api/v1/indicators/documents",
        {
            "kind": "increase",
            "title": "追加",
            "doc_no": DOC_NO,
            "budget_source": "LY<b>",
            "lines": [{"target": line.code, "amount": "1.00"}],
        },
    )
    assert unknown.status_code == 422
    assert any(e["field"] == "budget_source" for e in unknown.json()["errors"])


def test_pages_open_a_source_and_record_an_adjustment(
    w: World, client_as: Callable[[str], Client]
) -> None:
    budget = client_as("wj_budget")
    page = budget.post(
        "/indicators/sources/",
        {"kind": "reserve", "name": "预备费", "amount": "100", "exp_func_code": "2013101"},
    )
    assert page.status_code == 200
    assert "227" in page.content.decode() and "R-IN-7" in page.content.decode()
    opened = budget.post(
        "/indicators/sources/",
        {"kind": "reserve", "name": "预备费", "amount": "100", "exp_func_code": "227"},
    )
    assert opened.status_code == 302
    source = IndicatorSource.objects.get(name="预备费", amount=100_00)
    assert budget.get(opened["Location"]).status_code == 200
    recorded = budget.post(
        "/indicators/adjustments/",
        {
            "title": "预算调整方案",
            "decision_no": "吴人常〔2026〕12号",
            "decision_date": "2026-06-28",
            "rows-0-fund_type_code": "111",
            "rows-0-exp_func_code": "2050202",
            "rows-0-amount": "500",
        },
    )
    assert recorded.status_code == 302
    assert BudgetAdjustment.objects.filter(decision_no="吴人常〔2026〕12号").exists()
    bad_date = budget.post(
        "/indicators/adjustments/",
        {"title": "x", "decision_no": "y", "decision_date": "2026-13-45"},
    )
    assert bad_date.status_code == 200 and "YYYY-MM-DD" in bad_date.content.decode()
    assert (
        client_as("school_clerk").post("/indicators/sources/", {"kind": "reserve"}).status_code
        == 403
    )
    assert source.pk


def test_the_data_migration_gives_money_issued_before_sources_an_opening_source(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-IN-7 on an existing database: postings that brought money in with no source (as the code
    before sources did) get a ``legacy`` source of the same amount, so reconcile holds."""
    import importlib

    from django.apps import apps

    from yusuan.indicators.services import posting

    migration = importlib.import_module("yusuan.indicators.migrations.0012_opening_sources")
    with monkeypatch.context() as patched:
        patched.setattr(posting, "_draws", lambda document: [])  # the old code: no draw
        [line] = issue(w.budget, w.chief, [(spec(w.school, w.proj), 321_00)])
        _post(w, DocumentKind.DECREASE, [LineInput(Money(21_00), target_id=line.pk)], None)
    assert any("R-IN-7" in d.check for d in reconcile())
    IndicatorLine.objects.filter(pk=line.pk).update(budget_source=None)
    migration.open_legacy_sources(apps, None)
    assert reconcile() == []
    line.refresh_from_db()
    legacy = line.budget_source
    assert legacy is not None and legacy.kind == SourceKind.LEGACY
    assert (legacy.amount, legacy.drawn) == (321_00, 300_00)
    migration.open_legacy_sources(apps, None)  # a second run adds nothing
    assert IndicatorSource.objects.filter(kind=SourceKind.LEGACY).count() == 1
