"""Change documents (人员变动单, R-PS-3): the only way the personnel database changes.

A unit's HR clerk enters one (录用/调入, 调出, 职务职级变动, 薪级晋升/工资变动, 退休, 辞职, 死亡)
with its effective date and the supporting document's number; it goes unit → department →
finance 人员库管理岗 through the approval engine (``personnel.change``). The final approval calls
``change_apply`` in its transaction: the rules are checked again on the state of that moment
(R-PS-1, R-PS-2, the transition), the person's new period is written with an audit record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import IntegrityError, transaction

from yusuan.audit.services import audit_record, jsonable
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.masking import mask_id_number
from yusuan.core.models import Organisation
from yusuan.core.selectors import acting_organisation
from yusuan.core.services.sequences import next_number
from yusuan.personnel import locks, rules
from yusuan.personnel.choices import ChangeKind, ChangeState
from yusuan.personnel.models import Establishment, Person, PersonnelChange, PersonPeriod
from yusuan.personnel.selectors import as_state, headcounts_on, latest_period

SERIES = "RY"
RULE = "R-PS-3"


@dataclass(frozen=True)
class ChangeInput:
    kind: str
    effective_date: dt.date
    basis_doc_no: str
    person_id: int | None = None  # every kind but a hire
    id_number: str = ""  # a hire
    name: str = ""  # a hire
    establishment_doc_no: str = ""  # R-PS-2: the 编办 approval of an excess
    note: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)  # rules.FIELDS_OF_KIND[kind]
    organisation_id: int | None = None  # default: the actor's unit


def _err(code: str, field_: str, zh: str, en: str, **kw: Any) -> ErrorDetail:
    kw.setdefault("rule", RULE)
    return ErrorDetail(code=f"personnel.{code}", field=field_, message_zh=zh, message_en=en, **kw)


def _clean_data(kind: str, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[ErrorDetail]]:
    """The fields the kind may set, typed (dates, whole numbers, fen); every problem named."""
    errors: list[ErrorDetail] = []
    allowed = rules.FIELDS_OF_KIND[kind]
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name not in allowed:
            errors.append(
                _err(
                    "field_not_for_kind",
                    f"data.{name}",
                    f"此类变动不能修改“{name}”",
                    f"a {kind} change does not set '{name}'",
                    value=name,
                    limit=sorted(allowed),
                )
            )
            continue
        if name in ("work_start_date", "unit_join_date"):
            if value in (None, ""):
                clean[name] = None
                continue
            try:
                clean[name] = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                errors.append(
                    _err(
                        "date_invalid",
                        f"data.{name}",
                        "日期无效",
                        "not a date",
                        value=str(value)[:40],
                    )
                )
        elif name in ("civil_level", "civil_step", "post_level", "salary_scale"):
            if value in (None, ""):
                clean[name] = None
            elif isinstance(value, int) and not isinstance(value, bool):
                clean[name] = value
            elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 4:
                clean[name] = int(value.strip())
            else:
                errors.append(
                    _err(
                        "number_invalid",
                        f"data.{name}",
                        "须为整数",
                        "a whole number",
                        value=str(value)[:40],
                    )
                )
        elif name in rules.BASES:
            if isinstance(value, int) and not isinstance(value, bool):
                clean[name] = value
            else:
                errors.append(
                    _err(
                        "amount_invalid",
                        f"data.{name}",
                        "金额须为整数（分）",
                        "amounts are whole fen",
                        value=str(value)[:40],
                    )
                )
        elif name == "items":
            items: dict[str, int] = {}
            if not isinstance(value, Mapping):
                errors.append(
                    _err(
                        "items_invalid",
                        "data.items",
                        "工资项目须为 项目→金额（分）",
                        "items map keys to fen",
                    )
                )
                continue
            for key, fen in value.items():
                if not isinstance(fen, int) or isinstance(fen, bool):
                    errors.append(
                        _err(
                            "amount_invalid",
                            f"data.items.{key}",
                            "金额须为整数（分）",
                            "amounts are whole fen",
                            value=str(fen)[:40],
                        )
                    )
                else:
                    items[str(key)] = fen
            clean[name] = items
        else:
            clean[name] = "" if value is None else str(value).strip()
    return clean, errors


def _holder_name(person: Person) -> str:
    return (
        Organisation.objects.filter(pk=person.organisation_id)
        .values_list("name", flat=True)
        .first()
        or ""
    )


@dataclass
class _Checked:
    person: Person | None
    before: rules.State | None
    after: rules.State
    birth_date: dt.date | None


def _check(
    *,
    organisation: Organisation,
    kind: str,
    person: Person | None,
    id_number: str,
    name: str,
    effective: dt.date,
    data: Mapping[str, Any],
    basis_doc_no: str,
    establishment_doc_no: str,
) -> _Checked:
    """Every rule of a change against the database as it is now; raises with all errors."""
    errors: list[ErrorDetail] = []
    if kind not in ChangeKind.values:
        raise BusinessRuleError.single(
            code="personnel.kind_unknown",
            field="kind",
            value=kind,
            limit=list(ChangeKind.values),
            message_zh="变动类型无效",
            message_en="unknown change kind",
            rule=RULE,
        )
    if not basis_doc_no.strip():
        errors.append(
            _err(
                "basis_required",
                "basis_doc_no",
                "请填写依据文件文号（人社、组织部门文件）",
                "give the supporting document's number",
            )
        )
    clean, data_errors = _clean_data(kind, data)
    errors.extend(data_errors)
    birth_date = None
    if kind == ChangeKind.HIRE:
        identity_errors = rules.check_identity(id_number, name)
        errors.extend(identity_errors)
        if not identity_errors:
            birth_date, _sex = rules.identity_facts(id_number)
            person = Person.objects.filter(
                mof_div_code=organisation.mof_div_code, id_number=id_number.upper()
            ).first()
    elif person is not None:
        birth_date = person.birth_date
    last = latest_period(person) if person is not None else None
    before = as_state(last) if last is not None else None
    errors.extend(
        rules.check_transition(kind, before, held_by=_holder_name(person) if person else None)
    )
    if kind != ChangeKind.HIRE and person is not None and person.organisation_id != organisation.pk:
        errors.append(
            _err(
                "person_not_of_unit",
                "person_id",
                f"此人不在{organisation.name}在册",
                f"the person is not on {organisation.name}'s books",
                value=person.pk,
            )
        )
    if last is not None and effective < last.effective_from:
        errors.append(
            _err(
                "effective_before_last",
                "effective_date",
                f"生效日期早于此人上一次变动的生效日期 {last.effective_from}；变动须按时间顺序办理",
                f"the effective date is before the person's last change ({last.effective_from})",
                value=effective.isoformat(),
                limit=last.effective_from.isoformat(),
            )
        )
    raise_if_any(errors)
    after = rules.next_state(kind, before, clean, organisation.pk)
    errors.extend(rules.check_state(after, birth_date=birth_date, effective=effective))
    errors.extend(
        _establishment_errors(organisation, before, after, effective, establishment_doc_no)
    )
    raise_if_any(errors)
    return _Checked(person, before, after, birth_date)


def _establishment_errors(
    organisation: Organisation,
    before: rules.State | None,
    after: rules.State,
    effective: dt.date,
    document_no: str,
) -> list[ErrorDetail]:
    """R-PS-2 for a change that puts one more person on an 编制 type of the unit."""
    if after.state != rules.ACTIVE or after.establishment == "none":
        return []
    already = (
        before is not None
        and before.state == rules.ACTIVE
        and before.organisation_id == after.organisation_id
        and before.establishment == after.establishment
    )
    if already:
        return []
    record = Establishment.objects.filter(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=effective.year,
        organisation=organisation,
    ).first()
    approved = record.approved(after.establishment) if record else 0
    actual = headcounts_on(
        mof_div_code=organisation.mof_div_code, on=effective, organisation_ids=[organisation.pk]
    ).get((organisation.pk, after.establishment), 0)
    return rules.check_establishment(
        approved=approved,
        actual_after=actual + 1,
        establishment=after.establishment,
        document_no=document_no,
    )


def _person(actor: Actor, person_id: int | None) -> Person:
    """The person a change is about, among those the actor sees (another unit's: not found)."""
    found = Person.objects.visible_to(actor).filter(pk=person_id).first() if person_id else None
    if found is None:
        raise NotFoundError("person")
    return found


def _document_values(
    *, organisation: Organisation, kind: str, person: Person | None, data: ChangeInput
) -> dict[str, Any]:
    """A change document's fields from the input, after every rule of entry (``_check``)."""
    id_number = data.id_number.strip().upper() if kind == ChangeKind.HIRE else ""
    name = data.name.strip() if kind == ChangeKind.HIRE else ""
    checked = _check(
        organisation=organisation,
        kind=kind,
        person=person,
        id_number=id_number,
        name=name,
        effective=data.effective_date,
        data=data.data,
        basis_doc_no=data.basis_doc_no,
        establishment_doc_no=data.establishment_doc_no,
    )
    clean, _ = _clean_data(kind, data.data)
    return {
        "person": checked.person,
        "id_number": id_number,
        "name": name or (checked.person.name if checked.person else ""),
        "effective_date": data.effective_date,
        "basis_doc_no": data.basis_doc_no.strip(),
        "establishment_doc_no": data.establishment_doc_no.strip(),
        "note": data.note.strip(),
        "data": jsonable(clean),
    }


@transaction.atomic
def change_create(*, actor: Actor, data: ChangeInput) -> PersonnelChange:
    """Enter a change document (a draft); every rule is checked now and again at approval."""
    ensure_permission(actor, "personnel.add_personnelchange")
    organisation = acting_organisation(actor=actor, organisation_id=data.organisation_id)
    if not organisation.is_agency:
        raise BusinessRuleError.single(
            code="personnel.change_by_agency",
            rule=RULE,
            field="organisation_id",
            value=organisation.name,
            message_zh="人员变动由预算单位（主管部门）人事经办录入",
            message_en="personnel changes are entered by a unit's or department's HR clerk",
            status=403,
        )
    person = None if data.kind == ChangeKind.HIRE else _person(actor, data.person_id)
    values = _document_values(organisation=organisation, kind=data.kind, person=person, data=data)
    year = data.effective_date.year
    number = next_number(
        mof_div_code=organisation.mof_div_code, fiscal_year=year, series=f"personnel-{SERIES}"
    )
    change = PersonnelChange.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=year,
        number=f"{SERIES}{year}{number:06d}",
        organisation=organisation,
        kind=data.kind,
        created_by_id=actor.pk,
        **values,
    )
    person, id_number = values["person"], values["id_number"]
    audit_record(
        action="personnel.change.create",
        actor=actor,
        obj=change,
        changes={"state": [None, ChangeState.DRAFT]},
        extra={
            "kind": data.kind,
            "person": person.pk if person else None,
            "id_number": mask_id_number(id_number) if id_number else "",
            "effective_date": data.effective_date.isoformat(),
        },
    )
    return change


@transaction.atomic
def change_update(*, actor: Actor, change_id: int, data: ChangeInput) -> PersonnelChange:
    """Correct a draft (or a change returned to its clerk): every field but its kind and unit,
    checked as at entry; the audit record lists what moved."""
    ensure_permission(actor, "personnel.change_personnelchange")
    change = locks.change_qs_select_for_update().visible_to(actor).filter(pk=change_id).first()
    if change is None:
        raise NotFoundError("personnel change")
    if change.state != ChangeState.DRAFT:
        raise BusinessRuleError.single(
            code="personnel.change_not_draft",
            rule=RULE,
            field="state",
            value=change.get_state_display(),
            message_zh=f"人员变动单处于“{change.get_state_display()}”状态，只有草稿可以修改",
            message_en=f"only a draft can be edited; this change is {change.state}",
            status=409,
        )
    errors: list[ErrorDetail] = []
    if data.effective_date.year != change.fiscal_year:
        errors.append(
            _err(
                "change_year_fixed",
                "effective_date",
                f"生效日期须在 {change.fiscal_year} 年内（变动单按年度编号）；跨年请新建变动单",
                f"the effective date must stay in {change.fiscal_year} (changes are numbered "
                "by year): enter a new change for another year",
                value=data.effective_date.isoformat(),
                limit=change.fiscal_year,
            )
        )
    if data.organisation_id is not None and data.organisation_id != change.organisation_id:
        errors.append(
            _err(
                "change_unit_fixed",
                "organisation_id",
                "变动单的单位不能修改，请由该单位新建",
                "the unit of a change cannot be edited: that unit enters a new change",
                value=data.organisation_id,
                limit=change.organisation_id,
            )
        )
    if data.kind != change.kind:
        errors.append(
            _err(
                "change_kind_fixed",
                "kind",
                "变动类型不能修改，请作废后新建",
                "the kind of a change cannot be edited: enter a new change",
                value=data.kind,
                limit=change.kind,
            )
        )
    raise_if_any(errors)
    person = change.person
    if change.kind != ChangeKind.HIRE and data.person_id != change.person_id:
        person = _person(actor, data.person_id)
    if change.kind == ChangeKind.HIRE and data.id_number.strip() in (
        "",
        mask_id_number(change.id_number),
    ):
        # The number as the page showed it (masked for most roles, R-PS-6): unchanged.
        data = replace(data, id_number=change.id_number)
    values = _document_values(
        organisation=change.organisation, kind=change.kind, person=person, data=data
    )
    new_person = values.pop("person")
    moved = {
        key: [jsonable(getattr(change, key)), jsonable(value)]
        for key, value in values.items()
        if getattr(change, key) != value
    }
    if change.person != new_person:
        moved["person"] = [change.person_id, new_person.pk if new_person else None]
    values["person"] = new_person
    if not moved:
        return change  # nothing to correct: no new version, no record
    if "id_number" in moved:
        moved["id_number"] = [mask_id_number(change.id_number), mask_id_number(values["id_number"])]
    for key, value in values.items():
        setattr(change, key, value)
    change.save()
    audit_record(action="personnel.change.update", actor=actor, obj=change, changes=moved)
    return change


def _stored_data(change: PersonnelChange) -> dict[str, Any]:
    data = dict(change.data)
    for name in ("work_start_date", "unit_join_date"):
        if data.get(name):
            data[name] = dt.date.fromisoformat(data[name])
    return data


def change_apply(*, actor: Actor, change: PersonnelChange) -> PersonPeriod:
    """Apply an approved change (the final approval's hook, in its transaction): the rules again on
    the state of this moment, then the person's new period, the person's latest state and the
    audit record. Locks: the change (the engine), then the person."""
    assert transaction.get_connection().in_atomic_block
    organisation = Organisation.objects.get(pk=change.organisation_id)
    person = None
    if change.person_id is not None:
        person = locks.person_qs_select_for_update().get(pk=change.person_id)
    elif change.kind == ChangeKind.HIRE:
        person = (
            locks.person_qs_select_for_update()
            .filter(mof_div_code=change.mof_div_code, id_number=change.id_number)
            .first()
        )
    checked = _check(
        organisation=organisation,
        kind=change.kind,
        person=person,
        id_number=change.id_number,
        name=change.name,
        effective=change.effective_date,
        data=_stored_data(change),
        basis_doc_no=change.basis_doc_no,
        establishment_doc_no=change.establishment_doc_no,
    )
    after = checked.after
    if person is None:
        birth_date, sex = rules.identity_facts(change.id_number)
        try:
            with transaction.atomic():
                person = Person.objects.create(
                    mof_div_code=change.mof_div_code,
                    id_number=change.id_number,
                    name=change.name,
                    sex=sex,
                    birth_date=birth_date,
                    organisation_id=after.organisation_id,
                    state=after.state,
                    status=after.status,
                    establishment=after.establishment,
                    created_by_id=change.created_by_id,
                )
        except IntegrityError as exc:  # another hire of the same ID committed first
            raise BusinessRuleError.single(
                code="personnel.id_number_held",
                rule="R-PS-1",
                field="id_number",
                value=mask_id_number(change.id_number),
                message_zh="身份证号已在人员库中（同时办理的另一录用已生效），同一身份证号同一时间只能在一个单位",
                message_en="the ID number was recorded meanwhile; one ID is held by one unit at a time",
                status=409,
            ) from exc
        before_person: dict[str, Any] = {}
    else:
        before_person = {
            "organisation": person.organisation_id,
            "state": person.state,
            "status": person.status,
            "establishment": person.establishment,
        }
        if change.kind == ChangeKind.HIRE:
            person.name = change.name
        person.organisation_id = after.organisation_id
        person.state = after.state
        person.status = after.status
        person.establishment = after.establishment
        person.save(
            update_fields=["name", "organisation", "state", "status", "establishment", "updated_at"]
        )
    period = PersonPeriod.objects.create(
        mof_div_code=change.mof_div_code,
        person=person,
        effective_from=change.effective_date,
        change=change,
        **period_values(after),
    )
    change.person = person
    change.period = period
    change.save(update_fields=["person", "period", "updated_at"])
    audit_record(
        action="personnel.person.change",
        actor=actor,
        obj=person,
        changes={
            key: [before_person.get(key), value]
            for key, value in {
                "organisation": person.organisation_id,
                "state": person.state,
                "status": person.status,
                "establishment": person.establishment,
            }.items()
            if before_person.get(key) != value
        },
        extra={
            "change": change.number,
            "kind": change.kind,
            "effective_date": change.effective_date.isoformat(),
            "period": period.pk,
            "items": dict(after.items),
        },
    )
    return period


def period_values(state: rules.State) -> dict[str, Any]:
    """A rules ``State`` as the columns of a ``PersonPeriod``."""
    return {
        "organisation_id": state.organisation_id,
        "state": state.state,
        "status": state.status,
        "establishment": state.establishment,
        "office": state.office,
        "work_start_date": state.work_start_date,
        "unit_join_date": state.unit_join_date,
        "position": state.position,
        "rank": state.rank,
        "civil_level": state.civil_level,
        "civil_step": state.civil_step,
        "post_category": state.post_category,
        "post_level": state.post_level,
        "salary_scale": state.salary_scale,
        "items": dict(state.items),
        "pension_base": state.pension_base,
        "medical_base": state.medical_base,
        "housing_base": state.housing_base,
    }
