"""R-BP-12 as a property: for random 二上 drafts within random control numbers, random 批复
figures and a random later change, the one-click generation conserves money exactly — Σ generated
indicators per department and fund type = Σ 批复 in force, each line's indicator = its figure —
and a second click creates nothing. Two mutants show the property can fail."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tests.budget_helpers import (
    approve_draft,
    approve_reply,
    congress,
    first_reply,
    issue_control,
    open_round,
    year_open,
)

from yusuan.budgeting.choices import DraftStage, Part, Side
from yusuan.budgeting.models import BudgetLine, GeneratedIndicator
from yusuan.budgeting.services import generate
from yusuan.budgeting.services.drafts import LineInput, draft_start, line_save
from yusuan.budgeting.services.reply import current_figures, reply_change_create, reply_line_set
from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine

pytestmark = pytest.mark.django_db
EXAMPLES = 8

# Per example: the project control number as a share of 一上 (%); per project line: its 二上 share
# of finance's figure (%), whether its economic class is left blank (a pending indicator), its
# 批复 share of 二上 (%); then the change: per line a delta in yuan (0: unchanged).
LINE = st.tuples(st.integers(0, 100), st.booleans(), st.integers(50, 120), st.integers(-300, 300))
EXAMPLE = st.tuples(st.integers(10, 100), st.lists(LINE, min_size=6, max_size=6))


def _one(
    user: Callable[[str], Any],
    org: Callable[[str], Any],
    share: int,
    plan: list[Any],
    ran: Counter[str],
) -> None:
    budget_round = open_round(user)
    school = user("school_clerk").organisation
    department = org("苏州市吴江区教育局")
    first = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    approve_draft(user, first)
    lines = list(BudgetLine.objects.filter(round=budget_round, organisation=school, removed=False))
    basic = sum(x.amount_fen for x in lines if x.part == Part.BASIC)
    asked = sum(x.amount_fen for x in lines if x.part == Part.PROJECT)
    issue_control(
        user,
        budget_round,
        department,
        {("111", "basic"): basic, ("111", "project"): asked * share // 100},
    )
    second = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_2
    )
    projects = list(
        BudgetLine.objects.filter(
            round=budget_round, organisation=school, part=Part.PROJECT
        ).order_by("position")
    )
    for line, (cut, blank, _reply, _delta) in zip(projects, plan, strict=False):
        line_save(
            actor=user("school_clerk"),
            draft_id=second.pk,
            line_id=line.pk,
            data=LineInput(
                amount=Money(line.amount_fen * cut // 100),
                project_id=line.project_id,
                exp_func_code=line.exp_func_code,
                dep_bgt_eco_code="" if blank else line.dep_bgt_eco_code,
                fund_type_code=line.fund_type_code,
            ),
        )
        ran["pending" if blank else "detailed"] += 1
    approve_draft(user, second)
    congress(user, budget_round)
    reply = first_reply(user, budget_round, department)
    for row, (_cut, _blank, reply_share, _delta) in zip(
        reply.lines.filter(line__part=Part.PROJECT)
        .select_related("line")
        .order_by("line__position"),
        plan,
        strict=False,
    ):
        reply_line_set(
            actor=user("wj_budget"),
            reply_id=reply.pk,
            line_id=row.line_id,
            amount=Money(row.amount_fen * reply_share // 100),
        )
        ran["reply_changed"] += reply_share != 100
    approve_reply(user, reply)
    year_open(user)
    outcome = generate.reply_generate(actor=user("wj_budget"), reply_id=reply.pk)
    ran["generated"] += outcome.created
    _assert_conserved(department)
    again = generate.reply_generate(actor=user("wj_budget"), reply_id=reply.pk)
    assert again.created == 0
    # A change: new figures for the lines with a delta (never below zero, never unchanged).
    figures = current_figures(
        list(GeneratedIndicator.objects.filter(reply=reply).values_list("line_id", flat=True))
    )
    rows = list(
        GeneratedIndicator.objects.filter(reply=reply)
        .select_related("indicator")
        .order_by("line__position")
    )
    changes = {}
    for row, (_cut, _blank, _share, delta) in zip(rows, plan, strict=False):
        new = figures[row.line_id] + delta * 100
        if delta and new >= 0 and row.indicator.available + min(delta * 100, 0) >= 0:
            changes[row.line_id] = Money(new)
    if changes:
        change = reply_change_create(
            actor=user("wj_budget"),
            reply_id=reply.pk,
            doc_no="吴财预〔2027〕9号",
            reason="调整",
            figures=changes,
        )
        approve_reply(user, change)
        made = generate.reply_generate(actor=user("wj_budget"), reply_id=change.pk)
        ran["changed_lines"] += made.created
        _assert_conserved(department)
        assert generate.reply_generate(actor=user("wj_budget"), reply_id=change.pk).created == 0
    ran["examples"] += 1


def _assert_conserved(department: Any) -> None:
    lines = BudgetLine.objects.filter(
        department=department, side=Side.EXPENDITURE, carry_over=False
    )
    figures = current_figures(list(lines.values_list("pk", flat=True)))
    funds = dict(lines.values_list("pk", "fund_type_code"))
    want: dict[str, int] = defaultdict(int)
    for line_id, fen in figures.items():
        want[funds[line_id]] += fen
    have: dict[str, int] = defaultdict(int)
    by_line: dict[int, int] = {}
    for row in GeneratedIndicator.objects.filter(line__in=lines).select_related(
        "indicator", "line"
    ):
        by_line[row.line_id] = row.indicator.pk
    for line_id, indicator in by_line.items():
        found = IndicatorLine.objects.get(pk=indicator)
        have[funds[line_id]] += found.total
        assert found.total == figures[line_id], (line_id, found.total, figures[line_id])
        line = BudgetLine.objects.get(pk=line_id)
        expected = LineKind.EXECUTABLE if line.dep_bgt_eco_code else LineKind.PENDING
        assert found.kind == expected
    assert dict(want) == {k: v for k, v in have.items()}, (dict(want), dict(have))
    assert {k for k, v in figures.items() if v} <= set(by_line)


def _property(user: Any, org: Any, ran: Counter[str], *, shrink: bool = True) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=tuple(Phase) if shrink else (Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
        derandomize=True,
    )
    @given(example=EXAMPLE)
    def run(example: tuple[int, list[Any]]) -> None:
        with transaction.atomic():
            try:
                _one(user, org, example[0], example[1], ran)
            finally:
                transaction.set_rollback(True)

    run()


def test_generation_conserves_money_and_runs_once(user: Any, org: Any) -> None:
    ran: Counter[str] = Counter()
    _property(user, org, ran)
    print("budget generation:", dict(sorted(ran.items())))
    assert ran["examples"] == EXAMPLES
    for key in ("pending", "detailed", "reply_changed", "generated", "changed_lines"):
        assert ran[key] > 0, ran


def test_mutant_a_line_left_out_is_caught(
    user: Any, org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generation that drops a line and does not check itself breaks the property."""
    real = generate._link
    monkeypatch.setattr(generate, "conservation_errors", lambda reply: [])
    monkeypatch.setattr(
        generate, "_link", lambda reply, document, made: real(reply, document, made[:-1])
    )
    with pytest.raises(AssertionError):
        _property(user, org, Counter(), shrink=False)


def test_mutant_a_second_click_that_generates_again_is_caught(
    user: Any, org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yusuan.budgeting.models import Reply

    real = generate.access_reply

    def forgetful(actor: Any, reply_id: object, *, for_update: bool = False) -> Reply:
        reply = real(actor, reply_id, for_update=for_update)
        reply.generated_at = None  # the "already generated" guard forgotten
        return reply

    monkeypatch.setattr(generate, "access_reply", forgetful)
    with pytest.raises((AssertionError, IntegrityError, BusinessRuleError)):
        _property(user, org, Counter(), shrink=False)
