"""Budget rounds (编制年度) and the people's-congress approval (R-BP-7, R-BP-8)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.budgeting import locks
from yusuan.budgeting.models import BudgetRound
from yusuan.budgeting.services.common import as_pk, err, refuse
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import NotFoundError, raise_if_any
from yusuan.core.choices import OrganisationKind
from yusuan.core.selectors import acting_organisation

ROUND_PERMISSION = "budgeting.manage_round"


@dataclass(frozen=True)
class RoundInput:
    fiscal_year: int
    name: str
    apply_1_due: dt.date
    control_due: dt.date
    apply_2_due: dt.date
    congress_due: dt.date


def _finance(actor: Actor) -> str:
    organisation = acting_organisation(actor=actor, organisation_id=None)
    if organisation.kind not in (
        OrganisationKind.FINANCE_BUREAU,
        OrganisationKind.FINANCE_DIVISION,
    ):
        raise refuse(
            "budgeting.finance_only",
            "organisation",
            "编制年度和人大批准由财政部门预算处登记",
            "the budget division opens rounds and records the congress approval",
            status=403,
        )
    return organisation.mof_div_code


@transaction.atomic
def round_open(*, actor: Actor, data: RoundInput) -> BudgetRound:
    ensure_permission(actor, ROUND_PERMISSION)
    mof_div_code = _finance(actor)
    errors = []
    order = [
        ("apply_1_due", "一上截止", data.apply_1_due),
        ("control_due", "一下控制数下达截止", data.control_due),
        ("apply_2_due", "二上截止", data.apply_2_due),
        ("congress_due", "报送人大截止", data.congress_due),
    ]
    for (name_a, zh_a, a), (name_b, zh_b, b) in zip(order, order[1:], strict=False):
        if b < a:
            errors.append(
                err(
                    "budgeting.calendar_order",
                    name_b,
                    f"{zh_b}（{b}）不能早于{zh_a}（{a}）",
                    f"{name_b} ({b}) is before {name_a} ({a})",
                    rule="R-BP-7",
                    value=str(b),
                    limit=str(a),
                )
            )
    if BudgetRound.objects.filter(mof_div_code=mof_div_code, fiscal_year=data.fiscal_year).exists():
        errors.append(
            err(
                "budgeting.round_exists",
                "fiscal_year",
                f"{data.fiscal_year} 年度预算编制已开始",
                f"the {data.fiscal_year} budget round is open already",
                value=data.fiscal_year,
            )
        )
    raise_if_any(errors)
    budget_round = BudgetRound.objects.create(
        mof_div_code=mof_div_code,
        fiscal_year=data.fiscal_year,
        name=data.name.strip() or f"{data.fiscal_year}年预算编制",
        apply_1_due=data.apply_1_due,
        control_due=data.control_due,
        apply_2_due=data.apply_2_due,
        congress_due=data.congress_due,
        created_by_id=actor.pk,
    )
    audit_record(
        action="budgeting.round_open",
        actor=actor,
        obj=budget_round,
        changes={"fiscal_year": [None, data.fiscal_year]},
    )
    return budget_round


def access_round(actor: Actor, round_id: object, *, for_update: bool = False) -> BudgetRound:
    pk = as_pk(round_id)
    rows = locks.round_qs_select_for_update() if for_update else BudgetRound.objects.all()
    found = rows.visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFoundError("budget round")
    return found


@transaction.atomic
def congress_record(
    *, actor: Actor, round_id: object, decision_no: str, decision_date: dt.date
) -> BudgetRound:
    """The people's congress approved the budget (R-BP-7): recorded once; the 批复 deadlines
    run from its date."""
    ensure_permission(actor, ROUND_PERMISSION)
    _finance(actor)
    budget_round = access_round(actor, round_id, for_update=True)
    if budget_round.congress_date is not None:
        raise refuse(
            "budgeting.congress_recorded",
            "congress_date",
            f"人大批准已于 {budget_round.congress_date} 登记（{budget_round.congress_decision_no}），"
            "不能重复登记",
            f"the congress approval was recorded already ({budget_round.congress_date})",
            status=409,
            value=str(budget_round.congress_date),
        )
    if not decision_no.strip():
        raise refuse(
            "budgeting.congress_decision_required",
            "congress_decision_no",
            "须填写人大批准文件（决议文号）",
            "the congress decision number is required",
            rule="R-BP-7",
        )
    budget_round.congress_decision_no = decision_no.strip()
    budget_round.congress_date = decision_date
    budget_round.congress_recorded_by_id = actor.pk
    budget_round.save(
        update_fields=[
            "congress_decision_no",
            "congress_date",
            "congress_recorded_by",
            "updated_at",
        ]
    )
    audit_record(
        action="budgeting.congress_record",
        actor=actor,
        obj=budget_round,
        changes={
            "congress_decision_no": [None, budget_round.congress_decision_no],
            "congress_date": [None, str(decision_date)],
        },
    )
    return budget_round
