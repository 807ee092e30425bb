"""The personnel database (人员信息库, DOMAIN-2 §3): change documents through the approval route
(R-PS-3), one ID number held by one unit at a time (R-PS-1), 编制 (R-PS-2), the history as dated
periods (who earned what, in which unit, in which month), the budget snapshot (R-PS-4) and the
masking of ID numbers (R-PS-6). Refusals are asserted by code, rule, field and figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction

import pytest
from tests.personnel_helpers import enter, hire_input, id_number, teacher, through_route

from yusuan.audit.models import AuditRecord
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.tabular import write_table
from yusuan.personnel.models import (
    BudgetSnapshot,
    Person,
    PersonnelChange,
    PersonPeriod,
    SnapshotRow,
)
from yusuan.personnel.selectors import (
    headcounts_on,
    person_history,
    person_state_on,
    snapshot_headcount,
    snapshot_people,
    states_on,
    unit_roster,
)
from yusuan.personnel.services import (
    ChangeInput,
    EstablishmentInput,
    establishment_set,
    people_import,
    snapshot_take,
)
from yusuan.personnel.services.sheet import COLUMNS, id_ranges
from yusuan.personnel.workflow import HANDLER

pytestmark = pytest.mark.django_db


def only(exc: pytest.ExceptionInfo[BusinessRuleError]) -> Any:
    [error] = exc.value.errors
    return error


def test_a_hire_goes_unit_department_finance_and_writes_the_history(
    user: Callable[[str], Any],
) -> None:
    # Given a school's HR clerk entering a new teacher from 1 September,
    change = enter(user, hire_input(1, name="林晓雯"))
    assert change.state == "draft" and change.person is None
    assert not Person.objects.filter(id_number=id_number(1)).exists()
    # When the school, the education bureau and the finance personnel officer approve it,
    change = through_route(user, change)
    # Then the change is applied: the person exists at the school with the first period,
    assert change.state == "applied"
    person = change.person
    assert person is not None and person.organisation_id == user("school_clerk").organisation_id
    assert (person.name, person.sex, person.birth_date) == ("林晓雯", "1", dt.date(1990, 5, 17))
    assert (person.state, person.status, person.establishment) == (
        "active",
        "inst_technical",
        "institution",
    )
    [period] = person_history(person)
    assert period.change_id == change.pk and period.effective_from == dt.date(2026, 9, 1)
    assert period.items == {"post_pay": 210000, "scale_pay": 150000, "performance_basic": 260000}
    # and "who earned what, in which unit, in which month" answers from the period:
    assert person_state_on(person, dt.date(2026, 8, 31)) is None
    assert person_state_on(person, dt.date(2026, 9, 1)) == period
    school = user("school_clerk").organisation
    assert person.pk not in {p.person_id for p in unit_roster(school, 2026, 8)}
    assert person.pk in {p.person_id for p in unit_roster(school, 2026, 9)}
    # with the audit record of the applied change in the approval's transaction (ID masked).
    record = AuditRecord.objects.get(action="personnel.person.change", object_id=str(person.pk))
    assert record.extra["change"] == change.number and record.extra["kind"] == "hire"
    assert record.changes["state"] == [None, "active"]
    created = AuditRecord.objects.get(action="personnel.change.create", object_id=str(change.pk))
    assert created.extra["id_number"] == id_number(1)[:4] + "**********" + id_number(1)[-4:]


def test_pay_change_and_retirement_make_dated_periods_that_months_read(
    user: Callable[[str], Any],
) -> None:
    person = through_route(user, enter(user, hire_input(2))).person
    assert person is not None
    raised = {"post_pay": 2_100_00, "scale_pay": 1_580_00, "performance_basic": 2_600_00}
    through_route(
        user,
        enter(
            user,
            ChangeInput(
                kind="pay",
                effective_date=dt.date(2026, 10, 1),
                basis_doc_no="吴人社〔2026〕9号",
                person_id=person.pk,
                data={"salary_scale": 21, "items": raised},
            ),
        ),
    )
    through_route(
        user,
        enter(
            user,
            ChangeInput(
                kind="retire",
                effective_date=dt.date(2026, 12, 1),
                basis_doc_no="吴人社退〔2026〕3号",
                person_id=person.pk,
                data={"items": {"retirement_pay": 6_100_00}},
            ),
        ),
    )
    school = user("school_clerk").organisation
    by_month = {
        month: next(p for p in unit_roster(school, 2026, month) if p.person_id == person.pk)
        for month in (9, 10, 11, 12)
    }
    assert by_month[9].items["scale_pay"] == 1_500_00 and by_month[9].salary_scale == 20
    assert by_month[10].items["scale_pay"] == 1_580_00 and by_month[11].salary_scale == 21
    assert by_month[12].state == "retired" and by_month[12].items == {"retirement_pay": 610000}
    # The grade is kept on the retiree's period (the history shows where they ended).
    assert by_month[12].salary_scale == 21
    person.refresh_from_db()
    assert person.state == "retired" and len(person_history(person)) == 3


def test_r_ps_1_an_id_number_held_by_one_unit_is_refused_at_another(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    # Given a teacher on the school's books,
    through_route(user, enter(user, hire_input(3)))
    # When the education bureau (a department, another unit) hires the same ID number,
    with pytest.raises(BusinessRuleError) as exc:
        enter(user, hire_input(3, effective_date=dt.date(2026, 10, 1)), clerk="edu_clerk")
    # Then R-PS-1 blocks it, naming the unit that holds the person.
    error = only(exc)
    assert (error.code, error.rule, error.field) == (
        "personnel.id_number_held",
        "R-PS-1",
        "id_number",
    )
    assert error.limit == "吴江区松陵实验小学"
    # And the database holds one row per ID number in a region, whatever a service does.
    person = Person.objects.get(id_number=id_number(3))
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            mof_div_code=person.mof_div_code,
            id_number=person.id_number,
            name="重复",
            sex="1",
            birth_date=person.birth_date,
            organisation=org("苏州市吴江区教育局"),
            state="active",
            status="civil_servant",
            establishment="administrative",
            created_by=user("wj_personnel"),
        )


def test_r_ps_1_two_hires_of_one_id_in_approval_at_once_apply_once(
    user: Callable[[str], Any],
) -> None:
    # Given two drafts for the same new ID number, one at the school, one at the bureau,
    first = enter(user, hire_input(4))
    second = enter(user, hire_input(4), clerk="edu_clerk")
    # When the first is applied,
    through_route(user, first)
    # Then the second's final approval is refused by R-PS-1 and changes nothing.
    from yusuan.workflow import services as workflow

    instance = workflow.document_submit(
        actor=user("edu_clerk"), document_type="personnel.change", object_id=str(second.pk)
    )
    instance = workflow.instance_approve(actor=user("edu_approver"), instance_id=instance.pk)
    with pytest.raises(BusinessRuleError) as exc:
        workflow.instance_approve(actor=user("wj_personnel"), instance_id=instance.pk)
    assert (only(exc).code, only(exc).rule) == ("personnel.id_number_held", "R-PS-1")
    second.refresh_from_db()
    assert second.state == "submitted" and second.period_id is None
    assert PersonPeriod.objects.filter(person__id_number=id_number(4)).count() == 1


def test_a_transfer_out_then_in_moves_the_person_between_units(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    from tests.personnel_helpers import unit_approver

    school = user("school_clerk").organisation
    other = org("吴江区同里实验小学")
    unit_approver(other, "tongli_approver")
    from tests.personnel_helpers import unit_approver as clerk_maker  # noqa: F401

    from yusuan.identity.services import UserData, user_create

    user_create(
        actor=None,
        data=UserData(
            username="tongli_clerk",
            full_name="人事",
            organisation_id=other.pk,
            role_codes=("unit_clerk",),
        ),
        password="Yusuan@2026x",
    )
    person = through_route(user, enter(user, hire_input(5))).person
    assert person is not None
    through_route(
        user,
        enter(
            user,
            ChangeInput(
                kind="transfer_out",
                effective_date=dt.date(2026, 10, 15),
                basis_doc_no="吴教人〔2026〕7号",
                person_id=person.pk,
            ),
        ),
    )
    through_route(
        user,
        enter(
            user,
            hire_input(5, effective_date=dt.date(2026, 11, 1), organisation_id=None),
            clerk="tongli_clerk",
        ),
        clerk="tongli_clerk",
        approvers=("tongli_approver", "edu_approver", "wj_personnel"),
    )
    person.refresh_from_db()
    assert person.organisation_id == other.pk and person.state == "active"
    assert Person.objects.filter(id_number=id_number(5)).count() == 1
    assert [p.organisation_id for p in person_history(person)] == [other.pk, school.pk, school.pk]
    assert person.pk in {p.person_id for p in unit_roster(school, 2026, 9)}
    assert person.pk not in {p.person_id for p in unit_roster(school, 2026, 10)}
    assert person.pk not in {p.person_id for p in unit_roster(other, 2026, 10)}
    assert person.pk in {p.person_id for p in unit_roster(other, 2026, 11)}


def test_r_ps_2_over_the_approved_establishment_needs_the_document_number(
    user: Callable[[str], Any],
) -> None:
    school = user("school_clerk").organisation
    on = dt.date(2026, 9, 1)
    actual = headcounts_on(mof_div_code="320509", on=on, organisation_ids=[school.pk])
    institution = actual[(school.pk, "institution")]
    establishment_set(
        actor=user("wj_personnel"),
        data=EstablishmentInput(
            organisation_id=school.pk,
            fiscal_year=2026,
            administrative=0,
            institution=institution,
            worker=5,
            leader_posts=2,
            document_no="吴编〔2026〕3号",
        ),
    )
    # A hire on 事业编 without the 编办 document is one over the approved headcount:
    with pytest.raises(BusinessRuleError) as exc:
        enter(user, hire_input(6, doc=""))
    error = only(exc)
    assert (error.code, error.rule, error.field) == (
        "personnel.over_establishment",
        "R-PS-2",
        "establishment_doc_no",
    )
    assert (error.value, error.limit) == (institution + 1, institution)
    # The message names the establishment in words, never its stored code:
    assert error.message_zh.startswith(f"事业编制实有 {institution + 1} 人，超过核定编制")
    assert "institution" not in error.message_zh + error.message_en.replace("the institution", "")
    # With the 编办's approval number it proceeds.
    assert enter(user, hire_input(6, doc="吴编〔2026〕17号")).state == "draft"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"basis_doc_no": " "}, "personnel.basis_required", "basis_doc_no"),
        ({"id_number": "320584199005171234"}, "core.invalid_id_number", "id_number"),
        (
            {"data": teacher(items={"position_pay": 1_000_00})},
            "personnel.item_not_for_status",
            "items.position_pay",
        ),
        (
            {"data": teacher(establishment="administrative")},
            "personnel.establishment_mismatch",
            "establishment",
        ),
        ({"data": teacher(salary_scale=66)}, "personnel.salary_scale", "salary_scale"),
        ({"data": teacher(post_level=14)}, "personnel.post_level", "post_level"),
        (
            {"data": teacher(unit_join_date=dt.date(2010, 1, 1))},
            "personnel.join_before_work_start",
            "unit_join_date",
        ),
        ({"data": {**teacher(), "state": "retired"}}, "personnel.field_not_for_kind", "data.state"),
    ],
)
def test_r_ps_3_a_hire_is_checked_whole(
    user: Callable[[str], Any], change: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(BusinessRuleError) as exc:
        enter(user, hire_input(7, **change))
    assert (code, field) in {(e.code, e.field) for e in exc.value.errors}
    assert not PersonnelChange.objects.filter(id_number=id_number(7)).exists()


def test_r_ps_3_the_expected_post_category_is_named_in_words(user: Callable[[str], Any]) -> None:
    with pytest.raises(BusinessRuleError) as exc:
        enter(user, hire_input(9, data=teacher(post_category="management")))
    [error] = [e for e in exc.value.errors if e.field == "post_category"]
    assert (error.value, error.limit) == ("management", "technical")
    assert error.message_zh == "岗位类别应为“专业技术岗位”"
    assert error.message_en == "the post category must be a professional and technical post"


def test_r_ps_3_changes_follow_the_persons_state_and_dates(user: Callable[[str], Any]) -> None:
    person = through_route(user, enter(user, hire_input(8))).person
    assert person is not None
    # Backdated before the last change:
    with pytest.raises(BusinessRuleError) as exc:
        enter(
            user,
            ChangeInput(
                kind="pay",
                effective_date=dt.date(2026, 8, 1),
                basis_doc_no="x",
                person_id=person.pk,
                data={"salary_scale": 21},
            ),
        )
    error = only(exc)
    assert (error.code, error.field, error.value, error.limit) == (
        "personnel.effective_before_last",
        "effective_date",
        "2026-08-01",
        "2026-09-01",
    )
    # A retirement without the pension standard (30302):
    with pytest.raises(BusinessRuleError) as exc:
        enter(
            user,
            ChangeInput(
                kind="retire",
                effective_date=dt.date(2026, 12, 1),
                basis_doc_no="x",
                person_id=person.pk,
                data={"items": {}},
            ),
        )
    assert (only(exc).code, only(exc).field) == (
        "personnel.retirement_pay_required",
        "items.retirement_pay",
    )
    # A dead person cannot be promoted.
    through_route(
        user,
        enter(
            user,
            ChangeInput(
                kind="death",
                effective_date=dt.date(2026, 11, 3),
                basis_doc_no="死亡证明 123",
                person_id=person.pk,
            ),
        ),
    )
    with pytest.raises(BusinessRuleError) as exc:
        enter(
            user,
            ChangeInput(
                kind="grade",
                effective_date=dt.date(2026, 12, 1),
                basis_doc_no="x",
                person_id=person.pk,
                data={"post_level": 9},
            ),
        )
    assert (only(exc).code, only(exc).value) == ("personnel.change_not_allowed", "deceased")


def test_changes_are_scoped_and_only_drafts_are_submitted(user: Callable[[str], Any]) -> None:
    change = enter(user, hire_input(9))
    # Another unit's clerk does not see it (404, as a missing one).
    with pytest.raises(NotFoundError):
        HANDLER.load(actor=user("hospital_clerk"), object_id=str(change.pk))
    with pytest.raises(NotFoundError):
        HANDLER.load(actor=user("school_clerk"), object_id="abc")
    through_route(user, change)
    from yusuan.workflow import services as workflow

    with pytest.raises(BusinessRuleError) as exc:
        workflow.document_submit(
            actor=user("school_clerk"), document_type="personnel.change", object_id=str(change.pk)
        )
    assert only(exc).code == "workflow.document_closed"
    # The kit's own refusal names the state (a stale page submitting an applied change).
    applied = PersonnelChange.objects.get(pk=change.pk)
    with pytest.raises(BusinessRuleError) as exc:
        HANDLER.ensure_draft(applied)
    error = only(exc)
    assert (error.code, error.field, error.value, exc.value.status) == (
        "personnel.not_draft",
        "state",
        str(applied.get_state_display()),
        409,
    )
    # The school's reviewer (no entry permission) cannot enter one at all.
    with pytest.raises(PermissionDeniedError):
        enter(user, hire_input(10), clerk="school_reviewer")


def test_history_periods_are_append_only(user: Callable[[str], Any]) -> None:
    period = PersonPeriod.objects.first()
    assert period is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        PersonPeriod.objects.filter(pk=period.pk).update(office="改")
    with pytest.raises(DatabaseError), transaction.atomic():
        PersonPeriod.objects.filter(pk=period.pk).delete()


def test_r_ps_4_snapshot_once_per_year_retaken_with_a_reason(user: Callable[[str], Any]) -> None:
    officer = user("wj_personnel")
    person = through_route(user, enter(user, hire_input(11))).person
    assert person is not None
    # The demo took 2027's already: taking it again needs a reason.
    with pytest.raises(BusinessRuleError) as exc:
        snapshot_take(
            actor=officer, mof_div_code="320509", fiscal_year=2027, as_of=dt.date(2026, 9, 30)
        )
    assert (only(exc).code, only(exc).rule, exc.value.status) == (
        "personnel.snapshot_retake_reason",
        "R-PS-4",
        409,
    )
    snapshot = snapshot_take(
        actor=officer,
        mof_div_code="320509",
        fiscal_year=2027,
        as_of=dt.date(2026, 9, 30),
        reason="9 月新进教师未入快照",
    )
    assert snapshot.version == 2
    held = Person.objects.filter(mof_div_code="320509", state__in=("active", "retired", "lixiu"))
    assert snapshot.people == held.count()
    # Each held person's period in force on the day, copied with the identity, in unit and
    # person order.
    copied = SnapshotRow.objects.filter(snapshot=snapshot).order_by("pk")
    fields = ("organisation_id", "person_id", "period_id", "id_number", "name", "state", "items")
    in_force = states_on(dt.date(2026, 9, 30), PersonPeriod.objects.filter(mof_div_code="320509"))
    assert list(copied.values_list(*fields)) == sorted(
        (p.organisation_id, p.person_id, p.pk, p.person.id_number, p.person.name, p.state, p.items)
        for p in in_force.filter(state__in=("active", "retired", "lixiu")).select_related("person")
    )
    assert {r.mof_div_code for r in copied} == {"320509"}
    school = user("school_clerk").organisation
    mine = [p for p in snapshot_people(actor=officer, snapshot=snapshot, organisation_id=school.pk)]
    row = next(p for p in mine if p.row.person_id == person.pk)
    assert row.monthly_by_class == {"30101": 360000, "30107": 260000}
    counts = {
        (h.status, h.establishment, h.state): h.people
        for h in snapshot_headcount(actor=user("school_clerk"), snapshot=snapshot)
        if h.organisation_id == school.pk
    }
    assert sum(counts.values()) == len(mine)
    # The school's clerk sees only the school's rows; nobody but finance takes a snapshot.
    assert {
        h.organisation_id for h in snapshot_headcount(actor=user("school_clerk"), snapshot=snapshot)
    } == {school.pk}
    with pytest.raises(PermissionDeniedError):
        snapshot_take(
            actor=user("school_clerk"),
            mof_div_code="320509",
            fiscal_year=2028,
            as_of=dt.date(2026, 9, 30),
        )
    assert AuditRecord.objects.filter(
        action="personnel.snapshot.take", object_id=str(snapshot.pk)
    ).exists()
    with pytest.raises(DatabaseError), transaction.atomic():
        BudgetSnapshot.objects.filter(pk=snapshot.pk).update(reason="")


def _people_rows(unit_code: str, serials: range) -> list[list[object]]:
    rows = []
    for serial in serials:
        values = {
            "org_code": unit_code,
            "id_number": id_number(serial, born=dt.date(1985, 3, 9)),
            "name": f"导入教师{serial}",
            "status": "事业专技岗",
            "establishment": "事业编",
            "state": "在职",
            "work_start_date": "2008-08-01",
            "unit_join_date": "2012-08-01",
            "post_category": "专业技术岗位",
            "post_level": "10",
            "salary_scale": "20",
            "item:post_pay": "2100.00",
            "item:scale_pay": "1500.00",
            "pension_base": "8000.00",
        }
        rows.append([values.get(c.key, "") for c in COLUMNS])
    return rows


def test_the_sheet_import_loads_all_or_nothing_with_one_record_naming_everyone(
    user: Callable[[str], Any],
) -> None:
    officer = user("wj_personnel")
    school = user("school_clerk").organisation
    rows = _people_rows(school.code, range(300, 304))
    rows[2][[c.key for c in COLUMNS].index("item:post_pay")] = "2100.005"
    rows[3][[c.key for c in COLUMNS].index("id_number")] = rows[0][2]
    bad = write_table(COLUMNS, rows, file_format="xlsx")
    with pytest.raises(BusinessRuleError) as exc:
        people_import(
            actor=officer, data=bad, filename="人员.xlsx", effective_from=dt.date(2026, 1, 1)
        )
    # Every bad row, by the row the clerk sees in Excel (the header is row 1); nobody imported.
    assert [(e.row, e.rule, e.code) for e in exc.value.errors] == [
        (4, "R-PS-3", "money.too_many_decimals"),
        (5, "R-PS-1", "personnel.id_number_repeated"),
    ]
    assert not Person.objects.filter(name__startswith="导入教师").exists()

    good = write_table(COLUMNS, _people_rows(school.code, range(300, 304)), file_format="xlsx")
    result = people_import(
        actor=officer, data=good, filename="人员.xlsx", effective_from=dt.date(2026, 1, 1)
    )
    assert (result.people, result.units) == (4, 1)
    loaded = Person.objects.filter(name__startswith="导入教师").order_by("pk")
    assert [p.organisation_id for p in loaded] == [school.pk] * 4
    first = PersonPeriod.objects.get(person=loaded[0])
    assert (first.effective_from, first.items) == (
        dt.date(2026, 1, 1),
        {"post_pay": 2_100_00, "scale_pay": 1_500_00},
    )
    record = AuditRecord.objects.filter(action="personnel.person.import").latest("pk")
    assert (record.extra["people"], record.extra["file"]) == (4, "人员.xlsx")
    named = {
        pk for first_id, last_id in record.extra["id_ranges"] for pk in range(first_id, last_id + 1)
    }
    assert named == {p.pk for p in loaded}


def test_id_ranges_are_runs_of_consecutive_ids() -> None:
    assert id_ranges([]) == []
    assert id_ranges([7, 3, 4, 5, 9, 10]) == [[3, 5], [7, 7], [9, 10]]
