"""Demo budget preparation (issue 18): next year's budget in progress, as a district has it.

- 卫健委: its hospital went through 一上, the control numbers were issued (filled in rank order),
  the hospital's 二上 was approved, the 批复 entered and approved after the people's congress
  approval, and its indicators generated with one click (R-BP-12);
- 政府办: its units' 一上 drafts are being prepared (not submitted yet);
- 教育局 is left at the start, so that a visitor (and the browser test) can walk the school from
  一上 to its indicators.

Everything goes through the services and the approval engine with the demo's people. The calendar and
the people's congress approval are dated from the clock's today (as the approvals are), so that one
department can be shown end to end (a real district records the approval in January of the budget
year).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils import timezone

from yusuan.budgeting.choices import DraftStage, Part, Side, Stage
from yusuan.budgeting.models import BudgetLine, BudgetLineAmount
from yusuan.budgeting.services.control import (
    NumberInput,
    control_fill_in_rank_order,
    control_issue,
    control_save,
    revenue_plan_set,
)
from yusuan.budgeting.services.drafts import draft_start
from yusuan.budgeting.services.generate import reply_generate
from yusuan.budgeting.services.reply import reply_create
from yusuan.budgeting.services.rounds import RoundInput, congress_record, round_open
from yusuan.common.money import Money
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import FiscalYear, Organisation
from yusuan.core.services.fiscal_years import fiscal_year_open
from yusuan.identity.models import User
from yusuan.workflow.services import document_submit, instance_approve

HEALTH = "苏州市吴江区卫生健康委员会"
OFFICE = "苏州市吴江区人民政府办公室"
HOSPITAL_CHAIN = (
    "hospital_approver",
    "health_approver",
    "wj_sector_social",
    "wj_performance",
    "wj_budget",
)


def _users(*names: str) -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _walk(
    users: dict[str, User], document_type: str, pk: int, submitter: str, chain: tuple[str, ...]
) -> None:
    """Submit, then let whoever of ``chain`` sits at each step decide it (a step the route
    skipped, such as the performance review of a draft without projects, is not asked)."""
    instance = document_submit(
        actor=users[submitter], document_type=document_type, object_id=str(pk)
    )
    while instance.state == "in_progress":
        step = instance.current_step or {}
        actor = next(
            users[name]
            for name in chain
            if users[name].organisation_id == step.get("organisation_id")
            and users[name].roles.filter(code=step.get("role")).exists()
        )
        instance = instance_approve(actor=actor, instance_id=instance.pk)


def load(*, mof_div_code: str, year: int, as_of: dt.date) -> int:
    budget_year = year + 1
    users = _users(
        "wj_budget",
        "wj_budget_chief",
        "wj_admin",
        "wj_sector_social",
        "wj_performance",
        "hospital_clerk",
        "hospital_approver",
        "health_approver",
        "office_clerk",
    )
    budget = users["wj_budget"]
    # The calendar runs from the clock's today (what people act on), as the approvals do.
    today = timezone.localdate()
    budget_round = round_open(
        actor=budget,
        data=RoundInput(
            fiscal_year=budget_year,
            name=f"{budget_year}年预算编制（两上两下）",
            apply_1_due=today + dt.timedelta(days=15),
            control_due=today + dt.timedelta(days=45),
            apply_2_due=today + dt.timedelta(days=75),
            congress_due=today + dt.timedelta(days=100),
        ),
    )
    health = Organisation.objects.get(mof_div_code=mof_div_code, name=HEALTH)
    hospital = users["hospital_clerk"].organisation
    first = draft_start(
        actor=users["hospital_clerk"], round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    _walk(users, "budgeting.draft", first.pk, "hospital_clerk", HOSPITAL_CHAIN)
    # 一下: basic at the computed figure; projects at 80 % of what was asked, in rank order.
    applied = BudgetLineAmount.objects.filter(
        line__department=health,
        line__side=Side.EXPENDITURE,
        stage=Stage.APPLY_1,
        line__fund_type_code="111",
    )
    basic = applied.filter(line__part=Part.BASIC).aggregate(t=Sum("amount_fen"))["t"] or 0
    asked = applied.filter(line__part=Part.PROJECT).aggregate(t=Sum("amount_fen"))["t"] or 0
    # 可用财力: the district's available revenue for the year, which all control numbers share.
    revenue_plan_set(
        actor=budget,
        round_id=budget_round.pk,
        figures={
            "111": Money(4_200_000_000_00),
            "211": Money(600_000_000_00),
            "311": Money(20_000_000_00),
        },
        note=f"{budget_year}年财政收入预测和上级转移支付测算（演示）",
    )
    issue = control_save(
        actor=budget,
        round_id=budget_round.pk,
        department_id=health.pk,
        numbers=[
            NumberInput("111", Part.BASIC, Money(basic)),
            NumberInput("111", Part.PROJECT, Money(asked * 8 // 10 // 10_000 * 10_000)),
        ],
        doc_no=f"吴财预〔{year}〕61号",
    )
    control_fill_in_rank_order(actor=budget, issue_id=issue.pk)
    control_issue(actor=users["wj_budget_chief"], issue_id=issue.pk)
    second = draft_start(
        actor=users["hospital_clerk"], round_id=budget_round.pk, stage=DraftStage.APPLY_2
    )
    _walk(users, "budgeting.draft", second.pk, "hospital_clerk", HOSPITAL_CHAIN)
    congress_record(
        actor=budget,
        round_id=budget_round.pk,
        decision_no=f"吴江区第十七届人民代表大会关于{budget_year}年预算的决议（演示）",
        decision_date=today,
    )
    if not FiscalYear.objects.filter(mof_div_code=mof_div_code, year=budget_year).exists():
        fiscal_year_open(actor=users["wj_admin"], mof_div_code=mof_div_code, year=budget_year)
    reply = reply_create(
        actor=budget,
        round_id=budget_round.pk,
        department_id=health.pk,
        doc_no=f"吴财预〔{budget_year}〕3号",
    )
    _walk(users, "budgeting.reply", reply.pk, "wj_budget", ("wj_budget_chief",))
    reply_generate(actor=budget, reply_id=reply.pk)
    # 政府办's units are still preparing their 一上.
    office = Organisation.objects.get(mof_div_code=mof_div_code, name=OFFICE)
    for unit in Organisation.objects.filter(
        path__startswith=office.path, kind=OrganisationKind.UNIT
    ).order_by("code"):
        draft_start(
            actor=users["office_clerk"],
            round_id=budget_round.pk,
            stage=DraftStage.APPLY_1,
            organisation_id=unit.pk,
        )
    del hospital
    return BudgetLine.objects.filter(round=budget_round).count()
