"""The demo's 集中采购目录 and procurement intentions (采购意向, R-GP-1, R-GP-7): the school's and the hospital's
year, in every state, each published at least 30 days before its purchase month — the school's
multimedia equipment before the contract payments.py files on 8 April. No business date lies
after the demo's "as of" day."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from yusuan.common.money import Money
from yusuan.identity.models import User
from yusuan.procurement.choices import OrgForm
from yusuan.procurement.services import (
    IntentionInput,
    catalogue_item_set,
    intention_create,
    intention_publish,
    intention_update,
    intention_withdraw,
)


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
    return made
