"""批复: finance approves a department's budget after the people's congress (R-BP-7, R-BP-12).

A first 批复 takes every line at its approved 二上 figure; finance may set another figure on a
财政拨款 line before it goes for approval. Its approval writes the ``approved`` stage of every line
of the department, once. A later change is a new 批复 (kind ``change``) naming new figures; its
approval writes an ``adjusted`` row per changed line, never touching the approved one (R-BP-9).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.budgeting import locks, rules
from yusuan.budgeting.choices import (
    DraftStage,
    DraftState,
    ReplyKind,
    ReplyState,
    RevenueKind,
    Side,
    Stage,
)
from yusuan.budgeting.models import (
    BudgetDraft,
    BudgetLine,
    BudgetLineAmount,
    Reply,
    ReplyLine,
)
from yusuan.budgeting.rules import FISCAL_FUND_TYPES
from yusuan.budgeting.services.common import as_pk, err, refuse, stage_amounts, write_stage
from yusuan.budgeting.services.control import _department
from yusuan.budgeting.services.rounds import _finance, access_round
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.core.services.sequences import next_number

REPLY_PERMISSION = "budgeting.reply_budget"


def access_reply(actor: Actor, reply_id: object, *, for_update: bool = False) -> Reply:
    pk = as_pk(reply_id)
    rows = locks.reply_qs_select_for_update() if for_update else Reply.objects.all()
    found = (
        rows.visible_to(actor).select_related("round", "organisation").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFoundError("budget reply")
    return found


def current_figures(line_ids: list[int]) -> dict[int, int]:
    """Each line's figure in force: its latest changed 批复, else its 批复."""
    found: dict[int, int] = {}
    for start in range(0, len(line_ids), 500):
        for line_id, _stage, amount in (
            BudgetLineAmount.objects.filter(
                line_id__in=line_ids[start : start + 500],
                stage__in=(Stage.APPROVED, Stage.ADJUSTED),
            )
            .order_by("written_at", "pk")
            .values_list("line_id", "stage", "amount_fen")
        ):
            found[line_id] = amount
    return found


def _number(reply_round_mof: str, year: int) -> str:
    n = next_number(mof_div_code=reply_round_mof, fiscal_year=year, series="budget-reply")
    return f"PF{year}{n:06d}"


def _unapproved_units(budget_round_id: int, department: Organisation) -> list[str]:
    units = set(
        BudgetLine.objects.filter(round_id=budget_round_id, department=department).values_list(
            "organisation_id", flat=True
        )
    )
    approved = set(
        BudgetDraft.objects.filter(
            round_id=budget_round_id,
            organisation_id__in=units,
            stage=DraftStage.APPLY_2,
            state=DraftState.APPROVED,
        ).values_list("organisation_id", flat=True)
    )
    return list(
        Organisation.objects.filter(pk__in=units - approved)
        .order_by("path")
        .values_list("name", flat=True)
    )


@transaction.atomic
def reply_create(
    *, actor: Actor, round_id: object, department_id: object, doc_no: str, title: str = ""
) -> Reply:
    ensure_permission(actor, REPLY_PERMISSION)
    _finance(actor)
    budget_round = access_round(actor, round_id, for_update=True)
    department = _department(actor, department_id)
    errors = []
    if budget_round.congress_date is None:
        errors.append(
            err(
                "budgeting.congress_first",
                "congress_date",
                f"{budget_round.fiscal_year} 年预算尚未经人大批准，不能批复部门预算",
                "the people's congress has not approved the budget yet",
                rule="R-BP-7",
            )
        )
    if not doc_no.strip():
        errors.append(
            err(
                "budgeting.doc_no_required", "doc_no", "须填写批复文号", "the 批复 文号 is required"
            )
        )
    if Reply.objects.filter(
        round=budget_round, organisation=department, kind=ReplyKind.FIRST
    ).exists():
        errors.append(
            err(
                "budgeting.reply_exists",
                "organisation",
                f"{department.name}的预算已批复；变更请建立批复调整",
                f"{department.name} has its 批复; changes go through a 批复 change",
                value=department.name,
            )
        )
    for name in _unapproved_units(budget_round.pk, department):
        errors.append(
            err(
                "budgeting.apply_2_pending",
                "organisation",
                f"{name}的二上预算尚未审核通过，不能批复{department.name}",
                f"{name}'s 二上 draft is not approved yet",
                rule="R-BP-9",
                value=name,
            )
        )
    raise_if_any(errors)
    reply = Reply.objects.create(
        mof_div_code=budget_round.mof_div_code,
        fiscal_year=budget_round.fiscal_year,
        round=budget_round,
        organisation=department,
        kind=ReplyKind.FIRST,
        number=_number(budget_round.mof_div_code, budget_round.fiscal_year),
        doc_no=doc_no.strip(),
        title=title.strip()
        or f"关于批复{department.name}{budget_round.fiscal_year}年部门预算的通知",
        created_by_id=actor.pk,
    )
    lines = list(
        BudgetLine.objects.filter(round=budget_round, department=department, side=Side.EXPENDITURE)
    )
    second = stage_amounts([x.pk for x in lines], Stage.APPLY_2)
    ReplyLine.objects.bulk_create(
        (
            ReplyLine(mof_div_code=reply.mof_div_code, reply=reply, line=x, amount_fen=second[x.pk])
            for x in lines
            if second.get(x.pk)
        ),
        batch_size=500,
    )
    audit_record(
        action="budgeting.reply_create",
        actor=actor,
        obj=reply,
        changes={"state": [None, ReplyState.DRAFT]},
        extra={"lines": reply.lines.count()},
    )
    return reply


def _editable(actor: Actor, reply_id: object) -> Reply:
    ensure_permission(actor, REPLY_PERMISSION)
    reply = access_reply(actor, reply_id, for_update=True)
    if reply.state != ReplyState.DRAFT:
        raise refuse(
            "budgeting.reply_not_draft",
            "state",
            f"批复 {reply.number} 处于“{reply.get_state_display()}”状态，不能修改",
            f"{reply.number} is {reply.state}; only drafts are edited",
            status=409,
        )
    return reply


def _fiscal_line(line: BudgetLine) -> None:
    if line.fund_type_code not in FISCAL_FUND_TYPES or line.carry_over:
        raise refuse(
            "budgeting.reply_fiscal_only",
            f"lines[{line.position}]",
            f"第 {line.position} 行不是财政拨款，批复按二上数不变",
            f"row {line.position} is not an appropriation; its 批复 follows 二上",
            row=line.position,
        )


@transaction.atomic
def reply_line_set(*, actor: Actor, reply_id: object, line_id: object, amount: Money) -> ReplyLine:
    """Finance's 批复 figure for one 财政拨款 line of a draft 批复."""
    reply = _editable(actor, reply_id)
    row = (
        ReplyLine.objects.filter(reply=reply, line_id=as_pk(line_id)).select_related("line").first()
    )
    if row is None:
        raise NotFoundError("budget line")
    _fiscal_line(row.line)
    if amount.fen < 0:
        raise refuse(
            "budgeting.negative", "amount", "金额不能为负数", "the amount cannot be negative"
        )
    before, row.amount_fen = row.amount_fen, amount.fen
    row.save(update_fields=["amount_fen"])
    audit_record(
        action="budgeting.reply_line",
        actor=actor,
        obj=reply,
        changes={f"lines[{row.line.position}]": [before, amount.fen]},
        extra={"line": row.line_id},
    )
    return row


@transaction.atomic
def reply_change_create(
    *,
    actor: Actor,
    reply_id: object,
    doc_no: str,
    reason: str,
    figures: Mapping[int, Money],
    title: str = "",
) -> Reply:
    """A changed 批复: new figures for some 财政拨款 lines of an approved, generated 批复; its
    indicators come as 追加/追减 of the difference (R-BP-12)."""
    ensure_permission(actor, REPLY_PERMISSION)
    first = access_reply(actor, reply_id, for_update=True)
    errors = []
    if (
        first.kind != ReplyKind.FIRST
        or first.state != ReplyState.APPROVED
        or first.generated_at is None
    ):
        errors.append(
            err(
                "budgeting.reply_not_generated",
                "reply",
                f"批复 {first.number} 尚未批准并生成指标，不能调整",
                f"{first.number} is not approved with its indicators generated",
                rule="R-BP-12",
            )
        )
    if not reason.strip():
        errors.append(
            err("budgeting.reason_required", "reason", "须填写调整原因", "a reason is required")
        )
    if not doc_no.strip():
        errors.append(
            err(
                "budgeting.doc_no_required", "doc_no", "须填写批复文号", "the 批复 文号 is required"
            )
        )
    lines = {
        x.pk: x
        for x in BudgetLine.objects.filter(
            pk__in=[k for k in figures],
            round=first.round,
            department=first.organisation,
            side=Side.EXPENDITURE,
        )
    }
    now = current_figures(list(lines))
    for line_id, money in figures.items():
        line = lines.get(line_id)
        if line is None or line_id not in now:
            errors.append(
                err(
                    "budgeting.reply_line",
                    f"figures.{line_id}",
                    "该行不在本部门已批复的预算中",
                    "not an approved line of the department",
                    value=line_id,
                )
            )
            continue
        if line.fund_type_code not in FISCAL_FUND_TYPES or line.carry_over:
            errors.append(
                err(
                    "budgeting.reply_fiscal_only",
                    f"figures.{line_id}",
                    f"第 {line.position} 行不是财政拨款",
                    f"row {line.position} is not an appropriation",
                    row=line.position,
                )
            )
        if money.fen < 0:
            errors.append(
                err(
                    "budgeting.negative",
                    f"figures.{line_id}",
                    "金额不能为负数",
                    "cannot be negative",
                )
            )
        elif money.fen == now[line_id]:
            errors.append(
                err(
                    "budgeting.reply_unchanged",
                    f"figures.{line_id}",
                    f"第 {line.position} 行金额未变化（{rules.yuan(money.fen)} 元）",
                    f"row {line.position} is unchanged",
                    row=line.position,
                    value=rules.yuan(money.fen),
                )
            )
    if not figures:
        errors.append(
            err("budgeting.reply_empty", "figures", "请填写调整后的金额", "no figures given")
        )
    raise_if_any(errors)
    change = Reply.objects.create(
        mof_div_code=first.mof_div_code,
        fiscal_year=first.fiscal_year,
        round=first.round,
        organisation=first.organisation,
        kind=ReplyKind.CHANGE,
        number=_number(first.mof_div_code, first.fiscal_year),
        doc_no=doc_no.strip(),
        title=title.strip()
        or f"关于调整{first.organisation.name}{first.fiscal_year}年部门预算的批复",
        reason=reason.strip(),
        created_by_id=actor.pk,
    )
    ReplyLine.objects.bulk_create(
        ReplyLine(mof_div_code=change.mof_div_code, reply=change, line_id=k, amount_fen=v.fen)
        for k, v in figures.items()
    )
    audit_record(
        action="budgeting.reply_change_create",
        actor=actor,
        obj=change,
        changes={"state": [None, ReplyState.DRAFT]},
        extra={"of": first.pk, "figures": {str(k): v.fen for k, v in figures.items()}},
    )
    return change


# --- the engine's hooks -----------------------------------------------------------------------


def on_submit(reply: Reply) -> None:
    if reply.round.congress_date is None:
        raise refuse(
            "budgeting.congress_first",
            "congress_date",
            "预算尚未经人大批准，不能批复",
            "the people's congress has not approved the budget yet",
            rule="R-BP-7",
        )


def on_final_approval(actor: Actor, reply: Reply) -> None:
    """Write the 批复 figures: the ``approved`` stage of every line of the department (a first
    批复), or an ``adjusted`` row per changed line (a change); the 财政拨款 revenue follows."""
    figures = dict(reply.lines.values_list("line_id", "amount_fen"))
    stage = Stage.APPROVED if reply.kind == ReplyKind.FIRST else Stage.ADJUSTED
    department_lines = list(
        BudgetLine.objects.filter(round=reply.round, department=reply.organisation)
    )
    if reply.kind == ReplyKind.FIRST:
        second = stage_amounts([x.pk for x in department_lines], Stage.APPLY_2)
        spending = [
            (x, figures.get(x.pk, 0)) for x in department_lines if x.side == Side.EXPENDITURE
        ]
        in_force = {x.pk: fen for x, fen in spending}
    else:
        touched = {x.organisation_id for x in department_lines if x.pk in figures}
        current = current_figures([x.pk for x in department_lines])
        spending = [(x, figures[x.pk]) for x in department_lines if x.pk in figures]
        in_force = {**current, **figures}
        department_lines = [x for x in department_lines if x.organisation_id in touched]
        second = {}
    derived: dict[tuple[int, str], int] = defaultdict(int)
    for line in department_lines:
        if (
            line.side == Side.EXPENDITURE
            and line.fund_type_code in FISCAL_FUND_TYPES
            and not line.carry_over
        ):
            derived[(line.organisation_id, line.fund_type_code)] += in_force.get(line.pk, 0)
    revenue = []
    for line in department_lines:
        if line.side != Side.REVENUE:
            continue
        if line.revenue_kind == RevenueKind.FISCAL:
            revenue.append((line, derived.get((line.organisation_id, line.fund_type_code), 0)))
        elif reply.kind == ReplyKind.FIRST:
            revenue.append((line, second.get(line.pk, 0)))
    write_stage(actor, [*spending, *revenue], stage, reply=reply)
    reply.approved_at = timezone.now()
    reply.save(update_fields=["approved_at", "updated_at"])


@transaction.atomic
def reply_units_record(*, actor: Actor, reply_id: object, replied_on: dt.date) -> Reply:
    """R-BP-7: the department records the day it passed its 批复 on to its units (within 15 days
    of its own); once, by the department's own people."""
    ensure_permission(actor, "budgeting.prepare_budget")
    reply = access_reply(actor, reply_id, for_update=True)
    if getattr(actor, "organisation_id", None) != reply.organisation_id:
        raise refuse(
            "budgeting.department_only",
            "units_replied_on",
            f"由{reply.organisation.name}登记向所属单位批复的日期",
            f"{reply.organisation.name} records when it replied to its units",
            rule="R-BP-7",
            status=403,
        )
    errors = []
    if reply.kind != ReplyKind.FIRST or reply.state != ReplyState.APPROVED:
        errors.append(
            err(
                "budgeting.reply_not_approved",
                "state",
                f"批复 {reply.number} 尚未批准",
                f"{reply.number} is not approved",
                rule="R-BP-7",
            )
        )
    if reply.units_replied_on is not None:
        errors.append(
            err(
                "budgeting.units_replied",
                "units_replied_on",
                f"已于 {reply.units_replied_on} 登记向所属单位批复",
                "recorded already",
                value=str(reply.units_replied_on),
            )
        )
    approved_on = timezone.localdate(reply.approved_at) if reply.approved_at else None
    if approved_on is not None and replied_on < approved_on:
        errors.append(
            err(
                "budgeting.units_replied_early",
                "units_replied_on",
                f"向所属单位批复的日期 {replied_on} 不能早于财政批复日期 {approved_on}",
                f"{replied_on} is before finance's 批复 of {approved_on}",
                rule="R-BP-7",
                value=str(replied_on),
                limit=str(approved_on),
            )
        )
    if replied_on > timezone.localdate():
        errors.append(
            err(
                "budgeting.future_date",
                "units_replied_on",
                f"日期 {replied_on} 晚于今天",
                f"{replied_on} is in the future",
                value=str(replied_on),
            )
        )
    raise_if_any(errors)
    reply.units_replied_on = replied_on
    reply.save(update_fields=["units_replied_on", "updated_at"])
    audit_record(
        action="budgeting.reply_units",
        actor=actor,
        obj=reply,
        changes={"units_replied_on": [None, str(replied_on)]},
    )
    return reply
