"""Shared steps of the personnel tests: valid ID numbers, a teacher's state, a change through the
whole approval route (unit → department → finance 人员库管理岗)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from stdnum.cn import ric

from yusuan.identity.models import User
from yusuan.identity.services import UserData, user_create
from yusuan.personnel.models import PersonnelChange
from yusuan.personnel.services import ChangeInput, change_create
from yusuan.workflow import services as workflow

DOCUMENT_TYPE = "personnel.change"


def id_number(serial: int, born: dt.date = dt.date(1990, 5, 17), male: bool = True) -> str:
    """A valid 身份证号 (GB 11643) for a test person; ``serial`` tells people apart."""
    sequence = (serial % 500) * 2 + (1 if male else 0)
    body = f"320584{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def teacher(**overrides: Any) -> dict[str, Any]:
    """What a hire of a 事业专技岗 teacher sets (``rules.HIRE_FIELDS``)."""
    data: dict[str, Any] = {
        "status": "inst_technical",
        "establishment": "institution",
        "office": "教务处",
        "work_start_date": dt.date(2015, 8, 1),
        "unit_join_date": dt.date(2020, 8, 1),
        "post_category": "technical",
        "post_level": 10,
        "salary_scale": 20,
        "items": {"post_pay": 2_100_00, "scale_pay": 1_500_00, "performance_basic": 2_600_00},
        "pension_base": 8_000_00,
        "medical_base": 8_000_00,
        "housing_base": 8_000_00,
    }
    data.update(overrides)
    return data


def hire_input(
    serial: int, *, name: str = "测试教师", doc: str = "编〔2026〕1号", **kw: Any
) -> ChangeInput:
    values: dict[str, Any] = {
        "kind": "hire",
        "effective_date": dt.date(2026, 9, 1),
        "basis_doc_no": "吴人社〔2026〕1号",
        "id_number": id_number(serial),
        "name": name,
        "establishment_doc_no": doc,
        "data": teacher(),
    }
    values.update(kw)
    return ChangeInput(**values)


def unit_approver(unit: Any, username: str) -> User:
    """An approver for a unit the demo gives none (the engine needs one at each step)."""
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_create(
        actor=None,
        data=UserData(
            username=username,
            full_name="审核人",
            organisation_id=unit.pk,
            role_codes=("unit_approver",),
        ),
        password="Yusuan@2026x",
    )


def through_route(
    user: Callable[[str], Any],
    change: PersonnelChange,
    *,
    clerk: str = "school_clerk",
    approvers: tuple[str, ...] = ("school_approver", "edu_approver", "wj_personnel"),
) -> PersonnelChange:
    instance = workflow.document_submit(
        actor=user(clerk), document_type=DOCUMENT_TYPE, object_id=str(change.pk)
    )
    for name in approvers:
        instance = workflow.instance_approve(actor=user(name), instance_id=instance.pk)
    return PersonnelChange.objects.get(pk=change.pk)


def enter(
    user: Callable[[str], Any], data: ChangeInput, clerk: str = "school_clerk"
) -> PersonnelChange:
    return change_create(actor=user(clerk), data=data)
