"""Pure checks of the personnel database (family R-PS, DOMAIN-2 §3): no Django.

A person's state (``State``) is checked whole, however it was reached — an initial import row, a
hire, a grade or pay change — so that every row of the history is a state the rules accept.
Codes are the ``choices`` values, repeated here as plain strings (rules modules import no Django).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from yusuan.common.errors import ErrorDetail
from yusuan.common.masking import mask_id_number
from yusuan.core.rules import check_id_number

# The names a message gives a stored value (a clerk reads 事业编, not "institution").
ESTABLISHMENT_NAMES: Mapping[str, tuple[str, str]] = {
    "administrative": ("行政编制", "the administrative establishment"),
    "institution": ("事业编制", "the institution establishment"),
    "worker": ("工勤编制", "the worker establishment"),
    "none": ("编外", "outside the establishment"),
}
POST_CATEGORY_NAMES: Mapping[str, tuple[str, str]] = {
    "": ("非事业单位岗位", "not an institution post"),
    "management": ("管理岗位", "a management post"),
    "technical": ("专业技术岗位", "a professional and technical post"),
    "skilled": ("工勤技能岗位", "a skilled worker post"),
}

# 身份 (PersonStatus) values.
CIVIL_SERVANT = "civil_servant"
MANAGED = "managed"
INST_MANAGEMENT = "inst_management"
INST_TECHNICAL = "inst_technical"
WORKER = "worker"
CONTRACT = "contract"
CIVIL = frozenset({CIVIL_SERVANT, MANAGED})
INSTITUTION = frozenset({INST_MANAGEMENT, INST_TECHNICAL})
STATUSES = (CIVIL_SERVANT, MANAGED, INST_MANAGEMENT, INST_TECHNICAL, WORKER, CONTRACT)
# 编制类型 (EstablishmentType) values, and which 身份 may sit on which.
ESTABLISHMENTS = ("administrative", "institution", "worker", "none")
ESTABLISHMENT_OF_STATUS: Mapping[str, frozenset[str]] = {
    CIVIL_SERVANT: frozenset({"administrative"}),
    MANAGED: frozenset({"administrative", "institution"}),  # 参公: 行政编 or 参公事业编
    INST_MANAGEMENT: frozenset({"institution"}),
    INST_TECHNICAL: frozenset({"institution"}),
    WORKER: frozenset({"worker", "institution"}),  # 机关工勤编, or 事业单位工勤技能岗
    CONTRACT: frozenset({"none"}),
}
# 人员状态 (PersonState) values.
ACTIVE = "active"
LIXIU = "lixiu"
RETIRED = "retired"
TRANSFERRED_OUT = "transferred_out"
RESIGNED = "resigned"
DECEASED = "deceased"
STATES = (ACTIVE, LIXIU, RETIRED, TRANSFERRED_OUT, RESIGNED, DECEASED)
HELD = frozenset({ACTIVE, LIXIU, RETIRED})  # on a unit's books (R-PS-1)
PAID_AS_RETIRED = frozenset({LIXIU, RETIRED})
# 岗位类别 (PostCategory) and the levels each allows (人社部 岗位设置: 管理 1–10 级, 专技 1–13 级,
# 工勤技能 1–5 级); 薪级 1–65; 公务员 级别 1–27, 档次 1–14.
POST_LEVELS: Mapping[str, int] = {"management": 10, "technical": 13, "skilled": 5}
POST_CATEGORY_OF_STATUS: Mapping[str, str] = {
    INST_MANAGEMENT: "management",
    INST_TECHNICAL: "technical",
}
MAX_SALARY_SCALE = 65
MAX_CIVIL_LEVEL = 27
MAX_CIVIL_STEP = 14
MAX_MONTHLY_ITEM_FEN = 10_000_000  # 100,000 元 a month: a typing error, not a salary


@dataclass(frozen=True)
class PayItem:
    """One monthly pay item of the person record and the economic class (款) it is paid from."""

    key: str
    zh: str
    en: str
    economic_code: str
    statuses: frozenset[str]  # the 身份 that may have it
    retired: bool = False  # paid to retired people only (30301/30302)


ALL_ACTIVE = frozenset(STATUSES)
PAY_ITEMS: tuple[PayItem, ...] = (
    PayItem("position_pay", "职务职级工资", "Post and rank pay", "30101", CIVIL),
    PayItem("grade_pay", "级别工资", "Grade pay", "30101", CIVIL),
    PayItem("post_pay", "岗位工资", "Post pay", "30101", INSTITUTION | {WORKER}),
    PayItem("scale_pay", "薪级工资", "Salary-scale pay", "30101", INSTITUTION | {WORKER}),
    PayItem("allowance_standard", "规范津贴补贴", "Standard allowances", "30102", ALL_ACTIVE),
    PayItem("allowance_work", "工作性津贴", "Work allowances", "30102", ALL_ACTIVE),
    PayItem("allowance_living", "生活性补贴", "Living allowances", "30102", ALL_ACTIVE),
    PayItem(
        "allowance_reform",
        "改革性补贴（提租、购房补贴）",
        "Reform allowances (rent, housing)",
        "30102",
        ALL_ACTIVE,
    ),
    PayItem("bonus", "奖金（月标准）", "Bonus (monthly standard)", "30103", CIVIL | {WORKER}),
    PayItem(
        "performance_basic",
        "基础性绩效工资",
        "Basic performance pay",
        "30107",
        INSTITUTION | {WORKER},
    ),
    PayItem(
        "performance_reward",
        "奖励性绩效工资",
        "Reward performance pay",
        "30107",
        INSTITUTION | {WORKER},
    ),
    PayItem("contract_pay", "编外人员工资", "Contract staff pay", "30199", frozenset({CONTRACT})),
    PayItem("lixiu_pay", "离休费", "Retired cadre pension", "30301", ALL_ACTIVE, retired=True),
    PayItem("retirement_pay", "退休费", "Retirement pension", "30302", ALL_ACTIVE, retired=True),
)
PAY_ITEM_BY_KEY: Mapping[str, PayItem] = {item.key: item for item in PAY_ITEMS}
BASES = ("pension_base", "medical_base", "housing_base")


@dataclass(frozen=True)
class State:
    """The whole state of one person on one day: one row of the history (``PersonPeriod``)."""

    organisation_id: int
    state: str
    status: str
    establishment: str
    office: str = ""
    work_start_date: dt.date | None = None
    unit_join_date: dt.date | None = None
    position: str = ""  # 职务
    rank: str = ""  # 职级
    civil_level: int | None = None  # 级别
    civil_step: int | None = None  # 档次
    post_category: str = ""  # 岗位类别
    post_level: int | None = None  # 岗位等级
    salary_scale: int | None = None  # 薪级
    items: Mapping[str, int] = field(default_factory=dict)  # monthly, fen
    pension_base: int = 0  # 养老/职业年金缴费基数, fen a month
    medical_base: int = 0
    housing_base: int = 0

    def monthly_by_class(self) -> dict[str, int]:
        """The monthly pay by economic class (款): what 人员类 amounts are computed from."""
        totals: dict[str, int] = {}
        for key, fen in self.items.items():
            code = PAY_ITEM_BY_KEY[key].economic_code
            totals[code] = totals.get(code, 0) + fen
        return totals


STATE_FIELDS = tuple(name for name in State.__dataclass_fields__ if name != "organisation_id")
# What each change kind may set (R-PS-3); the rest is carried over from the person's last state.
HIRE_FIELDS = frozenset(STATE_FIELDS) - {"state"}
GRADE_FIELDS = frozenset(
    {
        "status",
        "establishment",
        "office",
        "position",
        "rank",
        "civil_level",
        "civil_step",
        "post_category",
        "post_level",
        "salary_scale",
        "items",
        *BASES,
    }
)
PAY_FIELDS = frozenset({"civil_level", "civil_step", "post_level", "salary_scale", "items", *BASES})
RETIRE_FIELDS = frozenset({"items"})
FIELDS_OF_KIND: Mapping[str, frozenset[str]] = {
    "hire": HIRE_FIELDS,
    "grade": GRADE_FIELDS,
    "pay": PAY_FIELDS,
    "retire": RETIRE_FIELDS,
    "transfer_out": frozenset(),
    "resign": frozenset(),
    "death": frozenset(),
}
STATE_AFTER: Mapping[str, str] = {
    "hire": ACTIVE,
    "retire": RETIRED,
    "transfer_out": TRANSFERRED_OUT,
    "resign": RESIGNED,
    "death": DECEASED,
}
# The state a person must be in for each change (hire: not held anywhere, R-PS-1).
ALLOWED_FROM: Mapping[str, frozenset[str]] = {
    "grade": frozenset({ACTIVE}),
    "pay": frozenset({ACTIVE, LIXIU, RETIRED}),
    "retire": frozenset({ACTIVE}),
    "transfer_out": frozenset({ACTIVE}),
    "resign": frozenset({ACTIVE}),
    "death": frozenset({ACTIVE, LIXIU, RETIRED}),
}


def _err(code: str, field_: str, zh: str, en: str, rule: str = "R-PS-3", **kw: Any) -> ErrorDetail:
    return ErrorDetail(
        code=f"personnel.{code}", field=field_, message_zh=zh, message_en=en, rule=rule, **kw
    )


def next_state(
    kind: str, before: State | None, data: Mapping[str, Any], organisation_id: int
) -> State:
    """The state a change of ``kind`` leads to: the person's last state with the fields the kind
    may set taken from ``data``; people who leave or die keep their last grade and unit (the
    history shows where they were) and are paid nothing."""
    allowed = FIELDS_OF_KIND[kind]
    values = {name: data[name] for name in allowed if name in data}
    if kind == "hire" or before is None:
        base = State(organisation_id=organisation_id, state=ACTIVE, status="", establishment="")
    else:
        base = before
    if kind == "hire":
        values["organisation_id"] = organisation_id
    if kind == "retire":
        values.update(pension_base=0, medical_base=0, housing_base=0)
    if kind in ("transfer_out", "resign", "death"):
        values.update(items={}, pension_base=0, medical_base=0, housing_base=0)
    if kind in STATE_AFTER:
        values["state"] = STATE_AFTER[kind]
    if "items" in values:
        values["items"] = {k: int(v) for k, v in dict(values["items"]).items() if int(v) != 0}
    return replace(base, **values)


def check_transition(
    kind: str, before: State | None, *, held_by: str | None = None, row: int | None = None
) -> list[ErrorDetail]:
    """Whether a change of ``kind`` may happen to a person in ``before`` (None: never recorded).
    ``held_by`` names the unit that holds the person when one does."""
    if kind == "hire":
        if before is not None and before.state == DECEASED:
            return [
                _err(
                    "person_deceased",
                    "id_number",
                    "此人已登记死亡，不能录用或调入",
                    "this person is recorded as deceased",
                    value=before.state,
                    row=row,
                )
            ]
        if before is not None and before.state in HELD:
            return [
                _err(
                    "id_number_held",
                    "id_number",
                    f"身份证号已由“{held_by}”在册（{before.state}），同一身份证号同一时间只能在一个单位；"
                    "请原单位先办理调出",
                    f"the ID number is held by {held_by} ({before.state}); one ID is held by one "
                    "unit at a time — the old unit files a transfer out first",
                    rule="R-PS-1",
                    limit=held_by,
                    row=row,
                )
            ]
        return []
    if before is None:
        return [
            _err(
                "person_unknown",
                "person_id",
                "人员库中没有此人，请先办理录用/调入",
                "no such person in the database; file a hire first",
            )
        ]
    allowed = ALLOWED_FROM[kind]
    if before.state not in allowed:
        return [
            _err(
                "change_not_allowed",
                "kind",
                f"人员当前状态为“{before.state}”，不能办理此变动（允许：{'、'.join(sorted(allowed))}）",
                f"the person is {before.state}; this change needs {', '.join(sorted(allowed))}",
                value=before.state,
                limit=sorted(allowed),
            )
        ]
    return []


def check_state(
    state: State, *, birth_date: dt.date | None, effective: dt.date, row: int | None = None
) -> list[ErrorDetail]:
    """Every problem of one person's state at once (P7): 身份 and 编制 agree, the grade fields
    the 身份 needs are there and in range, the pay items fit the 身份 and the state, amounts are
    whole fen within bounds, dates are in order."""
    errors: list[ErrorDetail] = []

    def add(code: str, field_: str, zh: str, en: str, **kw: Any) -> None:
        errors.append(_err(code, field_, zh, en, row=row, **kw))

    if state.status not in STATUSES:
        add(
            "status_unknown",
            "status",
            "身份无效",
            "unknown status",
            value=state.status,
            limit=list(STATUSES),
        )
    if state.establishment not in ESTABLISHMENTS:
        add(
            "establishment_unknown",
            "establishment",
            "编制类型无效",
            "unknown establishment type",
            value=state.establishment,
            limit=list(ESTABLISHMENTS),
        )
    elif (
        state.status in ESTABLISHMENT_OF_STATUS
        and state.establishment not in ESTABLISHMENT_OF_STATUS[state.status]
    ):
        allowed = sorted(ESTABLISHMENT_OF_STATUS[state.status])
        add(
            "establishment_mismatch",
            "establishment",
            f"身份与编制类型不符：该身份只能占用 {'、'.join(allowed)}",
            f"the status does not fit the establishment type; allowed: {', '.join(allowed)}",
            value=state.establishment,
            limit=allowed,
        )
    if state.state not in STATES:
        add("state_unknown", "state", "人员状态无效", "unknown state", value=state.state)
    if state.state == ACTIVE:
        errors.extend(_grade_errors(state, row))
    for key, fen in state.items.items():
        item = PAY_ITEM_BY_KEY.get(key)
        where = f"items.{key}"
        if item is None:
            add(
                "item_unknown",
                where,
                f"未知的工资项目“{key}”",
                f"unknown pay item '{key}'",
                value=key,
                limit=[i.key for i in PAY_ITEMS],
            )
            continue
        if not isinstance(fen, int) or fen < 0 or fen > MAX_MONTHLY_ITEM_FEN:
            add(
                "item_amount",
                where,
                f"{item.zh}月标准须为 0 至 {MAX_MONTHLY_ITEM_FEN // 100:,} 元",
                f"{item.en} must be between 0 and {MAX_MONTHLY_ITEM_FEN // 100:,} yuan a month",
                value=fen,
                limit=MAX_MONTHLY_ITEM_FEN,
            )
        retired_state = state.state in PAID_AS_RETIRED
        if item.retired != retired_state or (
            not item.retired and state.status not in item.statuses
        ):
            add(
                "item_not_for_status",
                where,
                f"“{item.zh}”（{item.economic_code}）不适用于此身份或状态",
                f"'{item.en}' ({item.economic_code}) does not apply to this status or state",
                value=key,
                limit=f"{state.status}/{state.state}",
            )
    if state.state == RETIRED and state.items.get("retirement_pay", 0) <= 0:
        add(
            "retirement_pay_required",
            "items.retirement_pay",
            "退休人员须有退休费月标准（30302）",
            "a retired person needs a monthly retirement pension (30302)",
        )
    if state.state == LIXIU and state.items.get("lixiu_pay", 0) <= 0:
        add(
            "lixiu_pay_required",
            "items.lixiu_pay",
            "离休人员须有离休费月标准（30301）",
            "a retired cadre needs a monthly pension (30301)",
        )
    for name in BASES:
        value = getattr(state, name)
        if not isinstance(value, int) or value < 0 or value > MAX_MONTHLY_ITEM_FEN:
            add(
                "base_amount",
                name,
                "缴费基数须为 0 至 100,000 元",
                "the contribution base must be 0 to 100,000 yuan",
                value=value,
            )
    if state.work_start_date and birth_date:
        age = (state.work_start_date - birth_date).days // 365
        if age < 16:
            add(
                "work_start_too_early",
                "work_start_date",
                f"参加工作时未满 16 周岁（出生 {birth_date}）",
                f"under 16 when starting work (born {birth_date})",
                value=state.work_start_date.isoformat(),
                limit=birth_date.isoformat(),
            )
    if (
        state.work_start_date
        and state.unit_join_date
        and state.unit_join_date < state.work_start_date
    ):
        add(
            "join_before_work_start",
            "unit_join_date",
            "进入本单位日期早于参加工作日期",
            "joined the unit before starting work",
            value=state.unit_join_date.isoformat(),
            limit=state.work_start_date.isoformat(),
        )
    if state.unit_join_date and state.unit_join_date > effective:
        add(
            "join_after_effective",
            "unit_join_date",
            f"进入本单位日期晚于生效日期 {effective}",
            f"joined the unit after the effective date {effective}",
            value=state.unit_join_date.isoformat(),
            limit=effective.isoformat(),
        )
    return errors


def _in_range(value: int | None, top: int) -> bool:
    return isinstance(value, int) and 1 <= value <= top


def _grade_errors(state: State, row: int | None) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []

    def add(code: str, field_: str, zh: str, en: str, **kw: Any) -> None:
        errors.append(_err(code, field_, zh, en, row=row, **kw))

    if state.status in CIVIL:
        if not _in_range(state.civil_level, MAX_CIVIL_LEVEL):
            add(
                "civil_level",
                "civil_level",
                "公务员级别须为 1–27",
                "the civil-service grade must be 1–27",
                value=state.civil_level,
                limit=MAX_CIVIL_LEVEL,
            )
        if not _in_range(state.civil_step, MAX_CIVIL_STEP):
            add(
                "civil_step",
                "civil_step",
                "级别档次须为 1–14",
                "the grade step must be 1–14",
                value=state.civil_step,
                limit=MAX_CIVIL_STEP,
            )
        if state.post_category or state.salary_scale is not None:
            add(
                "grade_not_for_status",
                "post_category",
                "公务员（参公）不设事业单位岗位类别和薪级",
                "civil servants have no institution post category or salary scale",
                value=state.post_category or state.salary_scale,
            )
    elif state.status in INSTITUTION or state.status == WORKER:
        expected = POST_CATEGORY_OF_STATUS.get(
            state.status, "skilled" if state.establishment == "institution" else ""
        )
        if state.status == WORKER and state.establishment == "worker":
            expected = (
                state.post_category or ""
            )  # 机关工勤: 技术等级 in post_level, category optional
        if expected and state.post_category != expected:
            add(
                "post_category",
                "post_category",
                f"岗位类别应为“{POST_CATEGORY_NAMES.get(expected, (expected,))[0]}”",
                f"the post category must be {POST_CATEGORY_NAMES.get(expected, ('', expected))[1]}",
                value=state.post_category,
                limit=expected,
            )
        top = POST_LEVELS.get(state.post_category or "skilled", 5)
        if not _in_range(state.post_level, top):
            add(
                "post_level",
                "post_level",
                f"岗位等级须为 1–{top}",
                f"the post level must be 1–{top}",
                value=state.post_level,
                limit=top,
            )
        if not _in_range(state.salary_scale, MAX_SALARY_SCALE):
            add(
                "salary_scale",
                "salary_scale",
                "薪级须为 1–65",
                "the salary scale must be 1–65",
                value=state.salary_scale,
                limit=MAX_SALARY_SCALE,
            )
        if state.civil_level is not None or state.civil_step is not None:
            add(
                "grade_not_for_status",
                "civil_level",
                "事业单位人员不设公务员级别档次",
                "institution staff have no civil-service grade",
                value=state.civil_level,
            )
    return errors


def check_establishment(
    *,
    approved: int | None,
    actual_after: int,
    establishment: str,
    document_no: str,
    field_: str = "establishment_doc_no",
) -> list[ErrorDetail]:
    """R-PS-2: actual staff on an 编制 type ≤ approved headcount. An excess is allowed only with
    the 编办 document that approves it (the change's ``establishment_doc_no``)."""
    if (
        establishment == "none"
        or approved is None
        or actual_after <= approved
        or document_no.strip()
    ):
        return []
    zh, en = ESTABLISHMENT_NAMES.get(establishment, (establishment, establishment))
    return [
        _err(
            "over_establishment",
            field_,
            f"{zh}实有 {actual_after} 人，超过核定编制 {approved} 人；超编须填写编办批准文号",
            f"{actual_after} people on {en} exceed the approved {approved}; give the "
            "establishment office's document number",
            rule="R-PS-2",
            value=actual_after,
            limit=approved,
        )
    ]


def check_identity(id_number: str, name: str, *, row: int | None = None) -> list[ErrorDetail]:
    errors = list(check_id_number(id_number, field="id_number", row=row))
    if not name.strip():
        errors.append(
            _err("name_required", "name", "姓名不能为空", "the name is required", row=row)
        )
    elif len(name) > 50:
        errors.append(
            _err(
                "name_too_long",
                "name",
                "姓名不超过 50 个字符",
                "the name is at most 50 characters",
                row=row,
                value=name[:60],
            )
        )
    return errors


def identity_facts(id_number: str) -> tuple[dt.date, str]:
    """Birth date and sex (``"1"`` male, ``"2"`` female, GB/T 2261.1) from a valid 身份证号:
    digits 7–14 are the birth date, digit 17 is odd for men (GB 11643). The caller has checked
    the number (``check_identity``); this only reads it."""
    number = id_number.upper()
    born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return born, "1" if int(number[16]) % 2 else "2"


def masked(id_number: str) -> str:
    return mask_id_number(id_number)
