"""What the budgeting services share: errors, departments, the lines' facts, stage writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from yusuan.budgeting import rules
from yusuan.budgeting.models import BudgetLine, BudgetLineAmount
from yusuan.common.actor import Actor
from yusuan.common.errors import err as err  # shared with every app's services
from yusuan.common.errors import refuse as refuse
from yusuan.common.ids import as_pk as as_pk
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation


def department_of(organisation: Organisation) -> Organisation:
    """The department (一级预算单位) a unit belongs to: the first organisation on its path."""
    if organisation.kind == OrganisationKind.DEPARTMENT:
        return organisation
    head = int(organisation.path.strip("/").split("/")[0])
    department = Organisation.objects.get(pk=head)
    if department.kind != OrganisationKind.DEPARTMENT:
        raise refuse(
            "budgeting.not_agency",
            "organisation",
            f"{organisation.name}不属于任何主管部门，不能编制部门预算",
            f"{organisation.name} belongs to no department",
        )
    return department


def ensure_agency(organisation: Organisation) -> None:
    if organisation.kind not in (OrganisationKind.DEPARTMENT, OrganisationKind.UNIT):
        raise refuse(
            "budgeting.not_agency",
            "organisation",
            f"{organisation.name}不是预算单位，不编制单位预算",
            f"{organisation.name} is not a budget unit",
        )


def facts(line: BudgetLine, amount_fen: int | None = None) -> rules.LineFacts:
    return rules.LineFacts(
        position=line.position,
        side=line.side,
        amount_fen=line.amount_fen if amount_fen is None else amount_fen,
        fund_type_code=line.fund_type_code,
        carry_over=line.carry_over,
        revenue_kind=line.revenue_kind,
        part=line.part,
        project_id=line.project_id,
        exp_func_code=line.exp_func_code,
        dep_bgt_eco_code=line.dep_bgt_eco_code,
        is_gov_pur=line.is_gov_pur,
        pur_item=line.pur_item,
        is_asset=line.is_asset,
        is_gov_service=line.is_gov_service,
        service_item=line.service_item,
        people=line.people,
        days=line.days,
        standard_fen=line.standard_fen,
        computed=line.computed,
    )


def write_stage(
    actor: Actor,
    lines: Iterable[tuple[BudgetLine, int]],
    stage: str,
    **document: Any,
) -> list[BudgetLineAmount]:
    """R-BP-9: write one stage's figure of each line, once (the unique constraint and the
    trigger refuse a second write of the same stage)."""
    now = timezone.now()
    rows = [
        BudgetLineAmount(
            mof_div_code=line.mof_div_code,
            line=line,
            stage=stage,
            amount_fen=amount,
            written_by_id=actor.pk,
            written_at=now,
            **document,
        )
        for line, amount in lines
    ]
    return BudgetLineAmount.objects.bulk_create(rows, batch_size=500)


def stage_amounts(line_ids: Sequence[int], stage: str) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(line_ids), 500):
        found.update(
            BudgetLineAmount.objects.filter(
                line_id__in=line_ids[start : start + 500], stage=stage
            ).values_list("line_id", "amount_fen")
        )
    return found
