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
    # The demo recorded the approval for its 卫健委; here the congress has not met yet.
    BudgetRound.objects.filter(pk=apply_2.round.pk).update(
        congress_date=None, congress_decision_no=""
    )
    apply_2.round.refresh_from_db()
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


# --- R-BP-8: before the congress ---------------------------------------------------------------


def test_r_bp_8_provisional_before_the_congress_capped_then_trued_up(
    user: Any, apply_2: Prepared
) -> None:
    from django.db.models import Sum

    from yusuan.budgeting.models import ProvisionalIndicator
    from yusuan.budgeting.services.provisional import provisional_issue
    from yusuan.projects.choices import SYSTEM_CATEGORIES

    _approved_2(user, apply_2)
    BudgetRound.objects.filter(pk=apply_2.round.pk).update(
        congress_date=None, congress_decision_no=""
    )
    year_open(user)
    last_year = (
        IndicatorLine.objects.filter(
            fiscal_year=2026,
            organisation=apply_2.school,
            project__category__in=SYSTEM_CATEGORIES,
            fund_type_code="111",
        ).aggregate(t=Sum("total"))["t"]
        or 0
    )
    outcome = provisional_issue(
        actor=user("wj_budget"),
        round_id=apply_2.round.pk,
        department_id=apply_2.department.pk,
        months=2,
    )
    issued = ProvisionalIndicator.objects.filter(line__organisation=apply_2.school)
    total = sum(p.indicator.total for p in issued)
    # Two months of the 二上 basic figures, never more than last year's same period.
    per_line = sum(
        BudgetLineAmount.objects.get(line=line, stage=Stage.APPLY_2).amount_fen * 2 // 12
        for line in apply_2.basic
    )
    expected = min(per_line, last_year * 2 // 12)
    assert total == expected == outcome.total_fen
    assert (expected < per_line) == bool(outcome.scaled)
    for p in issued:
        assert p.indicator.budget_source.kind == SourceKind.PROVISIONAL
        assert (
            p.indicator.project_id == p.line.project_id and p.indicator.kind == LineKind.EXECUTABLE
        )
    # Not twice for the same lines; not at all after the congress.
    again = provisional_issue(
        actor=user("wj_budget"),
        round_id=apply_2.round.pk,
        department_id=apply_2.department.pk,
        months=1,
    )
    assert again.lines == 0
    congress(user, apply_2.round)
    with pytest.raises(BusinessRuleError) as exc:
        provisional_issue(
            actor=user("wj_budget"),
            round_id=apply_2.round.pk,
            department_id=apply_2.department.pk,
            months=1,
        )
    assert (
        exc.value.errors[0].code,
        exc.value.errors[0].rule,
        exc.value.errors[0].field,
    ) == ("budgeting.provisional_after_congress", "R-BP-8", "congress_date")
    # The 批复 trues them up: the same indicator, at the approved figure; Σ = 批复.
    reply = approve_reply(user, first_reply(user, apply_2.round, apply_2.department))
    reply_generate(actor=user("wj_budget"), reply_id=reply.pk)
    approved = dict(
        BudgetLineAmount.objects.filter(line__in=apply_2.basic, stage=Stage.APPROVED).values_list(
            "line_id", "amount_fen"
        )
    )
    for p in issued:
        p.indicator.refresh_from_db()
        assert p.indicator.total == approved[p.line_id]
        generated = GeneratedIndicator.objects.get(reply=reply, line=p.line)
        assert (
            generated.indicator_id == p.indicator_id and generated.delta_fen == approved[p.line_id]
        )
    assert IndicatorLine.objects.filter(
        pk__in=GeneratedIndicator.objects.filter(reply=reply).values("indicator_id")
    ).aggregate(t=Sum("total"))["t"] == sum(
        BudgetLineAmount.objects.filter(
            line__department=apply_2.department, line__side=Side.EXPENDITURE, stage=Stage.APPROVED
        ).values_list("amount_fen", flat=True)
    )


def test_r_bp_15_a_purchase_of_services_names_its_catalogue_item(
    user: Any, apply_2: Prepared
) -> None:
    line = _lines(apply_2, part=Part.PROJECT)[0]
    draft = apply_2.second
    assert draft is not None
    _edit(user, apply_2, line, is_gov_service=True, service_item="")
    found = [(e.code, e.rule, e.field) for e in draft_check(draft).errors if e.rule == "R-BP-15"]
    assert found == [("budgeting.service_item", "R-BP-15", f"lines[{line.position}].service_item")]
    with pytest.raises(BusinessRuleError) as exc:
        _edit(user, apply_2, line, is_gov_service=True, service_item="Z99")
    (error,) = exc.value.errors
    assert (error.code, error.field, error.value) == ("core.code_unknown", "service_item", "Z99")
    _edit(user, apply_2, line, is_gov_service=True, service_item="E07")
    assert [e for e in draft_check(draft).errors if e.rule == "R-BP-15"] == []


def test_r_bp_11_carry_over_is_last_years_balance_never_new_money(
    user: Any, apply_2: Prepared
) -> None:
    from django.db.models import Sum

    draft = apply_2.second
    assert draft is not None
    carried = (
        IndicatorLine.objects.filter(
            fiscal_year=2026, organisation=apply_2.school, project__isnull=False
        )
        .exclude(project__category__in=["1", "21"])
        .order_by("pk")
        .first()
    )
    assert carried is not None
    balance = (
        IndicatorLine.objects.filter(
            fiscal_year=2026, organisation=apply_2.school, project=carried.project
        ).aggregate(t=Sum("total"))["t"]
        - IndicatorLine.objects.filter(
            fiscal_year=2026, organisation=apply_2.school, project=carried.project
        ).aggregate(t=Sum("paid"))["t"]
        - IndicatorLine.objects.filter(
            fiscal_year=2026, organisation=apply_2.school, project=carried.project
        ).aggregate(t=Sum("frozen"))["t"]
    )
    line = line_save(
        actor=user("school_clerk"),
        draft_id=draft.pk,
        data=LineInput(
            amount=Money(balance + 100),
            project_id=carried.project_id,
            exp_func_code=carried.exp_func_code,
            dep_bgt_eco_code=carried.dep_bgt_eco_code,
            fund_type_code="111",
            carry_over=True,
        ),
    )
    line_save(
        actor=user("school_clerk"),
        draft_id=draft.pk,
        data=LineInput(
            side=Side.REVENUE,
            revenue_kind="carry_over",
            fund_type_code="111",
            amount=Money(balance + 100),
        ),
    )
    found = [(e.code, e.rule, e.field, e.value, e.limit) for e in draft_check(draft).errors]
    assert found == [
        (
            "budgeting.carry_over",
            "R-BP-11",
            f"lines[{line.position}].carry_over",
            Money(balance + 100).format(),
            Money(balance).format(),
        )
    ]


def _second_unit(user: Any, org: Any, prepared: Prepared) -> tuple[Any, BudgetDraft]:
    """同里实验小学 of 教育局, with an approver of its own, through 一上 (entered by 教育局's clerk)."""
    from tests.budget_helpers import walk

    from yusuan.identity.services import UserData, user_create

    unit = org("吴江区同里实验小学")
    user_create(
        actor=None,
        data=UserData("tl_approver", "同里审核", unit.pk, ("unit_approver",)),
        password="Yusuan@2026x",
    )
    draft = draft_start(
        actor=user("edu_clerk"),
        round_id=prepared.round.pk,
        stage=DraftStage.APPLY_1,
        organisation_id=unit.pk,
    )
    walk(
        user,
        "budgeting.draft",
        draft.pk,
        "edu_clerk",
        ("tl_approver", "edu_approver", "wj_sector_edu", "wj_performance", "wj_budget"),
    )
    draft.refresh_from_db()
    assert draft.state == "approved"
    return unit, draft


def _rechecked(user: Any, org: Any) -> tuple[Prepared, Any, Any]:
    from tests.budget_helpers import walk

    prepared = _apply_1(user, org)
    unit, _first = _second_unit(user, org, prepared)
    applied = BudgetLineAmount.objects.filter(
        line__department=prepared.department, line__side=Side.EXPENDITURE, stage=Stage.APPLY_1
    )
    basic = sum(applied.filter(line__part=Part.BASIC).values_list("amount_fen", flat=True))
    project = sum(applied.filter(line__part=Part.PROJECT).values_list("amount_fen", flat=True))
    issue_control(
        user,
        prepared.round,
        prepared.department,
        {("111", "basic"): basic, ("111", "project"): project // 2},
    )
    prepared.second = draft_start(
        actor=user("school_clerk"), round_id=prepared.round.pk, stage=DraftStage.APPLY_2
    )
    other = draft_start(
        actor=user("edu_clerk"),
        round_id=prepared.round.pk,
        stage=DraftStage.APPLY_2,
        organisation_id=unit.pk,
    )
    # The school submits within the control number; its unit approves.
    instance = walk(
        user, "budgeting.draft", prepared.second.pk, "school_clerk", ("school_approver",)
    )  # type: ignore[union-attr]
    # Meanwhile 同里 raises a line of its 二上: the department is over its control number.
    line = (
        BudgetLine.objects.filter(round=prepared.round, organisation=unit, part=Part.PROJECT)
        .order_by("-position")
        .first()
    )
    assert line is not None
    _room(line, 500_000_000)
    line_save(
        actor=user("edu_clerk"),
        draft_id=other.pk,
        line_id=line.pk,
        data=LineInput(
            amount=Money(line.amount_fen + 300_000_000),
            project_id=line.project_id,
            exp_func_code=line.exp_func_code,
            dep_bgt_eco_code=line.dep_bgt_eco_code,
            fund_type_code="111",
        ),
    )
    return prepared, instance, unit


def test_r_bp_1_is_checked_again_when_the_department_approves(user: Any, org: Any) -> None:
    from yusuan.workflow import services as workflow

    _prepared, instance, _unit = _rechecked(user, org)
    with pytest.raises(BusinessRuleError) as exc:
        workflow.instance_approve(actor=user("edu_approver"), instance_id=instance.pk)
    (error,) = exc.value.errors
    assert (error.code, error.rule, error.field) == (
        "budgeting.over_control",
        "R-BP-1",
        "control.111.project",
    )


def test_mutant_no_recheck_at_the_department_lets_it_through(
    user: Any, org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yusuan.budgeting.services import drafts
    from yusuan.workflow import services as workflow

    monkeypatch.setattr(drafts, "on_department_approval", lambda draft: None)
    _prepared, instance, _unit = _rechecked(user, org)
    moved = workflow.instance_approve(actor=user("edu_approver"), instance_id=instance.pk)
    assert moved.current_step["key"] == "sector_review"  # the broken check let it pass


def test_r_bp_3_personnel_lines_against_the_person_table(user: Any, org: Any) -> None:
    """A finance override of the 人员类 figure (R-PJ-8) moves the 301 lines away from what the
    person table gives; the review sees the difference beyond the 1 % tolerance."""
    from yusuan.projects.models import Project
    from yusuan.projects.services.basic import basic_override

    budget_round = open_round(user)
    school = user("school_clerk").organisation
    personnel = Project.objects.get(organisation=school, category="1", start_year=2027)
    draft = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    assert "R-BP-3" not in {f.rule for f in draft_check(draft).findings}
    BudgetLine.objects.filter(round=budget_round, organisation=school).delete()
    BudgetDraft.objects.filter(pk=draft.pk).delete()
    basic_override(
        actor=user("wj_budget"),
        organisation=school,
        fiscal_year=2027,
        category="1",
        amount=Money(personnel.total_amount_fen + 5_000_000),
        reason="增人增资",
    )
    draft = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    (finding,) = [f for f in draft_check(draft).findings if f.rule == "R-BP-3"]
    assert "相差 50,000.00 元" in finding.message_zh and "1.00%" in finding.message_zh


def test_r_bp_7_deadlines_are_tracked_and_breaches_listed(user: Any) -> None:
    """The demo's round: 政府办's units have not sent their 一上; 卫健委's 批复 came on the day
    of the congress approval, but its passing on to the units (15 days) is not recorded — until
    卫健委 records it."""
    import datetime as dt

    from yusuan.budgeting import selectors
    from yusuan.budgeting.models import Reply
    from yusuan.budgeting.services.reply import reply_units_record
    from yusuan.common.errors import NotFoundError

    budget_round = BudgetRound.objects.get(fiscal_year=2027)
    reply = Reply.objects.get(organisation__name="苏州市吴江区卫生健康委员会")
    later = budget_round.apply_1_due + dt.timedelta(days=20)
    found = {
        (b.what, b.due, b.done) for b in selectors.breaches(user("wj_budget"), budget_round, later)
    }
    approved_on = reply.approved_at.date()  # type: ignore[union-attr]
    assert ("区政务服务中心 一上", budget_round.apply_1_due, None) in found
    assert (
        "苏州市吴江区卫生健康委员会 批复所属单位（15 日内）",
        approved_on + dt.timedelta(days=15),
        None,
    ) in found
    assert not any("第一人民医院" in what for what, _due, _done in found)  # sent on time
    # Only the department records it; another unit does not even see the 批复.
    with pytest.raises(NotFoundError):
        reply_units_record(actor=user("school_clerk"), reply_id=reply.pk, replied_on=approved_on)
    with pytest.raises(BusinessRuleError) as exc:
        reply_units_record(
            actor=user("health_clerk"),
            reply_id=reply.pk,
            replied_on=approved_on - dt.timedelta(days=1),
        )
    assert exc.value.errors[0].code == "budgeting.units_replied_early"
    reply_units_record(actor=user("health_clerk"), reply_id=reply.pk, replied_on=approved_on)
    found = {b.what for b in selectors.breaches(user("wj_budget"), budget_round, later)}
    assert "苏州市吴江区卫生健康委员会 批复所属单位（15 日内）" not in found
    # A department sees only its own part of the calendar.
    own = {b.what for b in selectors.breaches(user("office_clerk"), budget_round, later)}
    assert own and all("卫生健康" not in what for what in own)


def test_control_numbers_stay_within_the_available_revenue(user: Any, apply_1: Prepared) -> None:
    """一下 from the available-revenue plan (可用财力): every department's control numbers of a
    fund type together stay within it; the plan never drops below what is issued."""
    from yusuan.budgeting.services.control import (
        NumberInput,
        control_issue,
        control_save,
        issued_totals,
        revenue_plan_set,
    )

    issued = issued_totals(apply_1.round).get("111", 0)  # 卫健委's, issued by the demo
    basic = sum(x.amount_fen for x in apply_1.basic)
    revenue_plan_set(
        actor=user("wj_budget"), round_id=apply_1.round.pk, figures={"111": Money(issued + basic)}
    )
    issue = control_save(
        actor=user("wj_budget"),
        round_id=apply_1.round.pk,
        department_id=apply_1.department.pk,
        numbers=[
            NumberInput("111", Part.BASIC, Money(basic)),
            NumberInput("111", Part.PROJECT, Money(100)),
        ],
    )
    with pytest.raises(BusinessRuleError) as exc:
        control_issue(actor=user("wj_budget_chief"), issue_id=issue.pk)
    (error,) = exc.value.errors
    assert (error.code, error.rule, error.field) == (
        "budgeting.over_revenue_plan",
        "R-BP-1",
        "revenue_plan.111",
    )
    assert (error.value, error.limit) == (
        Money(issued + basic + 100).format(),
        Money(issued + basic).format(),
    )
    # A plan below what the demo's 卫健委 already took is refused, naming it.
    with pytest.raises(BusinessRuleError) as exc:
        revenue_plan_set(
            actor=user("wj_budget"), round_id=apply_1.round.pk, figures={"111": Money(issued - 1)}
        )
    assert exc.value.errors[0].code == "budgeting.plan_below_issued"
    revenue_plan_set(
        actor=user("wj_budget"),
        round_id=apply_1.round.pk,
        figures={"111": Money(issued + basic + 100)},
    )
    assert control_issue(actor=user("wj_budget_chief"), issue_id=issue.pk).state == "issued"
