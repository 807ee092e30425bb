"""R-PS-5 (DOMAIN-2 §3.2, C8; ADR 0045): a salary sheet is checked against the personnel database
when it is imported.

- Every row is a person the unit holds 在职 in the salary month: unknown, another unit's, not yet
  hired, transferred out, resigned, deceased or retired (for pay) → blocked, naming the row, the
  person (ID masked) and what the database says.
- An item differing from the person's monthly standard by more than the region's tolerance without
  a 差异说明 → a warning that holds the voucher for the unit's written explanation; with one, the
  reason is kept with the row.
- The same person twice in a month across the region's batches → blocked, naming the batch.
- 试运行: what would block warns; a region with no personnel data is not checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

import pytest
from tests.payment_helpers import _approved, salary_sheet, town_payee
from tests.personnel_helpers import enter, hire_input, id_number, through_route, unit_approver

from yusuan.common.errors import BusinessRuleError
from yusuan.common.masking import mask_id_number
from yusuan.core.models import BankAccount, Organisation, Standard
from yusuan.core.services.standards import standard_change
from yusuan.identity.services import UserData, user_create
from yusuan.monitoring.services import request_explain
from yusuan.payments import hooks
from yusuan.payments.choices import RequestState
from yusuan.payments.summary import request_summary
from yusuan.payroll.choices import PayrollState, PersonnelCheck
from yusuan.payroll.models import PayrollBatch
from yusuan.payroll.services.batches import payroll_import, payroll_request_create
from yusuan.payroll.services.personnel import check_sheet, same_name
from yusuan.payroll.services.sheet import read_sheet, salary_codes
from yusuan.personnel.models import Person
from yusuan.personnel.selectors import unit_roster
from yusuan.personnel.services import ChangeInput

pytestmark = pytest.mark.django_db
User = Callable[[str], Any]
YEAR = 2026
HEADER = ["序号", "姓名", "身份证号", "银行账号", "开户银行", "30101 基本工资", "30107 绩效工资",
          "个人所得税", "住房公积金", "实发工资", "差异说明"]  # fmt: skip
# personnel_helpers.teacher(): 岗位工资 2,100 + 薪级工资 1,500 (30101), 基础性绩效 2,600 (30107).
BASIC, PERFORMANCE = 3_600, 2_600


def _row(number: str, *, basic: float = BASIC, performance: float = PERFORMANCE, reason: str = "",
         name: str = "测试教师", seq: int = 1) -> list[object]:  # fmt: skip
    gross = basic + performance
    return [seq, name, number, f"621700009{seq:07d}", "建设银行吴江支行", basic, performance,
            0, 0, gross, reason]  # fmt: skip


def _import(user: User, rows: list[list[object]], month: int = 11, **kw: Any) -> PayrollBatch:
    return payroll_import(
        actor=kw.pop("actor", None) or user("school_clerk"),
        data=salary_sheet(rows, kw.pop("header", HEADER)),
        filename=kw.pop("filename", f"{month}月工资表.xlsx"),
        month=month,
        fiscal_year=YEAR,
    )


def _refused(user: User, rows: list[list[object]], month: int = 11, **kw: Any) -> list[Any]:
    before = PayrollBatch.objects.count()
    with pytest.raises(BusinessRuleError) as caught:
        _import(user, rows, month, **kw)
    assert PayrollBatch.objects.count() == before  # nothing kept
    return caught.value.errors


def _hired(user: User, serial: int, on: dt.date = dt.date(YEAR, 9, 1)) -> Person:
    """A teacher hired at the school through the whole route (R-PS-3)."""
    person = through_route(user, enter(user, hire_input(serial, effective_date=on))).person
    assert person is not None
    return person


def _change(user: User, person: Person, kind: str, on: dt.date, **data: Any) -> None:
    change = ChangeInput(
        kind=kind,
        effective_date=on,
        basis_doc_no="吴人社〔2026〕9号",
        person_id=person.pk,
        data=data,
    )
    through_route(user, enter(user, change))


def _standard(user: User, key: str, value: int, on: dt.date) -> None:
    standard = Standard.objects.get(mof_div_code="320509", fiscal_year=YEAR, key=key)
    standard_change(
        actor=user("wj_budget"), standard=standard, value=value, reason="测试", effective_from=on
    )


def _request(user: User, batch: PayrollBatch) -> Any:
    school = user("school_clerk").organisation
    account = BankAccount.objects.get(organisation=school, account_type="unit_zero_balance")
    return payroll_request_create(
        actor=user("school_clerk"),
        batch_id=batch.pk,
        pay_date=dt.date(YEAR, 11, 23),
        payer_account_id=account.pk,
        deduction_payees={},
    )


# --- who: an 在职 person of the unit in the salary month ------------------------------------------


def test_an_unknown_person_blocks_naming_the_row_and_the_masked_id(user: User) -> None:
    teacher = _hired(user, 1)
    stranger = id_number(2)
    errors = _refused(user, [_row(teacher.id_number), _row(stranger, name="张某", seq=2)])
    assert [(e.code, e.rule, e.field, e.row) for e in errors] == [
        ("payroll.person_unknown", "R-PS-5", "rows[1].id_number", 3)
    ]
    assert errors[0].value == mask_id_number(stranger)  # the clerk may not see ID numbers
    assert stranger not in errors[0].message_zh and mask_id_number(stranger) in errors[0].message_zh
    assert (
        "第 3 行 张某" in errors[0].message_zh
        and "人员信息库中没有此身份证号" in errors[0].message_zh
    )


def test_someone_of_another_unit_blocks_naming_that_unit(user: User) -> None:
    school = user("school_clerk").organisation
    other = (
        Person.objects.filter(mof_div_code=school.mof_div_code, state="active")
        .exclude(organisation=school)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    assert other is not None
    (error,) = _refused(user, [_row(other.id_number, name=other.name)])
    assert (error.code, error.field) == ("payroll.person_other_unit", "rows[0].id_number")
    assert error.limit == f"{other.organisation.name} 在职 2026-01-01"
    assert f"“{other.organisation.name}”在职人员" in error.message_zh


@pytest.mark.parametrize(
    ("kind", "word"), [("transfer_out", "调出"), ("resign", "辞职"), ("death", "死亡")]
)
def test_a_leaver_blocks_from_the_month_they_left(user: User, kind: str, word: str) -> None:
    teacher = _hired(user, 3)
    _change(user, teacher, kind, dt.date(YEAR, 10, 31))
    september = _import(user, [_row(teacher.id_number)], month=9)  # still 在职 in September
    assert september.findings == [] and september.personnel_check == PersonnelCheck.ENFORCED
    (error,) = _refused(user, [_row(teacher.id_number, seq=2)], month=10)
    assert (error.code, error.rule, error.field) == (
        "payroll.person_not_active",
        "R-PS-5",
        "rows[0].id_number",
    )
    assert error.limit == f"{word} 2026-10-31"
    assert f"已于 2026-10-31 {word}" in error.message_zh


def test_a_transfer_out_names_where_the_person_went(user: User, org: Callable[[str], Any]) -> None:
    other = org("吴江区同里实验小学")
    unit_approver(other, "tongli_approver")
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
    teacher = _hired(user, 4)
    _change(user, teacher, "transfer_out", dt.date(YEAR, 10, 15))
    hired_there = hire_input(4, effective_date=dt.date(YEAR, 11, 1))
    through_route(
        user,
        enter(user, hired_there, clerk="tongli_clerk"),
        clerk="tongli_clerk",
        approvers=("tongli_approver", "edu_approver", "wj_personnel"),
    )
    (october,) = _refused(user, [_row(teacher.id_number)], month=10)
    assert october.limit == f"调出 2026-10-15 → {other.name}"
    assert f"（调往“{other.name}”）" in october.message_zh
    (november,) = _refused(user, [_row(teacher.id_number)], month=11)
    assert (november.code, november.limit) == (
        "payroll.person_other_unit",
        f"{other.name} 在职 2026-11-01",
    )


def test_someone_not_yet_hired_blocks(user: User) -> None:
    teacher = _hired(user, 5, on=dt.date(YEAR, 12, 1))
    school = user("school_clerk").organisation
    (error,) = _refused(user, [_row(teacher.id_number)], month=11)
    assert (error.code, error.limit) == (
        "payroll.person_not_yet",
        f"2026-12-01 起在“{school.name}”",
    )
    assert _import(user, [_row(teacher.id_number)], month=12).findings == []


def test_a_retired_person_is_paid_the_pension_only(user: User) -> None:
    teacher = _hired(user, 6)
    _change(user, teacher, "retire", dt.date(YEAR, 10, 1), items={"retirement_pay": 5_000_00})
    (error,) = _refused(user, [_row(teacher.id_number)], month=10)
    assert (error.code, error.field, error.limit) == (
        "payroll.person_retired",
        "rows[0].id_number",
        "退休 2026-10-01",
    )
    header = [
        "序号",
        "姓名",
        "身份证号",
        "银行账号",
        "开户银行",
        "30302 退休费",
        "实发工资",
        "差异说明",
    ]
    pension = [
        [1, "测试教师", teacher.id_number, "6217000090000001", "建设银行吴江支行", 5_000, 5_000]
    ]
    batch = _import(user, pension, month=10, header=header)
    assert batch.findings == [] and batch.rows.get().standard == {"30302": 5_000_00}


# --- how much: the standard, the tolerance and the reason -----------------------------------------


def test_a_difference_without_reason_warns_and_holds_the_voucher(user: User) -> None:
    teacher = _hired(user, 7)
    batch = _import(user, [_row(teacher.id_number, performance=2_800)])
    (found,) = batch.findings
    assert (found["code"], found["rule"], found["field"], found["row"], found["outcome"]) == (
        "payroll.differs_from_standard",
        "R-PS-5",
        "rows[0].items.30107",
        2,
        "warn",
    )
    assert (found["value"], found["limit"]) == ("2,800.00", "2,600.00")  # the sheet, the standard
    assert (
        "测试教师" in found["message_zh"]
        and mask_id_number(teacher.id_number) in found["message_zh"]
    )
    assert "差额 200.00 元" in found["message_zh"] and "未填写差异说明" in found["message_zh"]
    assert batch.rows.get().standard == {"30101": BASIC * 100, "30107": PERFORMANCE * 100}
    request = _approved(user, _request(user, batch))
    assert request.state == RequestState.PENDING_EXPLANATION  # the voucher waits
    shown = [f for f in hooks.findings(request) if f.rule == "R-PS-5"]
    assert [(f.outcome, f.value, f.limit) for f in shown] == [("warn", "2,800.00", "2,600.00")]
    summary = request_summary(actor=user("school_approver"), request=request)
    assert any(f.rule == "R-PS-5" and "差额 200.00 元" in f.text for f in summary.findings)
    request_explain(
        actor=user("school_clerk"),
        request_id=request.pk,
        explanation="十月绩效考核优秀，补发奖励性绩效",
    )
    request.refresh_from_db()
    assert request.state == RequestState.VOUCHER_ISSUED and "补发" in request.explanation


def test_a_difference_with_its_reason_is_kept_and_does_not_hold_the_voucher(user: User) -> None:
    teacher = _hired(user, 8)
    batch = _import(user, [_row(teacher.id_number, basic=3_000, reason="事假扣发 600 元")])
    (found,) = batch.findings
    assert (found["field"], found["outcome"], found["reason"]) == (
        "rows[0].items.30101",
        "explained",
        "事假扣发 600 元",
    )
    assert "差额 -600.00 元" in found["message_zh"]
    assert batch.rows.get().reason == "事假扣发 600 元"
    request = _approved(user, _request(user, batch))
    assert request.state == RequestState.VOUCHER_ISSUED
    (shown,) = [f for f in hooks.findings(request) if f.rule == "R-PS-5"]
    assert shown.outcome == "pass" and "事假扣发" in shown.message_zh


def test_another_name_on_the_persons_id_warns_naming_both(user: User) -> None:
    teacher = _hired(user, 17)
    batch = _import(user, [_row(teacher.id_number, name="测试 教 师")])  # spaces are no difference
    assert batch.findings == []
    batch = _import(user, [_row(teacher.id_number, name="王五")], month=12)
    (found,) = batch.findings
    assert (found["code"], found["rule"], found["field"], found["row"], found["outcome"]) == (
        "payroll.name_differs",
        "R-PS-5",
        "rows[0].name",
        2,
        "warn",
    )
    assert (found["value"], found["limit"]) == ("王五", "测试教师")
    assert mask_id_number(teacher.id_number) in found["message_zh"]
    assert teacher.id_number not in found["message_zh"]


def test_the_tolerance_is_the_regions_standard_of_the_month(user: User) -> None:
    teacher = _hired(user, 9)
    _standard(user, "payroll.tolerance_bp", 100, dt.date(YEAR, 11, 1))  # 1 % from November
    # 30107: 26.00 over 2,600 is 1 %, allowed; 30101: 37.00 over 3,600 is more than 36.00.
    row = _row(teacher.id_number, basic=3_637, performance=2_626)
    (found,) = _import(user, [row]).findings
    assert (found["field"], found["value"], found["limit"]) == (
        "rows[0].items.30101",
        "3,637.00",
        "3,600.00",
    )
    assert "差额 37.00 元（容差 36.00 元）" in found["message_zh"]
    # October is still at the year's default (0): both classes warn.
    row[0] = 2  # another file
    october = _import(user, [row], month=10, filename="十月.xlsx")
    assert [f["field"] for f in october.findings] == ["rows[0].items.30101", "rows[0].items.30107"]


# --- once a month -------------------------------------------------------------------------------


def test_the_same_person_twice_in_a_month_blocks_naming_the_other_batch(user: User) -> None:
    teacher = _hired(user, 10)
    first = _import(user, [_row(teacher.id_number)], filename="工资表.xlsx")
    (error,) = _refused(
        user, [_row(teacher.id_number, performance=2_601, reason="补发")], filename="补发.xlsx"
    )
    assert (error.code, error.rule, error.field, error.limit) == (
        "payroll.paid_twice",
        "R-PS-5",
        "rows[0].id_number",
        first.number,
    )
    assert f"已在批次 {first.number}（" in error.message_zh and "“补发.xlsx”" in error.message_zh
    # A void batch pays nobody; December is another month.
    PayrollBatch.objects.filter(pk=first.pk).update(state=PayrollState.VOID)
    assert _import(user, [_row(teacher.id_number)], filename="重做.xlsx").findings == []
    assert _import(user, [_row(teacher.id_number, seq=2)], month=12).findings == []


# --- trial, a unit without staff, a region without a database -------------------------------------


def test_on_trial_what_would_block_is_a_warning(user: User) -> None:
    _standard(user, "payroll.personnel_check", 0, dt.date(YEAR, 1, 1))  # 试运行
    stranger = id_number(11)
    batch = _import(user, [_row(stranger, name="张某")])
    assert batch.personnel_check == PersonnelCheck.TRIAL
    (found,) = batch.findings
    assert (found["code"], found["outcome"], found["value"]) == (
        "payroll.person_unknown",
        "warn",
        mask_id_number(stranger),
    )
    assert stranger not in found["message_zh"]  # kept with the batch: masked for everyone
    request = _approved(user, _request(user, batch))
    assert request.state == RequestState.PENDING_EXPLANATION


def _sheet_of(user: User, rows: list[list[object]]) -> Any:
    school = user("school_clerk").organisation
    return read_sheet(
        salary_sheet(rows, HEADER), "s.xlsx", known_codes=salary_codes(school.mof_div_code, YEAR)
    )


def _check(user: User, organisation: Organisation, rows: list[list[object]], **kw: Any) -> Any:
    standards = {"payroll.personnel_check": 1, "payroll.tolerance_bp": 0, **kw}
    return check_sheet(
        actor=user("school_clerk"),
        sheet=_sheet_of(user, rows),
        organisation=organisation,
        fiscal_year=YEAR,
        month=11,
        filename="s.xlsx",
        standards=standards,
    )


def test_a_unit_with_no_one_on_record_is_blocked_once(user: User) -> None:
    bureau = Organisation.objects.get(
        mof_div_code="320509", kind="finance_division", division_type="budget"
    )
    assert not unit_roster(bureau, YEAR, 11).exists()
    checked = _check(user, bureau, [_row(id_number(12)), _row(id_number(13), seq=2)])
    assert [(e.code, e.rule, e.field, e.value) for e in checked.errors] == [
        ("payroll.unit_not_in_database", "R-PS-5", "file", bureau.name)
    ]
    assert "2026 年 11 月没有在册人员" in checked.errors[0].message_zh
    trial = _check(user, bureau, [_row(id_number(12))], **{"payroll.personnel_check": 0})
    assert trial.errors == [] and [f["code"] for f in trial.findings] == [
        "payroll.unit_not_in_database"
    ]


def test_a_region_without_personnel_data_is_not_checked(user: User) -> None:
    town_payee(user)  # 震泽镇 and its finance office: a region with no one in its database
    office = Organisation.objects.get(mof_div_code="320509101", kind="finance_bureau")
    checked = _check(user, office, [_row(id_number(14))])
    assert (checked.mode, checked.errors, checked.findings) == (PersonnelCheck.NO_DATABASE, [], [])


# --- the demo, the API and the page -------------------------------------------------------------


def test_the_demos_salary_batches_are_what_the_database_says(user: User) -> None:
    school = user("school_clerk").organisation
    batches = list(PayrollBatch.objects.filter(organisation=school).order_by("month"))
    # The demo pays the school's staff on the 10th of each month up to its "as of" day.
    assert len(batches) == sum(dt.date(YEAR, m, 10) <= timezone.localdate() for m in range(1, 13))
    for batch in batches:
        assert batch.personnel_check == PersonnelCheck.ENFORCED and batch.findings == []
        held = {
            p.person.id_number
            for p in unit_roster(school, batch.fiscal_year, batch.month)
            if p.state == "active"
        }
        rows = list(batch.rows.all())
        assert rows and {r.id_number for r in rows} <= held
        # Each class on the sheet is the standard (the 30102 allowances have no line here).
        assert all(r.items == {c: r.standard[c] for c in r.items} for r in rows)


def test_the_api_gives_the_check_and_refuses_like_the_page(user: User, client_as: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    teacher = _hired(user, 15)
    clerk = client_as("school_clerk")

    def send(rows: list[list[object]], name: str) -> Any:
        data = salary_sheet(rows, HEADER)
        return clerk.post(
            "/api/v1/payments/payroll", {"month": "11", "file": SimpleUploadedFile(name, data)}
        )

    refused = send([_row(id_number(16))], "a.xlsx")
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert (error["code"], error["rule"], error["field"]) == (
        "payroll.person_unknown",
        "R-PS-5",
        "rows[0].id_number",
    )
    made = send([_row(teacher.id_number, performance=2_700, reason="补发")], "b.xlsx")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["personnel_check"] == "enforced"
    assert [(f["field"], f["outcome"], f["reason"]) for f in body["findings"]] == [
        ("rows[0].items.30107", "explained", "补发")
    ]
    (row,) = clerk.get(f"/api/v1/payments/payroll/{body['id']}/rows").json()["items"]
    assert row["reason"] == "补发" and row["standard"] == {"30101": 360_000, "30107": 260_000}
    page = clerk.get(f"/payments/payroll/{body['id']}/").content.decode()
    assert 'data-testid="personnel-finding" data-code="payroll.differs_from_standard"' in page
    assert "已核对（不符即阻断）" in page and "已在工资表说明" in page


@pytest.mark.parametrize(
    ("sheet", "database"),
    [
        ("阿依古丽•买买提", "阿依古丽·买买提"),  # the bullet Excel users type for the name dot
        ("阿依古丽・买买提", "阿依古丽·买买提"),  # the Japanese middle dot of some IMEs
        ("阿依古丽买买提", "阿依古丽·买买提"),  # the dot left out
        ("\ufeff李\u200b华", "李华"),  # a BOM and a zero-width space pasted from Excel
        ("ＪＯＨＮ　ｓｍｉｔｈ", "John Smith"),  # full-width letters, an ideographic space
    ],
)
def test_the_same_name_typed_differently_is_the_same(sheet: str, database: str) -> None:
    assert same_name(sheet) == same_name(database)


def test_a_different_name_is_not_the_same() -> None:
    assert same_name("李华") != same_name("李桦")
    assert same_name("阿依古丽·买买提") != same_name("阿依古丽·买提")
