"""Budget preparation in tests: one department walked through 两上两下 by its own people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from yusuan.budgeting.choices import DraftStage, Part
from yusuan.budgeting.models import BudgetDraft, BudgetRound, Reply
from yusuan.budgeting.services.control import (
    NumberInput,
    control_issue,
    control_save,
    revenue_plan_set,
)
from yusuan.budgeting.services.drafts import draft_start
from yusuan.budgeting.services.reply import reply_create
from yusuan.budgeting.services.rounds import RoundInput, congress_record, round_open
from yusuan.common.money import Money
from yusuan.core.models import FiscalYear
from yusuan.core.services.fiscal_years import fiscal_year_open
from yusuan.workflow import services as workflow

WJ, YEAR = "320509", 2027
# The school's chain (unit → 教育局 → 教育科 → 绩效 → 预算科) and the 批复's second officer.
DRAFT_CHAIN = ("school_approver", "edu_approver", "wj_sector_edu", "wj_performance", "wj_budget")

User = Callable[[str], Any]


def open_round(user: User) -> BudgetRound:
    """The demo's 2027 round (with its available-revenue plan), or a new one with a plan."""
    found = BudgetRound.objects.filter(mof_div_code=WJ, fiscal_year=YEAR).first()
    if found is not None:
        return found
    made = round_open(
        actor=user("wj_budget"),
        data=RoundInput(
            fiscal_year=YEAR,
            name="2027年预算编制",
            apply_1_due=dt.date(2026, 9, 30),
            control_due=dt.date(2026, 11, 15),
            apply_2_due=dt.date(2026, 12, 15),
            congress_due=dt.date(2027, 1, 10),
        ),
    )
    revenue_plan_set(
        actor=user("wj_budget"),
        round_id=made.pk,
        figures={fund: Money(1_000_000_000_00) for fund in ("111", "211", "311")},
    )
    return made


def walk(user: User, document_type: str, pk: int, submitter: str, chain: tuple[str, ...]) -> Any:
    """Submit; then whoever of ``chain`` sits at each step decides it, until none of them does."""
    instance = workflow.document_submit(
        actor=user(submitter), document_type=document_type, object_id=str(pk)
    )
    people = [user(name) for name in chain]
    while instance.state == "in_progress":
        step = instance.current_step or {}
        actor = next(
            (
                p
                for p in people
                if p.organisation_id == step.get("organisation_id")
                and p.roles.filter(code=step.get("role")).exists()
            ),
            None,
        )
        if actor is None:
            break
        instance = workflow.instance_approve(actor=actor, instance_id=instance.pk)
    return instance


def approve_draft(user: User, draft: BudgetDraft, clerk: str = "school_clerk") -> BudgetDraft:
    walk(user, "budgeting.draft", draft.pk, clerk, DRAFT_CHAIN)
    draft.refresh_from_db()
    return draft


def issue_control(
    user: User,
    budget_round: BudgetRound,
    department: Any,
    numbers: dict[tuple[str, str], int],
    *,
    fill: bool = True,
) -> Any:
    from yusuan.budgeting.services.control import control_fill_in_rank_order

    issue = control_save(
        actor=user("wj_budget"),
        round_id=budget_round.pk,
        department_id=department.pk,
        numbers=[NumberInput(f, p, Money(v)) for (f, p), v in numbers.items()],
        doc_no="吴财预〔2026〕88号",
    )
    if fill:
        control_fill_in_rank_order(actor=user("wj_budget"), issue_id=issue.pk)
    return control_issue(actor=user("wj_budget_chief"), issue_id=issue.pk)


def year_open(user: User) -> None:
    if not FiscalYear.objects.filter(mof_div_code=WJ, year=YEAR).exists():
        fiscal_year_open(actor=user("wj_admin"), mof_div_code=WJ, year=YEAR)


def approve_reply(user: User, reply: Reply) -> Reply:
    walk(user, "budgeting.reply", reply.pk, "wj_budget", ("wj_budget_chief",))
    reply.refresh_from_db()
    return reply


def congress(user: User, budget_round: BudgetRound) -> None:
    budget_round.refresh_from_db()
    if budget_round.congress_date is None:
        congress_record(
            actor=user("wj_budget"),
            round_id=budget_round.pk,
            decision_no="吴江区第十七届人大第七次会议决议",
            decision_date=dt.date(2027, 1, 12),
        )


def first_reply(user: User, budget_round: BudgetRound, department: Any) -> Reply:
    return reply_create(
        actor=user("wj_budget"),
        round_id=budget_round.pk,
        department_id=department.pk,
        doc_no="吴财预〔2027〕1号",
    )


__all__ = ["DraftStage", "Part", "draft_start"]
