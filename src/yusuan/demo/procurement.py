"""The demo's 集中采购目录, procurement intentions (采购意向, R-GP-1, R-GP-7) and implementation
plans (采购实施计划, R-GP-2, R-GP-8): the school's and the hospital's year, in every state, each
intention published at least 30 days before its purchase month — the school's multimedia
equipment before the contract payments.py files on 8 April — and each plan drawing on a
procurement line, one with a contract under it. No business date lies after the demo's "as of"
day (approvals happen when the demo runs; a plan's filing date is set to the story's day)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from yusuan.common.money import Money
from yusuan.core.choices import PayeeKind
from yusuan.core.models import Payee
from yusuan.demo.payments import pay_instalments
from yusuan.identity.models import User
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.procurement.choices import (
    AcceptanceResult,
    ChangeKind,
    InstalmentKind,
    IntentionExemption,
    OrgForm,
    PlanState,
    PurMethod,
)
from yusuan.procurement.models import ProcurementChange, ProcurementIntention, ProcurementPlan
from yusuan.procurement.services import (
    ContractInput,
    ContractLineInput,
    IntentionInput,
    PlanInput,
    PlanLineInput,
    catalogue_item_set,
    contract_file,
    intention_create,
    intention_publish,
    intention_update,
    intention_withdraw,
    plan_close,
    plan_create,
)
from yusuan.procurement.services.awards import (
    AcceptanceInput,
    AwardInput,
    acceptance_record,
    award_record,
)
from yusuan.procurement.services.changes import ChangeInput, change_create
from yusuan.procurement.services.contract_terms import InstalmentInput
from yusuan.procurement.workflow import CHANGE_TYPE, PLAN_TYPE
from yusuan.workflow.services import document_submit, instance_approve, instance_reject


@dataclass(frozen=True)
class Planned:
    unit: str  # "school" or "hospital": whose clerk enters it
    project: str
    need: str
    yuan: str
    month: int
    item: str
    published: tuple[int, int] | None = None  # (month, day), or a draft
    sme: bool = False
    changed_to: str = ""  # a later budget in 元, published as a change (更正)
    withdrawn: str = ""  # the reason, once published


PLANNED = (
    Planned(
        "school",
        "多媒体教室设备采购",
        "更新 30 间教室的多媒体一体机及配套音响",
        "1,280,000.00",
        4,
        "A02010104",
        published=(1, 20),
    ),
    Planned(
        "school",
        "教师办公电脑更新",
        "更换使用满 6 年的教师办公台式计算机 120 台",
        "720,000.00",
        7,
        "A02010104",
        published=(5, 10),
        sme=True,
        changed_to="660,000.00",
    ),
    Planned(
        "school",
        "校舍维修改造",
        "教学楼外立面及屋面防水修缮",
        "1,500,000.00",
        8,
        "B08",
        published=(6, 2),
        withdrawn="改由区教育局统一实施",
    ),
    Planned(
        "school",
        "学生宿舍家具",
        "新建宿舍楼床铺、书桌及衣柜",
        "960,000.00",
        11,
        "A0501",
        published=(9, 1),
        sme=True,
    ),
    Planned(
        "school", "校园物业管理服务", "2027 年度校园保洁、绿化及安保", "1,100,000.00", 12, "C1204"
    ),
    Planned(
        "hospital",
        "门诊楼装修工程",
        "门诊楼一层大厅及候诊区装修",
        "2,400,000.00",
        6,
        "B07",
        published=(3, 15),
    ),
)


# 集中采购目录 [D]: a plausible county catalogue; a region loads its own document's.
CATALOGUE = (
    ("A0201", OrgForm.CENTRAL, "信息化设备：集中采购机构采购（含台式、便携式计算机）"),
    ("A0501", OrgForm.CENTRAL, "家具：集中采购机构采购"),
    ("C1204", OrgForm.DEPARTMENT, "物业管理服务：部门集中采购"),
)


def load(*, year: int, as_of: dt.date) -> int:
    """Enter, publish, change and withdraw the intentions whose dates lie on or before
    ``as_of``; the rest stay drafts. Returns how many were entered."""
    # Business dates lie on or before the "as of" day, and no later than the clock's today.
    as_of = min(as_of, timezone.localdate())
    users = {u.username: u for u in User.objects.filter(username__regex=r"^(school|hospital)_")}
    officer = User.objects.filter(username="wj_procurement").first()
    if officer is not None:
        for code, form, note in CATALOGUE:
            catalogue_item_set(
                actor=officer,
                mof_div_code=officer.mof_div_code,
                fiscal_year=year,
                pur_item_code=code,
                org_form=form,
                note=note,
            )
    made = 0
    for plan in PLANNED:
        clerk = users.get(f"{plan.unit}_clerk")
        approver = users.get(f"{plan.unit}_approver")
        if clerk is None or approver is None:
            continue
        data = IntentionInput(
            project_name=plan.project,
            need_summary=plan.need,
            budget=Money.parse(plan.yuan),
            expected_month=dt.date(year, plan.month, 1),
            pur_item_code=plan.item,
            is_sme_reserved=plan.sme,
        )
        intention = intention_create(actor=clerk, data=data, fiscal_year=year)
        made += 1
        published = dt.date(year, *plan.published) if plan.published else None
        if published is None or published > as_of:
            continue
        intention_publish(actor=approver, intention_id=intention.pk, on=published)
        changed_on = published + dt.timedelta(days=14)
        if plan.changed_to and changed_on <= as_of:
            changed = dataclasses.replace(data, budget=Money.parse(plan.changed_to))
            intention_update(actor=clerk, intention_id=intention.pk, data=changed, on=changed_on)
        withdrawn_on = published + dt.timedelta(days=30)
        if plan.withdrawn and withdrawn_on <= as_of:
            intention_withdraw(
                actor=approver, intention_id=intention.pk, reason=plan.withdrawn, on=withdrawn_on
            )
    load_plans(year=year, as_of=as_of, users=users)
    return made


@dataclass(frozen=True)
class Story:
    """One plan's year: entered, submitted, decided, then a contract or a closing, each on its
    day (skipped once the day lies after "as of")."""

    unit: str
    title: str
    item: str
    method: str
    share: int  # per cent of the unit's procurement line's total
    start: tuple[int, int]
    entered: tuple[int, int]
    intention: str = ""  # the intention's project it follows, else an exemption
    exemption: str = ""
    submitted: tuple[int, int] | None = None
    decided: tuple[int, int] | None = None
    rejected: str = ""  # the approver's reason, instead of an approval
    contract: tuple[int, int] | None = None  # filed under the plan for 95 % of it
    closed: tuple[int, int] | None = None
    cancelled: str = ""  # cancelled on ``closed`` with this reason instead
    method_changed: tuple[int, int] | None = None  # a change of method entered and submitted


STORIES = (
    Story(
        "school", "录播教室设备采购", "A0201", PurMethod.INQUIRY, 10, (4, 1), (3, 2),
        exemption=IntentionExemption.URGENT, submitted=(3, 3), decided=(3, 5),
        rejected="与多媒体教室设备采购重复",
    ),
    Story(
        "school", "教师办公电脑更新", "A02010104", PurMethod.INQUIRY, 40, (7, 1), (6, 10),
        intention="教师办公电脑更新", submitted=(6, 12), decided=(6, 15), contract=(7, 20),
    ),
    Story(
        "school", "实验室仪器更新", "A0201", PurMethod.CONSULTATION, 10, (8, 1), (7, 1),
        exemption=IntentionExemption.AGREEMENT, submitted=(7, 2), decided=(7, 3),
        closed=(7, 30), cancelled="上级统一配发，需求取消",
    ),
    Story(
        "school", "图书馆书架购置", "A0501", PurMethod.INQUIRY, 10, (10, 15), (8, 10),
        exemption=IntentionExemption.BATCH, submitted=(8, 11), decided=(8, 12),
        method_changed=(9, 1),
    ),
    Story(
        "school", "学生宿舍家具", "A0501", PurMethod.OPEN_TENDER, 20, (11, 1), (9, 10),
        intention="学生宿舍家具", submitted=(9, 12),
    ),
    Story(
        "school", "校园物业管理服务", "C1204", PurMethod.CONSULTATION, 10, (12, 1), (9, 14),
    ),
    Story(
        "hospital", "信息化设备更新", "A0201", PurMethod.INQUIRY, 60, (5, 1), (4, 1),
        exemption=IntentionExemption.BATCH, submitted=(4, 2), decided=(4, 3),
        contract=(5, 10), closed=(6, 30),
    ),
)  # fmt: skip


def _procurement_line(unit: User, year: int) -> IndicatorLine | None:
    """The unit's largest procurement line (the school's 直达 equipment money)."""
    return (
        IndicatorLine.objects.filter(
            organisation_id=unit.organisation_id,
            fiscal_year=year,
            is_gov_pur=True,
            kind=LineKind.EXECUTABLE,
        )
        .order_by("-available", "pk")
        .first()
    )


def load_plans(*, year: int, as_of: dt.date, users: dict[str, User]) -> int:
    """Each story as far as "as of" allows; returns how many plans were entered."""
    made = 0
    for story in STORIES:
        clerk = users.get(f"{story.unit}_clerk")
        approver = users.get(f"{story.unit}_approver")
        if clerk is None or approver is None or dt.date(year, *story.entered) > as_of:
            continue
        line = _procurement_line(clerk, year)
        if line is None:
            continue
        fen = line.total * story.share // 100 // 10_000 * 10_000  # whole hundreds of yuan
        if not 0 < fen <= line.available:
            continue
        intention = (
            ProcurementIntention.objects.filter(
                organisation_id=clerk.organisation_id,
                fiscal_year=year,
                project_name=story.intention,
                published_on__isnull=False,
            ).first()
            if story.intention
            else None
        )
        plan = plan_create(
            actor=clerk,
            data=PlanInput(
                title=story.title,
                pur_item_code=story.item,
                method=story.method,
                amount=Money(fen),
                planned_start=dt.date(year, *story.start),
                lines=[PlanLineInput(line.pk, Money(fen))],
                intention_id=intention.pk if intention else None,
                exemption=story.exemption,
                exemption_reason=str(IntentionExemption(story.exemption).label)
                if story.exemption
                else "",
                is_sme_reserved=story.unit == "school",
            ),
            fiscal_year=year,
        )
        made += 1
        _go_on(story, plan, year, as_of, clerk, approver)
    return made


def _go_on(
    story: Story, plan: ProcurementPlan, year: int, as_of: dt.date, clerk: User, approver: User
) -> None:
    def due(day: tuple[int, int] | None) -> dt.date | None:
        on = dt.date(year, *day) if day else None
        return on if on is not None and on <= as_of else None

    if due(story.submitted) is None:
        return
    instance = document_submit(actor=clerk, document_type=PLAN_TYPE, object_id=str(plan.pk))
    decided = due(story.decided)
    if decided is None:
        return
    if story.rejected:
        instance_reject(actor=approver, instance_id=instance.pk, reason=story.rejected)
        return
    instance_approve(actor=approver, instance_id=instance.pk)
    ProcurementPlan.objects.filter(pk=plan.pk).update(filed_on=decided)
    contracted = due(story.contract)
    if contracted is not None:
        _contract(plan, story, contracted, clerk, approver, due)
    changed = due(story.method_changed)
    if changed is not None:
        method_change(plan, changed, clerk)
    closed = due(story.closed)
    if closed is not None:
        plan_close(
            actor=clerk,
            plan_id=plan.pk,
            state=PlanState.CANCELLED if story.cancelled else PlanState.CLOSED,
            reason=story.cancelled or "采购完成，结余释放",
            on=closed,
        )


def _contract(
    plan: ProcurementPlan,
    story: Story,
    contracted: dt.date,
    clerk: User,
    approver: User,
    due: Callable[[tuple[int, int] | None], dt.date | None],
) -> None:
    """The award (notice 5 days before), the contract signed on it with its schedule (30 %
    advance, 70 % on acceptance), and the acceptance 20 days later by the unit's approver."""
    supplier = Payee.objects.filter(
        organisation_id=clerk.organisation_id, kind=PayeeKind.ORGANISATION, is_enabled=True
    ).last()
    if supplier is None:
        return
    line = plan.lines.get()
    fen = line.amount * 95 // 100 // 100 * 100
    award = award_record(
        actor=clerk,
        plan_id=plan.pk,
        data=AwardInput(
            supplier_id=supplier.pk,
            amount=Money(fen),
            noticed_on=contracted - dt.timedelta(days=5),
            supplier_is_sme=story.unit == "school",
        ),
    )
    advance = fen * 30 // 100 // 100 * 100
    # The hospital publishes its contract late (R-GP-3: the execution report lists it, and
    # until "as of" reaches that day, as not published); the school the day before filing.
    late = contracted + dt.timedelta(days=3)
    published = (
        contracted - dt.timedelta(days=1) if story.unit == "school" else due((late.month, late.day))
    )
    contract = contract_file(
        actor=clerk,
        data=ContractInput(
            number=f"{plan.number}-HT1",
            title=f"{story.title}合同",
            supplier_id=supplier.pk,
            amount=Money(fen),
            indicator_line_ids=[],
            filed_on=contracted,
            lines=[ContractLineInput(line.indicator_line_id, Money(fen))],
            award_id=award.pk,
            signed_on=contracted - dt.timedelta(days=2),
            published_on=published,
            instalments=[
                InstalmentInput("预付款", InstalmentKind.ADVANCE, Money(advance)),
                InstalmentInput("验收合格后付款", InstalmentKind.ACCEPTANCE, Money(fen - advance)),
            ],
        ),
        fiscal_year=plan.fiscal_year,
    )
    # R-GP-10: the advance is paid five days after filing, through the whole payment chain.
    advanced = contracted + dt.timedelta(days=5)
    if due((advanced.month, advanced.day)) is not None:
        advance_node = contract.instalments.get(kind=InstalmentKind.ADVANCE)
        pay_instalments(contract=contract, nodes=[(advance_node, advanced)], prefix=story.unit)
    accepted = contracted + dt.timedelta(days=20)
    if due((accepted.month, accepted.day)) is not None:
        acceptance_record(
            actor=approver,
            contract_id=contract.pk,
            data=AcceptanceInput(
                instalment_id=contract.instalments.get(kind=InstalmentKind.ACCEPTANCE).pk,
                accepted_on=accepted,
                result=AcceptanceResult.PASSED,
                members="使用部门、资产管理部门、纪检人员各一名",
                report="货物数量、规格型号与合同一致，安装调试完毕，运行正常",
            ),
        )
    # The rest ten days after the acceptance; then a supplementary contract (补充合同, R-GP-3b)
    # for 5 % more, approved by the unit, whose own node waits for its acceptance.
    final = accepted + dt.timedelta(days=10)
    if due((final.month, final.day)) is not None:
        node = contract.instalments.get(kind=InstalmentKind.ACCEPTANCE)
        pay_instalments(contract=contract, nodes=[(node, final)], prefix=story.unit)
    supplemented = final + dt.timedelta(days=10)
    if story.unit == "school" and due((supplemented.month, supplemented.day)) is not None:
        change = change_create(
            actor=clerk,
            data=ChangeInput(
                kind=ChangeKind.SUPPLEMENT,
                reason="追加采购同型号电脑 2 台（同一货物，不超过原合同金额 10%）",
                contract_id=contract.pk,
                amount=Money(fen * 5 // 100 // 100 * 100),
                indicator_line_id=line.indicator_line_id,
                signed_on=supplemented - dt.timedelta(days=1),
            ),
        )
        instance = document_submit(actor=clerk, document_type=CHANGE_TYPE, object_id=str(change.pk))
        instance_approve(actor=approver, instance_id=instance.pk)
        ProcurementChange.objects.filter(pk=change.pk).update(approved_on=supplemented)


def method_change(plan: ProcurementPlan, on: dt.date, clerk: User) -> None:
    """A filed plan's change of method (R-GP-8), entered and submitted on ``on``: it waits
    for the unit's approver."""
    change = change_create(
        actor=clerk,
        data=ChangeInput(
            kind=ChangeKind.METHOD,
            reason="询价仅一家供应商报价，改为竞争性磋商",
            plan_id=plan.pk,
            new_method=PurMethod.CONSULTATION,
        ),
    )
    document_submit(actor=clerk, document_type=CHANGE_TYPE, object_id=str(change.pk))
