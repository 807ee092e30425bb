"""Builders for payment tests: requests entered and approved by the demo's school users."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.indicator_helpers import shared_source

from yusuan.common.money import Money
from yusuan.core.choices import RegionLevel
from yusuan.core.models import BankAccount, Organisation, Payee
from yusuan.core.services.regions import region_bootstrap
from yusuan.indicators.choices import DocumentKind
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services import DocumentInput, LineInput, document_create, document_post
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import PaymentInput, PaymentLineInput
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import document_submit, instance_approve

DOCUMENT_TYPE = "payments.request"


def _line(user: Any, eco: str) -> IndicatorLine:
    return IndicatorLine.objects.get(
        organisation=user("school_clerk").organisation, dep_bgt_eco_code=eco, source_type_code="01"
    )


def _payee(user: Any) -> Payee:
    """The school's stationery supplier (an organisation payee that is not the school's own
    account: paying that is money back to the unit, R-MO-3)."""
    school = user("school_clerk").organisation
    supplier, _created = Payee.objects.get_or_create(
        organisation=school,
        bank_account_no="6222020000000001",
        name="苏州文具有限公司",
        defaults={
            "mof_div_code": school.mof_div_code,
            "kind": "organisation",
            "credit_code": "91320509MA1XXXXX0X",
            "bank_name": "工商银行吴江支行",
        },
    )
    return supplier


def treasury_account(user: Any) -> BankAccount:
    """R-PY-12: the 国库单一账户 of the school's region (held by its finance bureau)."""
    school = user("school_clerk").organisation
    bureau = Organisation.objects.get(mof_div_code=school.mof_div_code, kind="finance_bureau")
    account, _ = BankAccount.objects.get_or_create(
        mof_div_code=school.mof_div_code,
        account_no="3220509000000001",
        defaults={
            "organisation": bureau,
            "account_type": "treasury_single",
            "account_name": f"{bureau.name}国库单一账户",
            "bank_name": "国家金库吴江区支库",
        },
    )
    return account


TOWN_CREDIT_CODE = "11320509MB1234567X"


def town_payee(user: Any) -> Payee:
    """震泽镇 below 吴江区, its finance office (财政所) known by its credit code, registered as a
    payee of the school's (the unit entering the 实拨 in these tests): whom a 实拨 may pay."""
    if not Organisation.objects.filter(credit_code=TOWN_CREDIT_CODE).exists():
        region_bootstrap(
            mof_div_code="320509101",
            name="震泽镇",
            level=RegionLevel.TOWNSHIP,
            ancestors=(("320509", "吴江区", RegionLevel.COUNTY),),
            bureau_name="吴江区震泽镇财政所",
            bureau_credit_code=TOWN_CREDIT_CODE,
        )
    school = user("school_clerk").organisation
    payee, _ = Payee.objects.get_or_create(
        organisation=school,
        credit_code=TOWN_CREDIT_CODE,
        defaults={
            "mof_div_code": school.mof_div_code,
            "kind": "organisation",
            "name": "吴江区震泽镇财政所",
            "bank_account_no": "3220509101000001",
            "bank_name": "国家金库吴江区支库",
        },
    )
    return payee


def _input(user: Any, lines: list[tuple[IndicatorLine, str]], **kw: Any) -> PaymentInput:
    school = user("school_clerk").organisation
    account = BankAccount.objects.get(organisation=school, account_type="unit_zero_balance")
    values: dict[str, Any] = {
        "business_type": "ordinary",
        "settlement_mode": "transfer",
        "purpose": "测试：购买办公用品",
        "pay_date": dt.date(2026, 11, 23),
        "payer_account_id": account.pk,
        "payee_id": _payee(user).pk,
        "lines": [PaymentLineInput(line.pk, Money.parse(amount)) for line, amount in lines],
    }
    values.update(kw)
    return PaymentInput(**values)


def top_up(user: Any, line: IndicatorLine, fen: int) -> None:
    """追加 ``fen`` to ``line`` (entered by the budget division, posted by its chief), so that a
    test does not depend on how much of the year the demo has already paid (its "as of" date)."""
    document = document_create(
        actor=user("wj_budget"),
        data=DocumentInput(
            kind=DocumentKind.INCREASE,
            title="测试：追加工资指标",
            doc_no="吴财预〔2026〕901号",
            fiscal_year=2026,
            lines=[LineInput(amount=Money(fen), target_id=line.pk)],
            budget_source_id=shared_source().pk,  # R-IN-7
        ),
    )
    document_post(actor=user("wj_budget_chief"), document_id=document.pk)
    line.refresh_from_db()


def _buckets(line: IndicatorLine) -> tuple[int, int, int]:
    line.refresh_from_db()
    return line.available, line.frozen, line.paid


def _round(request: PaymentRequest) -> WorkflowInstance:
    return WorkflowInstance.objects.filter(
        document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    ).latest("round")


def _approved(user: Any, request: PaymentRequest) -> PaymentRequest:
    instance = document_submit(
        actor=user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    )
    instance_approve(actor=user("school_reviewer"), instance_id=instance.pk)
    instance_approve(actor=user("school_approver"), instance_id=instance.pk)
    request.refresh_from_db()
    return request


def paid_by_bank(
    user: Any,
    request: PaymentRequest,
    *,
    accepted: list[bool] | None = None,
    value_date: dt.date | None = None,
) -> PaymentRequest:
    """Approved by the school (and the treasury where its amount needs it), sent in a bank file
    and answered by the bank line by line: paid, or refused where ``accepted[row]`` is False."""
    from yusuan.payments.services.bank import ResultInput, bank_file_create, bank_results_record

    request = _approved(user, request)
    if request.state != "voucher_issued":
        instance_approve(actor=user("wj_treasury"), instance_id=_round(request).pk)
        request.refresh_from_db()
    sent = bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None
    number = request.voucher.number
    lines = list(request.lines.order_by("row"))
    paid = accepted or [True] * len(lines)
    bank_results_record(
        actor=user("bank_icbc"),
        items=[
            ResultInput(
                message_id=sent.message_id,
                entry_id=f"{number}-{line.row + 1}",
                end_to_end_id=f"{number}-{line.row + 1}",
                accepted=paid[i],
                reason="" if paid[i] else "账户已销户",
                value_date=value_date,
            )
            for i, line in enumerate(lines)
        ],
    )
    request.refresh_from_db()
    return request


def _individual(user: Any) -> Payee:
    school = user("school_clerk").organisation
    return Payee.objects.create(
        mof_div_code=school.mof_div_code,
        organisation=school,
        kind="individual",
        name="张三",
        id_number="11010519491231002X",
        bank_account_no="6217000000000002",
        bank_name="建设银行吴江支行",
    )


def id_number(serial: int, *, birth: str = "19850612") -> str:
    """A valid 身份证号 (GB 11643 check digit) for test employee ``serial``."""
    from stdnum.cn import ric

    body = f"320584{birth}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum skips the last character


def salary_sheet(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    """An .xlsx salary sheet as a unit's HR system exports it."""
    from yusuan.common.tabular import Column, write_table

    names = header or DEFAULT_HEADER
    return write_table([Column(n, n, n) for n in names], rows, file_format="xlsx")


def employees(count: int, *, base: int = 1000, bonus: int = 500) -> list[list[object]]:
    """``count`` clean rows: 基本工资 ``base`` + a varying 绩效, tax 1 % and fund 50 withheld."""
    rows: list[list[object]] = []
    for i in range(count):
        performance = bonus + i % 7
        tax = round((base + performance) * 0.01, 2)
        net = round(base + performance - tax - 50, 2)
        rows.append(
            [
                i + 1,
                f"职工{i + 1:05d}",
                id_number(i, birth=f"19{70 + i // 1000 % 30}0612"),
                f"62170000{i:08d}",
                "建设银行吴江支行",
                base,
                performance,
                tax,
                50,
                net,
            ]
        )
    return rows


# Where a sheet's item column is kept in a teacher's record (事业专技岗, personnel.rules.PAY_ITEMS).
TEACHER_ITEM_OF_CLASS = {
    "30101": "post_pay",
    "30102": "allowance_standard",
    "30107": "performance_basic",
}
DEFAULT_HEADER = [
    "序号", "姓名", "身份证号", "银行账号", "开户银行", "30101 基本工资", "30107 绩效工资",
    "个人所得税", "住房公积金", "实发工资",
]  # fmt: skip


def enrol(
    rows: list[list[object]],
    header: list[str] | None = None,
    *,
    unit: Organisation | None = None,
    since: dt.date = dt.date(2026, 1, 1),
) -> None:
    """R-PS-5 (ADR 0045): a sheet's employees as 在职 teachers of ``unit`` (default: the demo
    school) in the personnel database since ``since``, each with the row's items as monthly
    standard — the sheet is then what the database says. People already recorded are left."""
    from yusuan.identity.models import User
    from yusuan.personnel import rules
    from yusuan.personnel.models import Person
    from yusuan.personnel.services.sheet import NewPerson, people_load

    names = header or DEFAULT_HEADER
    officer = User.objects.get(username="wj_personnel")
    unit = unit or User.objects.get(username="school_clerk").organisation
    assert unit is not None
    known = set(
        Person.objects.filter(mof_div_code=unit.mof_div_code).values_list("id_number", flat=True)
    )
    people: list[NewPerson] = []
    for row in rows:
        values = dict(zip(names, row, strict=False))
        number = str(values["身份证号"])
        if number in known:
            continue
        known.add(number)
        items: dict[str, int] = {}
        for column, value in values.items():
            code = column[:5]
            if code in TEACHER_ITEM_OF_CLASS and value not in (None, ""):
                key = TEACHER_ITEM_OF_CLASS[code]
                items[key] = items.get(key, 0) + round(float(str(value)) * 100)
        base = sum(items.values())
        state = rules.State(
            organisation_id=unit.pk,
            state=rules.ACTIVE,
            status=rules.INST_TECHNICAL,
            establishment="institution",
            work_start_date=dt.date(2010, 8, 1),
            unit_join_date=dt.date(2015, 8, 1),
            post_category="technical",
            post_level=10,
            salary_scale=20,
            items={k: v for k, v in items.items() if v},
            pension_base=base,
            medical_base=base,
            housing_base=base,
        )
        people.append(NewPerson(state, number, str(values["姓名"])))
    if people:
        people_load(
            actor=officer,
            mof_div_code=unit.mof_div_code,
            effective_from=since,
            people=people,
            source={"file": "test", "note": "R-PS-5 test staff"},
        )


def enrolled_sheet(rows: list[list[object]], header: list[str] | None = None, **kw: Any) -> bytes:
    """``salary_sheet`` of people ``enrol`` has put in the personnel database first."""
    enrol(rows, header, **kw)
    return salary_sheet(rows, header)
