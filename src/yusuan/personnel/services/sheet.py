"""The people sheet (人员信息表): the initial load of a unit's or the region's people by the
finance 人员库管理岗, and the (masked) export in the same columns.

The import reads the whole sheet through ``common.tabular`` (bounded size, rows, time), checks
every row with the same rules as a change document (``rules.check_state``) plus R-PS-1 (an ID
number already in the region, or twice in the sheet), and reports every bad row — row, column,
value, rule — importing nothing until the sheet is clean. A clean sheet is written in bulk: the
people, their first periods and one audit record for the load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.masking import id_number_for, mask_id_number
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.tabular import Column, read_table, write_table
from yusuan.core.models import Organisation
from yusuan.core.selectors import acting_organisation
from yusuan.personnel import rules
from yusuan.personnel.models import Person, PersonPeriod
from yusuan.personnel.services.changes import period_values

BATCH = 1000

STATUS_LABELS = {
    "公务员": rules.CIVIL_SERVANT,
    "参公": rules.MANAGED,
    "事业管理岗": rules.INST_MANAGEMENT,
    "事业专技岗": rules.INST_TECHNICAL,
    "工勤": rules.WORKER,
    "编外聘用": rules.CONTRACT,
}
ESTABLISHMENT_LABELS = {
    "行政编": "administrative",
    "事业编": "institution",
    "工勤编": "worker",
    "编外": "none",
}
STATE_LABELS = {"在职": rules.ACTIVE, "离休": rules.LIXIU, "退休": rules.RETIRED}
POST_CATEGORY_LABELS = {
    "管理岗位": "management",
    "专业技术岗位": "technical",
    "工勤技能岗位": "skilled",
}

FIXED = (
    Column("org_code", "单位编码", "unit code"),
    Column("org_name", "单位名称", "unit name"),
    Column("id_number", "身份证号", "ID number"),
    Column("name", "姓名", "name"),
    Column("status", "身份", "status"),
    Column("establishment", "编制类型", "establishment type"),
    Column("state", "人员状态", "state"),
    Column("office", "内设科室", "office"),
    Column("work_start_date", "参加工作日期", "started work"),
    Column("unit_join_date", "进入本单位日期", "joined the unit"),
    Column("position", "职务", "post"),
    Column("rank", "职级", "rank"),
    Column("civil_level", "级别", "grade"),
    Column("civil_step", "档次", "grade step"),
    Column("post_category", "岗位类别", "post category"),
    Column("post_level", "岗位等级", "post level"),
    Column("salary_scale", "薪级", "salary scale"),
)
ITEM_COLUMNS = tuple(
    Column(f"item:{item.key}", f"{item.economic_code} {item.zh}", f"{item.economic_code} {item.en}")
    for item in rules.PAY_ITEMS
)
BASE_COLUMNS = (
    Column("pension_base", "养老（年金）缴费基数", "pension base"),
    Column("medical_base", "医疗缴费基数", "medical base"),
    Column("housing_base", "公积金缴费基数", "housing fund base"),
)
COLUMNS = FIXED + ITEM_COLUMNS + BASE_COLUMNS
REQUIRED = ("id_number", "name", "status", "establishment", "state")
HEADER = {c.key: c.zh for c in COLUMNS}
# Which column a rule's field path stands in.
FIELD_COLUMN = {
    **{c.key: c.zh for c in COLUMNS},
    **{f"items.{i.key}": f"{i.economic_code} {i.zh}" for i in rules.PAY_ITEMS},
}


@dataclass(frozen=True)
class ImportResult:
    people: int
    units: int


def _cell_error(
    row: int,
    key: str,
    value: Any,
    zh: str,
    en: str,
    *,
    code: str,
    rule: str = "R-PS-3",
    limit: Any = None,
) -> ErrorDetail:
    header = FIELD_COLUMN.get(key, key)
    return ErrorDetail(
        code=code,
        rule=rule,
        field=header,
        row=row,
        value=value,
        limit=limit,
        message_zh=f"第 {row} 行“{header}”列：{zh}",
        message_en=f"row {row}, column '{header}': {en}",
    )


def _on_row(row: int, error: ErrorDetail) -> ErrorDetail:
    header = FIELD_COLUMN.get(error.field or "", error.field or "")
    return ErrorDetail(
        code=error.code,
        rule=error.rule,
        field=header,
        row=row,
        value=error.value,
        limit=error.limit,
        message_zh=f"第 {row} 行“{header}”列：{error.message_zh}",
        message_en=f"row {row}, column '{header}': {error.message_en}",
    )


def _date(text: str) -> dt.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    if not text:
        return None
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return dt.date.fromisoformat(text[:10])


class _Row:
    """One sheet row read into typed values, with the problems found while reading."""

    def __init__(self, number: int, values: Mapping[str, str]) -> None:
        self.number = number
        self.values = values
        self.errors: list[ErrorDetail] = []

    def error(
        self, key: str, zh: str, en: str, *, code: str, limit: Any = None, rule: str = "R-PS-3"
    ) -> None:
        self.errors.append(
            _cell_error(
                self.number,
                key,
                self.values.get(key, ""),
                zh,
                en,
                code=code,
                limit=limit,
                rule=rule,
            )
        )

    def choice(self, key: str, labels: Mapping[str, str], values: Iterable[str]) -> str:
        text = self.values.get(key, "").strip()
        if text in labels:
            return labels[text]
        if text in set(values):
            return text
        self.error(
            key,
            f"“{text}”不是有效值（可选：{'、'.join(labels)}）",
            f"'{text}' is not one of {', '.join(labels)}",
            code="personnel.choice_invalid",
            limit=list(labels),
        )
        return ""

    def day(self, key: str) -> dt.date | None:
        try:
            return _date(self.values.get(key, ""))
        except ValueError:
            self.error(
                key,
                "日期无效（如 2010-07-01）",
                "not a date (e.g. 2010-07-01)",
                code="personnel.date_invalid",
            )
            return None

    def whole(self, key: str) -> int | None:
        text = self.values.get(key, "").strip()
        if not text:
            return None
        if text.isdigit() and len(text) < 4:
            return int(text)
        self.error(key, "须为整数", "a whole number", code="personnel.number_invalid")
        return None

    def fen(self, key: str) -> int:
        text = self.values.get(key, "").strip()
        if not text:
            return 0
        try:
            return Money.parse(text).fen
        except MoneyParseError as exc:
            self.error(key, exc.message_zh, exc.message_en, code=exc.code, limit=exc.limit)
            return 0


def _read(
    rows: list[tuple[int, dict[str, str]]],
    *,
    units: Mapping[str, Organisation],
    fixed_unit: Organisation | None,
    existing: set[str],
    effective: dt.date,
) -> tuple[list[tuple[rules.State, str, str, dt.date, str]], list[ErrorDetail]]:
    errors: list[ErrorDetail] = []
    good: list[tuple[rules.State, str, str, dt.date, str]] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        row = _Row(number, values)
        id_number = values.get("id_number", "").strip().upper()
        name = values.get("name", "").strip()
        identity = [_on_row(number, e) for e in rules.check_identity(id_number, name)]
        row.errors.extend(identity)
        if not identity:
            if id_number in seen:
                row.error(
                    "id_number",
                    f"身份证号与第 {seen[id_number]} 行重复",
                    f"the ID number repeats row {seen[id_number]}",
                    code="personnel.id_number_repeated",
                    rule="R-PS-1",
                    limit=seen[id_number],
                )
            elif id_number in existing:
                row.error(
                    "id_number",
                    "身份证号已在人员库中；已有人员的变动须办理变动单",
                    "the ID number is already in the database; changes go by change documents",
                    code="personnel.id_number_held",
                    rule="R-PS-1",
                )
            seen.setdefault(id_number, number)
        code = values.get("org_code", "").strip()
        unit = fixed_unit if fixed_unit is not None and not code else units.get(code)
        if unit is None or (fixed_unit is not None and unit.pk != fixed_unit.pk):
            row.error(
                "org_code",
                "单位编码不存在或不在导入范围内",
                "no such unit in the import's scope",
                code="personnel.unit_unknown",
            )
        status = row.choice("status", STATUS_LABELS, rules.STATUSES)
        establishment = row.choice("establishment", ESTABLISHMENT_LABELS, rules.ESTABLISHMENTS)
        state = row.choice("state", STATE_LABELS, rules.HELD)
        post_category = values.get("post_category", "").strip()
        post_category = POST_CATEGORY_LABELS.get(post_category, post_category)
        if post_category and post_category not in rules.POST_LEVELS:
            row.error(
                "post_category",
                "岗位类别无效",
                "unknown post category",
                code="personnel.choice_invalid",
                limit=list(POST_CATEGORY_LABELS),
            )
            post_category = ""
        items = {item.key: row.fen(f"item:{item.key}") for item in rules.PAY_ITEMS}
        person_state = rules.State(
            organisation_id=unit.pk if unit else 0,
            state=state,
            status=status,
            establishment=establishment,
            office=values.get("office", "").strip()[:60],
            work_start_date=row.day("work_start_date"),
            unit_join_date=row.day("unit_join_date"),
            position=values.get("position", "").strip()[:40],
            rank=values.get("rank", "").strip()[:40],
            civil_level=row.whole("civil_level"),
            civil_step=row.whole("civil_step"),
            post_category=post_category,
            post_level=row.whole("post_level"),
            salary_scale=row.whole("salary_scale"),
            items={k: v for k, v in items.items() if v},
            pension_base=row.fen("pension_base"),
            medical_base=row.fen("medical_base"),
            housing_base=row.fen("housing_base"),
        )
        if not row.errors and status and establishment and state:
            birth, sex = rules.identity_facts(id_number)
            row.errors.extend(
                _on_row(number, e)
                for e in rules.check_state(person_state, birth_date=birth, effective=effective)
            )
            if not row.errors:
                good.append((person_state, id_number, name, birth, sex))
        errors.extend(row.errors)
    return good, errors


@dataclass(frozen=True)
class NewPerson:
    """A person to load: the first state (checked) and the identity."""

    state: rules.State
    id_number: str
    name: str


def people_load(
    *,
    actor: Actor,
    mof_div_code: str,
    effective_from: dt.date,
    people: Sequence[NewPerson],
    source: Mapping[str, Any],
) -> ImportResult:
    """Write checked new people in bulk (the sheet import's clean rows, the demo's staff): each
    person with the first period, and one audit record for the load. Must run in the caller's
    transaction; the caller has checked the rules (``rules.check_state``, R-PS-1)."""
    ensure_permission(actor, "personnel.import_person")
    assert transaction.get_connection().in_atomic_block
    facts = [rules.identity_facts(p.id_number) for p in people]
    created = Person.objects.bulk_create(
        (
            Person(
                mof_div_code=mof_div_code,
                id_number=p.id_number,
                name=p.name,
                sex=sex,
                birth_date=born,
                organisation_id=p.state.organisation_id,
                state=p.state.state,
                status=p.state.status,
                establishment=p.state.establishment,
                created_by_id=actor.pk,
            )
            for p, (born, sex) in zip(people, facts, strict=True)
        ),
        batch_size=BATCH,
    )
    PersonPeriod.objects.bulk_create(
        (
            PersonPeriod(
                mof_div_code=mof_div_code,
                person_id=person.pk,
                effective_from=effective_from,
                **period_values(p.state),
            )
            for person, p in zip(created, people, strict=True)
        ),
        batch_size=BATCH,
    )
    unit_ids = {p.state.organisation_id for p in people}
    audit_record(
        action="personnel.person.import",
        actor=actor,
        object_type="personnel.person",
        object_repr=str(source.get("file", ""))[:255],
        mof_div_code=mof_div_code,
        extra={
            **source,
            "people": len(people),
            "units": len(unit_ids),
            "effective_from": effective_from.isoformat(),
            "first_id": created[0].pk if created else None,
            "last_id": created[-1].pk if created else None,
            # Exactly who was created, as runs of ids: another load committing at the same time
            # on PostgreSQL may take ids between first and last.
            "id_ranges": id_ranges(person.pk for person in created),
        },
    )
    return ImportResult(people=len(people), units=len(unit_ids))


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """``[[first, last], …]``: the ids as runs of consecutive numbers, in order."""
    runs: list[list[int]] = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return runs


@transaction.atomic
def people_import(
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    effective_from: dt.date,
    organisation_id: int | None = None,
) -> ImportResult:
    """Load people from a sheet: all rows or none (every bad row listed)."""
    ensure_permission(actor, "personnel.import_person")
    fixed_unit = None
    if organisation_id is not None:
        fixed_unit = acting_organisation(actor=actor, organisation_id=organisation_id)
    table = read_table(data, filename, COLUMNS, REQUIRED)
    own = acting_organisation(actor=actor, organisation_id=None)
    mof_div_code = fixed_unit.mof_div_code if fixed_unit else own.mof_div_code
    units = {
        o.code: o
        for o in Organisation.objects.visible_to(actor).agencies().filter(mof_div_code=mof_div_code)
    }
    existing = set(
        Person.objects.filter(mof_div_code=mof_div_code).values_list("id_number", flat=True)
    )
    good, errors = _read(
        table.rows, units=units, fixed_unit=fixed_unit, existing=existing, effective=effective_from
    )
    if errors:
        raise BusinessRuleError(errors)
    if not good:
        raise BusinessRuleError.single(
            code="core.import_empty",
            field="file",
            message_zh="表中没有人员",
            message_en="the sheet lists nobody",
        )
    return people_load(
        actor=actor,
        mof_div_code=mof_div_code,
        effective_from=effective_from,
        people=[NewPerson(state, id_number, name) for state, id_number, name, _b, _s in good],
        source={"file": filename[:200], "sha256": hashlib.sha256(data).hexdigest()},
    )


STATUS_NAMES = {v: k for k, v in STATUS_LABELS.items()}
ESTABLISHMENT_NAMES = {v: k for k, v in ESTABLISHMENT_LABELS.items()}
STATE_NAMES = {
    "active": "在职",
    "lixiu": "离休",
    "retired": "退休",
    "transferred_out": "调出",
    "resigned": "辞职",
    "deceased": "死亡",
}
POST_CATEGORY_NAMES = {v: k for k, v in POST_CATEGORY_LABELS.items()}


def sheet_rows(
    periods: Iterable[PersonPeriod], *, actor: Actor | None, mask: bool = True
) -> Iterable[list[object]]:
    """Rows of the people sheet, one per period (with ``person`` and ``organisation`` loaded);
    the ID number masked unless ``mask`` is off and the actor may see it (R-PS-6)."""
    for p in periods:
        id_number = p.person.id_number
        yield [
            p.organisation.code,
            p.organisation.name,
            mask_id_number(id_number) if mask else id_number_for(actor, id_number),
            p.person.name,
            STATUS_NAMES.get(p.status, p.status),
            ESTABLISHMENT_NAMES.get(p.establishment, p.establishment),
            STATE_NAMES.get(p.state, p.state),
            p.office,
            p.work_start_date.isoformat() if p.work_start_date else "",
            p.unit_join_date.isoformat() if p.unit_join_date else "",
            p.position,
            p.rank,
            p.civil_level,
            p.civil_step,
            POST_CATEGORY_NAMES.get(p.post_category, p.post_category),
            p.post_level,
            p.salary_scale,
            *[
                Money(int(p.items.get(item.key, 0))).format(grouping=False)
                if p.items.get(item.key)
                else ""
                for item in rules.PAY_ITEMS
            ],
            *[
                Money(getattr(p, name)).format(grouping=False)
                for name in ("pension_base", "medical_base", "housing_base")
            ],
        ]


def people_sheet(
    periods: Iterable[PersonPeriod],
    *,
    actor: Actor | None,
    file_format: str = "xlsx",
    mask: bool = True,
) -> bytes:
    """The people sheet as a file (export: masked; the template: no rows)."""
    return write_table(
        COLUMNS,
        sheet_rows(periods, actor=actor, mask=mask),
        file_format=file_format,
        sheet_title="人员信息",
    )
