"""Budget preparation (两上两下) through the services: the school of 教育局 from 一上 to indicators
(DOMAIN §3.3, DOMAIN-2 §4; ADR 0046). Each rule test asserts the code, the field and the figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction

import pytest
from tests.budget_helpers import (
    approve_draft,
    approve_reply,
    congress,
    first_reply,
    issue_control,
    open_round,
    walk,
    year_open,
)

from yusuan.budgeting.choices import DraftStage, Part, ReplyKind, Side, Stage
from yusuan.budgeting.models import (
    BudgetDraft,
    BudgetLine,
    BudgetLineAmount,
    BudgetRound,
    GeneratedIndicator,
)
from yusuan.budgeting.services.drafts import LineInput, draft_check, draft_start, line_save
from yusuan.budgeting.services.generate import reply_generate
from yusuan.budgeting.services.reply import reply_change_create
from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.indicators.choices import DocumentKind, LineKind, SourceKind
from yusuan.indicators.models import IndicatorDocument, IndicatorLine

pytestmark = pytest.mark.django_db


@dataclass
class Prepared:
    round: BudgetRound
    department: Any
    school: Any
    basic: list[BudgetLine]
    project: list[BudgetLine]
    second: BudgetDraft | None = None


def _lines(prepared: Prepared, **kw: Any) -> list[BudgetLine]:
    return list(
        BudgetLine.objects.filter(
            round=prepared.round, organisation=prepared.school, removed=False, **kw
        ).order_by("position")
    )


def _apply_1(user: Any, org: Any) -> Prepared:
    budget_round = open_round(user)
    school = user("school_clerk").organisation
    draft = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    assert draft_check(draft).errors == []
    assert approve_draft(user, draft).state == "approved"
    prepared = Prepared(budget_round, org("苏州市吴江区教育局"), school, [], [])
    prepared.basic = _lines(prepared, part=Part.BASIC)
    prepared.project = _lines(prepared, part=Part.PROJECT)
    return prepared


@pytest.fixture
def apply_1(user: Any, org: Any) -> Prepared:
    return _apply_1(user, org)


def _issued(user: Any, prepared: Prepared, project_share: int = 2) -> Prepared:
    basic = sum(x.amount_fen for x in prepared.basic)
    project = sum(x.amount_fen for x in prepared.project)
    issue_control(
        user,
        prepared.round,
        prepared.department,
        {("111", "basic"): basic, ("111", "project"): project // project_share},
    )
    prepared.second = draft_start(
        actor=user("school_clerk"), round_id=prepared.round.pk, stage=DraftStage.APPLY_2
    )
    return prepared


@pytest.fixture
def apply_2(user: Any, apply_1: Prepared) -> Prepared:
    return _issued(user, apply_1)


def _edit(user: Any, prepared: Prepared, line: BudgetLine, **changes: Any) -> BudgetLine:
    values = {
        "amount": Money(line.amount_fen),
        "project_id": line.project_id,
        "exp_func_code": line.exp_func_code,
        "dep_bgt_eco_code": line.dep_bgt_eco_code,
        "fund_type_code": line.fund_type_code,
        **changes,
    }
    assert prepared.second is not None
    return line_save(
        actor=user("school_clerk"),
        draft_id=prepared.second.pk,
        line_id=line.pk,
        data=LineInput(**values),
    )


def _room(line: BudgetLine, fen: int, fund: str = "111") -> None:
    """More plan for the project in the year (R-PJ-3), so a test may add a line to it."""
    from django.db.models import F

    from yusuan.projects.models import ProjectPlan

    plan, made = ProjectPlan.objects.get_or_create(
        project_id=line.project_id, year=2027, fund_type=fund, defaults={"amount_fen": fen}
    )
    if not made:
        ProjectPlan.objects.filter(pk=plan.pk).update(amount_fen=F("amount_fen") + fen)


def _errors(exc: pytest.ExceptionInfo[BusinessRuleError]) -> list[tuple[Any, ...]]:
    return [(e.code, e.rule, e.field, e.value, e.limit) for e in exc.value.errors]


# --- 一上 ---------------------------------------------------------------------------------------


def test_apply_1_is_built_from_the_computation_and_the_ranked_library(apply_1: Prepared) -> None:
    """R-PJ-8: the basic lines are the computed 人员类/公用经费, to the fen; R-PJ-6: projects in
    rank order; the 财政拨款 revenue is derived, so the unit balances (R-BP-2)."""
    from yusuan.projects.models import Project

    systems = {
        p.category: p.total_amount_fen
        for p in Project.objects.filter(
            organisation=apply_1.school, category__in=["1", "21"], start_year=2027
        )
    }
    by_category: dict[str, int] = {}
    for line in apply_1.basic:
        assert line.project is not None
        by_category[line.project.category] = (
            by_category.get(line.project.category, 0) + line.amount_fen
        )
        assert line.computed and len(line.dep_bgt_eco_code) == 5 and line.fund_type_code == "111"
    assert by_category == systems
    ranks = [x.project.rank for x in apply_1.project if x.project is not None]
    assert ranks == sorted(ranks)
    revenue = _lines(apply_1, side=Side.REVENUE)
    assert [(x.revenue_kind, x.fund_type_code, x.amount_fen) for x in revenue] == [
        ("fiscal", "111", sum(x.amount_fen for x in [*apply_1.basic, *apply_1.project]))
    ]
    # R-BP-9: approval wrote every line's 一上 figure, once.
    written = dict(
        BudgetLineAmount.objects.filter(
            line__organisation=apply_1.school, stage=Stage.APPLY_1
        ).values_list("line_id", "amount_fen")
    )
    assert written == {x.pk: x.amount_fen for x in [*apply_1.basic, *apply_1.project, *revenue]}


def test_r_pj_8_computed_lines_cannot_be_edited(user: Any, apply_2: Prepared) -> None:
    with pytest.raises(BusinessRuleError) as exc:
        _edit(user, apply_2, apply_2.basic[0], amount=Money(1))
    (error,) = exc.value.errors
    assert (error.code, error.rule, exc.value.status) == ("budgeting.computed_line", "R-PJ-8", 403)
    with pytest.raises(BusinessRuleError) as exc:
        line_save(
            actor=user("school_clerk"),
            draft_id=apply_2.second.pk,  # type: ignore[union-attr]
            data=LineInput(
                amount=Money(100),
                part=Part.BASIC,
                fund_type_code="111",
                project_id=apply_2.basic[0].project_id,
            ),
        )
    assert ("budgeting.basic_computed", "R-PJ-8", "part", "basic", None) in _errors(exc)


def test_r_bp_9_a_stage_figure_is_written_once(user: Any, apply_1: Prepared) -> None:
    line = apply_1.project[0]
    row = BudgetLineAmount.objects.get(line=line, stage=Stage.APPLY_1)
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLineAmount.objects.create(
            mof_div_code=row.mof_div_code,
            line=line,
            stage=Stage.APPLY_1,
            amount_fen=1,
            written_by=row.written_by,
            written_at=row.written_at,
        )
    with (
        pytest.raises(Exception, match="append-only|reject"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE budgeting_budgetlineamount SET amount_fen = 1 WHERE id = %s", [row.pk]
        )
    row.refresh_from_db()
    assert row.amount_fen == line.amount_fen


# --- 一下 and 二上 -------------------------------------------------------------------------------


def test_control_numbers_fund_projects_in_rank_order(apply_2: Prepared) -> None:
    """R-PJ-6: finance's figures fill the project control number in rank order; 二上 starts
    from them; R-BP-9: the 一下 figure of every line is written at issue."""
    control = dict(
        BudgetLineAmount.objects.filter(
            line__organisation=apply_2.school, stage=Stage.CONTROL
        ).values_list("line_id", "amount_fen")
    )
    limit = sum(x.amount_fen for x in apply_2.project) // 2
    left = limit
    for line in apply_2.project:  # already in rank order
        expected = min(line.amount_fen, left)
        left -= expected
        assert control[line.pk] == expected
    assert sum(control[x.pk] for x in apply_2.project) == limit
    assert all(control[x.pk] == x.amount_fen for x in apply_2.basic)
    now = {x.pk: x.amount_fen for x in _lines(apply_2, part=Part.PROJECT)}
    assert now == {x.pk: control[x.pk] for x in apply_2.project}


def test_r_bp_1_over_the_control_number_is_refused_naming_department_fund_and_figures(
    user: Any, apply_2: Prepared
) -> None:
    unfunded = [x for x in _lines(apply_2, part=Part.PROJECT) if x.amount_fen == 0]
    line = unfunded[0] if unfunded else _lines(apply_2, part=Part.PROJECT)[-1]
    _edit(user, apply_2, line, amount=Money(line.amount_fen + 1_234_500))
    limit = sum(x.amount_fen for x in apply_2.project) // 2
    with pytest.raises(BusinessRuleError) as exc:
        walk(user, "budgeting.draft", apply_2.second.pk, "school_clerk", ())  # type: ignore[union-attr]
    (error,) = exc.value.errors
    assert (error.code, error.rule, error.field) == (
        "budgeting.over_control",
        "R-BP-1",
        "control.111.project",
    )
    assert error.value == Money(limit + 1_234_500).format() and error.limit == Money(limit).format()
    assert error.message_zh == (
        f"苏州市吴江区教育局 一般公共预算项目支出二上合计 {Money(limit + 1_234_500).format()} 元超过"
        f"一下控制数 {Money(limit).format()} 元（超 12,345.00 元）"
    )


def test_r_bp_2_and_r_bp_10_every_source_covers_its_spending(user: Any, apply_2: Prepared) -> None:
    from yusuan.projects.models import ProjectPlan

    line = _lines(apply_2, part=Part.PROJECT)[0]
    draft = apply_2.second
    assert draft is not None
    ProjectPlan.objects.create(
        project_id=line.project_id, year=2027, fund_type="511", amount_fen=5_000_000
    )
    new = line_save(
        actor=user("school_clerk"),
        draft_id=draft.pk,
        data=LineInput(
            amount=Money(5_000_000),
            project_id=line.project_id,
            exp_func_code=line.exp_func_code,
            dep_bgt_eco_code="30201",
            fund_type_code="511",
        ),
    )
    assert new.pay_type_code == "12" and new.acc_type == "real_funds"
    errors = [(e.code, e.rule, e.field, e.value, e.limit) for e in draft_check(draft).errors]
    # 单位资金 spends 50,000.00 with no revenue: short (R-BP-10), and so unbalanced (R-BP-2).
    assert errors == [
        ("budgeting.source_short", "R-BP-10", "revenue.unit", "50,000.00", "0.00"),
        (
            "budgeting.unbalanced",
            "R-BP-2",
            "revenue",
            _total(apply_2, 0, revenue=True),
            _total(apply_2, 0),
        ),
    ]
    line_save(
        actor=user("school_clerk"),
        draft_id=draft.pk,
        data=LineInput(side=Side.REVENUE, revenue_kind="business", amount=Money(6_000_000)),
    )
    errors = [(e.code, e.rule, e.value, e.limit) for e in draft_check(draft).errors]
    # 单位资金 now covers its spending; the surplus 10,000.00 unbalances the budget (R-BP-2).
    assert errors == [
        (
            "budgeting.unbalanced",
            "R-BP-2",
            _total(apply_2, 10_000_00, revenue=True),
            _total(apply_2, 0),
        )
    ]


def _total(prepared: Prepared, extra: int, revenue: bool = False) -> str:
    lines = _lines(prepared, side=Side.REVENUE if revenue else Side.EXPENDITURE)
    if revenue:
        return Money(sum(x.amount_fen for x in lines)).format()
    return Money(sum(x.amount_fen for x in lines) + extra).format()


def test_r_pj_3_a_project_stays_within_its_plan_for_the_year(user: Any, apply_2: Prepared) -> None:
    from django.db.models import Sum

    from yusuan.projects.models import ProjectPlan

    line = _lines(apply_2, part=Part.PROJECT)[0]
    plan = ProjectPlan.objects.filter(project_id=line.project_id, year=2027).aggregate(
        t=Sum("amount_fen")
    )["t"]
    with pytest.raises(BusinessRuleError) as exc:
        _edit(user, apply_2, line, amount=Money(plan + 1))
    (error,) = exc.value.errors
    assert (error.code, error.rule, error.field) == ("budgeting.over_plan", "R-PJ-3", "amount")
    assert error.limit == Money(plan).format()


def test_r_bp_5_capital_lines_over_the_threshold_join_the_procurement_budget(
    user: Any, apply_2: Prepared
) -> None:
    line = next(
        x for x in _lines(apply_2, part=Part.PROJECT) if x.dep_bgt_eco_code.startswith("310")
    )
    draft = apply_2.second
    assert draft is not None
    from yusuan.projects.models import ProjectPlan

    ProjectPlan.objects.filter(project_id=line.project_id, year=2027).update(amount_fen=500_000_000)
    _edit(user, apply_2, line, amount=Money(100_000_000), is_gov_pur=False)
    found = [
        (e.code, e.rule, e.field, e.value, e.limit)
        for e in draft_check(draft).errors
        if e.rule == "R-BP-5"
    ]
    assert found == [
        (
            "budgeting.procurement_flag",
            "R-BP-5",
            f"lines[{line.position}].is_gov_pur",
            "1,000,000.00",
            "1,000,000.00",
        )
    ]
    _edit(user, apply_2, line, amount=Money(100_000_000), is_gov_pur=True, pur_item="")
    found = [(e.code, e.field) for e in draft_check(draft).errors if e.rule == "R-BP-5"]
    assert found == [("budgeting.procurement_item", f"lines[{line.position}].pur_item")]
    _edit(
        user,
        apply_2,
        line,
        amount=Money(100_000_000),
        is_gov_pur=True,
        pur_item="A02010104 台式计算机",
    )
    assert [e for e in draft_check(draft).errors if e.rule == "R-BP-5"] == []


def test_r_bp_14_meetings_are_people_times_days_times_standard(
    user: Any, apply_2: Prepared
) -> None:
    line = _lines(apply_2, part=Part.PROJECT)[0]
    draft = apply_2.second
    assert draft is not None
    _room(line, 4_400_000)
    meeting = line_save(
        actor=user("school_clerk"),
        draft_id=draft.pk,
        data=LineInput(
            amount=Money(100_000),
            project_id=line.project_id,
            exp_func_code=line.exp_func_code,
            dep_bgt_eco_code="30215",
            fund_type_code="111",
        ),
    )
    found = [(e.code, e.field) for e in draft_check(draft).errors if e.rule == "R-BP-14"]
    assert found == [("budgeting.meeting_basis", f"lines[{meeting.position}].people")]
    meeting = _edit(user, apply_2, meeting, people=40, days=2, standard_fen=55_000)
    assert meeting.amount_fen == 40 * 2 * 55_000  # computed, whatever was typed
    assert [e for e in draft_check(draft).errors if e.rule == "R-BP-14"] == []


def test_review_findings_sit_beside_the_draft(user: Any, apply_2: Prepared) -> None:
    """R-BP-4 (other ≤ 30 %), R-BP-6 (三公 above last year), R-BP-13 (new assets) as findings."""
    from django.db.models import Sum

    line = _lines(apply_2, part=Part.PROJECT)[0]
    draft = apply_2.second
    assert draft is not None
    last_year = (
        IndicatorLine.objects.filter(
            fiscal_year=2026, organisation=apply_2.school, dep_bgt_eco_code__startswith="30217"
        ).aggregate(t=Sum("total"))["t"]
        or 0
    )
    _room(line, last_year + 900_000)
    line_save(
        actor=user("school_clerk"),
        draft_id=draft.pk,
        data=LineInput(
            amount=Money(last_year + 900_000),
            project_id=line.project_id,
            exp_func_code=line.exp_func_code,
            dep_bgt_eco_code="30217",
            fund_type_code="111",
            is_asset=True,
        ),
    )
    findings = draft_check(draft).findings
    assert {"R-BP-6", "R-BP-13"} <= {f.rule for f in findings}
    six = next(f for f in findings if f.rule == "R-BP-6")
    assert six.message_zh == (
        f"三公经费 30217 安排 {Money(last_year + 900_000).format()} 元，高于上年 "
        f"{Money(last_year).format()} 元（增 9,000.00 元），三公经费只减不增"
    )
    # At last year's figure the finding goes away.
    new = _lines(apply_2, dep_bgt_eco_code="30217")[0]
    _edit(user, apply_2, new, amount=Money(last_year), is_asset=False)
    assert {"R-BP-6", "R-BP-13"}.isdisjoint({f.rule for f in draft_check(draft).findings})


# --- 批复 and the one click ---------------------------------------------------------------------


def _approved_2(user: Any, prepared: Prepared) -> Prepared:
    assert prepared.second is not None
    assert approve_draft(user, prepared.second).state == "approved"
    return prepared


def test_reply_needs_the_congress_first(user: Any, apply_2: Prepared) -> None:
    _approved_2(user, apply_2)
    with pytest.raises(BusinessRuleError) as exc:
        first_reply(user, apply_2.round, apply_2.department)
    assert ("budgeting.congress_first", "R-BP-7", "congress_date", None, None) in _errors(exc)


def test_one_click_indicators_trace_to_the_line_and_the_congress(
    user: Any, apply_2: Prepared
) -> None:
    _approved_2(user, apply_2)
    congress(user, apply_2.round)
    reply = approve_reply(user, first_reply(user, apply_2.round, apply_2.department))
    assert reply.state == "approved"
    year_open(user)
    outcome = reply_generate(actor=user("wj_budget"), reply_id=reply.pk)
    approved = dict(
        BudgetLineAmount.objects.filter(
            line__department=apply_2.department, line__side=Side.EXPENDITURE, stage=Stage.APPROVED
        ).values_list("line_id", "amount_fen")
    )
    generated = list(
        GeneratedIndicator.objects.filter(reply=reply).select_related("indicator", "line")
    )
    assert outcome.created == len(generated) == len([v for v in approved.values() if v])
    for row in generated:
        assert row.indicator.total == approved[row.line_id] == row.delta_fen
        assert row.indicator.organisation_id == apply_2.school.pk
        assert row.indicator.project_id == row.line.project_id
        assert (row.indicator.exp_func_code, row.indicator.dep_bgt_eco_code) == (
            row.line.exp_func_code,
            row.line.dep_bgt_eco_code,
        )
        assert row.indicator.kind == LineKind.EXECUTABLE and row.indicator.source_type_code == "01"
        source = row.indicator.budget_source
        assert source is not None and source.kind == SourceKind.BUDGET_LINE
        assert "人大" in source.reference_no and reply.doc_no in source.reference_no
        assert source.drawn == source.amount
    # R-BP-12: Σ indicators = Σ 批复 per fund type, and a second click creates nothing.
    assert sum(x.indicator.total for x in generated) == sum(approved.values())
    lines_before = IndicatorLine.objects.count()
    again = reply_generate(actor=user("wj_budget"), reply_id=reply.pk)
    assert (again.created, again.existing) == (0, len(generated))
    assert IndicatorLine.objects.count() == lines_before


def test_a_changed_reply_becomes_increase_and_decrease_never_an_edit(
    user: Any, apply_2: Prepared
) -> None:
    _approved_2(user, apply_2)
    congress(user, apply_2.round)
    reply = approve_reply(user, first_reply(user, apply_2.round, apply_2.department))
    year_open(user)
    reply_generate(actor=user("wj_budget"), reply_id=reply.pk)
    rows = list(
        GeneratedIndicator.objects.filter(reply=reply)
        .select_related("line", "indicator")
        .order_by("line__position")
    )
    up, down = rows[0], rows[-1]
    change = reply_change_create(
        actor=user("wj_budget"),
        reply_id=reply.pk,
        doc_no="吴财预〔2027〕9号",
        reason="人大常委会批准预算调整",
        figures={
            up.line_id: Money(up.delta_fen + 2_000_000),
            down.line_id: Money(down.delta_fen - 1_000_000),
        },
    )
    assert change.kind == ReplyKind.CHANGE
    approve_reply(user, change)
    outcome = reply_generate(actor=user("wj_budget"), reply_id=change.pk)
    kinds = sorted(
        IndicatorDocument.objects.filter(number__in=outcome.documents).values_list(
            "kind", flat=True
        )
    )
    assert kinds == [DocumentKind.DECREASE, DocumentKind.INCREASE]
    up.indicator.refresh_from_db()
    down.indicator.refresh_from_db()
    assert up.indicator.total == up.delta_fen + 2_000_000
    assert down.indicator.total == down.delta_fen - 1_000_000
    # The first 批复's figures stay as they were; the change is its own row (R-BP-9).
    assert (
        BudgetLineAmount.objects.get(line=up.line, stage=Stage.APPROVED).amount_fen == up.delta_fen
    )
    assert (
        BudgetLineAmount.objects.get(line=up.line, stage=Stage.ADJUSTED).amount_fen
        == up.delta_fen + 2_000_000
    )
