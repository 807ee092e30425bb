"""A year of the demo school's payments, made the way users make them: entered by the clerk,
approved by the reviewer and the approver through the engine, monitored, sent to the bank in a
monthly pain.001 file and settled by the bank's results — so every figure on the indicator ledger
comes from real postings. Includes a failure at the bank, a warning explained, a cash request
blocked by monitoring, refunds, a request waiting for review and a draft. The school's staff are
paid each month from an imported salary sheet (R-PY-4); one teacher's overpaid salary is refunded
alone, and an office payment charged to the wrong line is corrected (更正). The first hospital,
whose zero-balance account the rural commercial bank holds, pays its office costs and repairs each
month too: its vouchers go in that bank's files and ``bank_rcb`` reports their results (R-PY-9)."""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
from typing import Any

from openpyxl import Workbook

from yusuan.common.clock import replaying
from yusuan.common.money import Money
from yusuan.core.choices import AccountType, PayeeKind
from yusuan.core.models import BankAccount, Payee
from yusuan.core.services.accounts import PayeeData, payee_create
from yusuan.demo.names import account_no, credit_code, id_number, person_name
from yusuan.identity.models import User
from yusuan.indicators.models import IndicatorLine
from yusuan.monitoring.services import finding_decide, request_explain
from yusuan.payments.choices import RequestState
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import PaymentInput, PaymentLineInput, request_create
from yusuan.payments.services.bank import ResultInput, bank_files_create, bank_result_record
from yusuan.payments.services.corrections import correction_post, correction_register
from yusuan.payments.services.refunds import (
    bank_return_register,
    refund_confirm,
    refund_register,
)
from yusuan.payroll import contributions
from yusuan.payroll.services.batches import payroll_import, payroll_request_create
from yusuan.payroll.services.contributions import payroll_contributions_request
from yusuan.personnel.choices import PersonState
from yusuan.personnel.selectors import by_class, unit_roster
from yusuan.procurement.models import Contract, ContractInstalment
from yusuan.procurement.services import ContractInput, contract_file
from yusuan.workflow.services import document_submit, instance_approve

PURPOSES = {
    "30201": ("购买办公用品", "打印纸及耗材", "教学文具"),
    "30211": ("教师外出培训差旅费", "教研活动差旅费"),
    "30213": ("教室门窗维修", "课桌椅维修", "操场围栏维修"),
}
# C10: the payee fits the economic class. Office supplies from a stationer or printer, repairs
# from a building or electrical firm; 差旅费 is the traveller's 公务卡 repayment, never a company.
SUPPLIERS_BY_CLASS = {
    "30201": ("吴江{town}办公用品经营部", "吴江{town}印务有限公司"),
    "30213": ("苏州{town}建筑工程有限公司", "吴江{town}电气安装工程有限公司"),
}
TRAVELLERS = 3
SHEET_CLASSES = ("30101", "30107")  # what the school's salary lines pay (C10: 全额事业)
HOSPITAL_PURPOSES = {
    "30201": ("购买办公用品", "病历纸及打印耗材"),
    "30213": ("门诊楼屋面防水维修", "病房门窗维修", "院区道路维修"),
}


class _School:
    """A unit paying through the real services: its clerk enters, its reviewer and approver
    approve (``prefix`` names its demo users: the school's or the hospital's)."""

    def __init__(self, year: int, prefix: str = "school") -> None:
        self.year = year
        self.prefix = prefix
        self.users = {
            u.username: u
            for u in User.objects.filter(username__startswith=f"{prefix}_").select_related(
                "organisation"
            )
        }
        self.clerk = self.users[f"{prefix}_clerk"]
        unit = self.clerk.organisation
        self.account = BankAccount.objects.get(
            organisation=unit, account_type=AccountType.UNIT_ZERO_BALANCE
        )
        self.lines = {
            line.dep_bgt_eco_code: line
            for line in IndicatorLine.objects.filter(
                organisation=unit, fiscal_year=year, source_type_code="01", is_sal=False
            )
        }
        self.companies = list(
            Payee.objects.filter(organisation=unit, kind=PayeeKind.ORGANISATION, is_enabled=True)
        )
        self.people = list(
            Payee.objects.filter(organisation=unit, kind=PayeeKind.INDIVIDUAL, is_enabled=True)
        )
        self.admin = User.objects.filter(is_superuser=True).order_by("pk").first() or self.clerk
        self.equipment: IndicatorLine | None = None
        self.withholders: dict[str, int] = {}
        self.suppliers: dict[str, list[Payee]] = {}
        self.travellers: list[Payee] = []
        self.itself: Payee | None = None

    def request(
        self, day: dt.date, rows: list[tuple[str, int, Payee]], purpose: str, **kw: Any
    ) -> PaymentRequest:
        data = PaymentInput(
            business_type=kw.pop("business_type", "ordinary"),
            settlement_mode=kw.pop("settlement_mode", "transfer"),
            purpose=purpose,
            pay_date=day,
            payer_account_id=self.account.pk,
            payee_id=rows[0][2].pk,
            lines=[
                PaymentLineInput(self.lines[eco].pk, Money(fen), payee.pk)
                for eco, fen, payee in rows
            ],
        )
        return request_create(actor=self.clerk, data=data, fiscal_year=self.year)

    def register(
        self,
        rng: random.Random,
        kind: str,
        name: str,
        *,
        credit_code: str = "",
        id_number: str = "",
        account: str = "",
        bank: str = "中国工商银行苏州吴江支行",
    ) -> Payee:
        return payee_create(
            actor=self.admin,
            organisation_id=self.clerk.organisation_id,
            data=PayeeData(
                kind=kind,
                name=name,
                bank_account_no=account or account_no(rng),
                bank_name=bank,
                credit_code=credit_code,
                id_number=id_number,
            ),
        )

    def register_suppliers(self, rng: random.Random, towns: tuple[str, str]) -> None:
        """C10: suppliers that fit each class."""
        self.suppliers = {
            eco: [
                self.register(
                    rng,
                    PayeeKind.ORGANISATION,
                    template.format(town=town),
                    credit_code=credit_code(rng, self.clerk.organisation.mof_div_code[:6]),
                )
                for template, town in zip(templates, towns, strict=True)
            ]
            for eco, templates in SUPPLIERS_BY_CLASS.items()
        }

    def register_payees(self, rng: random.Random) -> None:
        """C10: suppliers that fit each class, teachers holding a 公务卡 (their travel is repaid
        to the card), and the school itself (a 备用金 withdrawal is a cash cheque to the unit)."""
        unit = self.clerk.organisation
        self.register_suppliers(rng, ("松陵", "同里"))
        register = functools.partial(self.register, rng)
        self.travellers = [
            register(
                PayeeKind.INDIVIDUAL,
                f"{person_name(rng)}（公务卡）",
                id_number=id_number(rng),
                account="6" + account_no(rng)[:15],
            )
            for _ in range(TRAVELLERS)
        ]
        own = BankAccount.objects.get(organisation=unit, account_type=AccountType.REAL_FUNDS)
        self.itself = register(
            PayeeKind.ORGANISATION,
            unit.name,
            credit_code=unit.credit_code or credit_code(rng, unit.mof_div_code[:6]),
            account=own.account_no,
            bank=own.bank_name,
        )

    def payee_for(self, eco: str, rng: random.Random) -> Payee:
        return rng.choice(self.suppliers[eco])

    def travel(self, day: dt.date, fen: int, purpose: str, rng: random.Random) -> PaymentRequest:
        """差旅费 repaid to the traveller's 公务卡 (R-MO-1 does not apply to card repayments)."""
        return self.request(
            day,
            [("30211", fen, rng.choice(self.travellers))],
            purpose,
            business_type="card_repayment",
            settlement_mode="card",
        )

    def register_withholders(self, rng: random.Random) -> None:
        """The payees that salary deductions go to: registered at the start of the year, before
        any sheet (a clerk who pays the January salary on 1 January finds them)."""
        self.withholders = {
            name: payee_create(
                actor=self.admin,
                organisation_id=self.clerk.organisation_id,
                data=PayeeData(
                    kind=PayeeKind.ORGANISATION,
                    name=name,
                    credit_code=credit_code(rng, self.clerk.organisation.mof_div_code[:6]),
                    bank_account_no=account_no(rng),
                    bank_name="中国工商银行苏州吴江支行",
                ),
            ).pk
            for name in (
                "国家税务总局苏州市吴江区税务局",
                "苏州市住房公积金管理中心",
                "苏州市吴江区社会保险基金管理中心",
            )
        }

    def contributions(self, salary: PaymentRequest, day: dt.date) -> list[PaymentRequest]:
        """R-PY-13: the month's employer contributions, from their own lines, to the
        social-insurance agency and the housing-fund centre."""
        agency = self.withholders["苏州市吴江区社会保险基金管理中心"]
        return payroll_contributions_request(
            actor=self.clerk,
            batch_id=salary.payroll.pk,
            pay_date=day,
            payer_account_id=self.account.pk,
            payees={
                item.code: self.withholders["苏州市住房公积金管理中心"]
                if item.code == "30113"
                else agency
                for item in contributions.ITEMS
            },
        )

    def salary(self, month: int, day: dt.date) -> PaymentRequest | None:
        """This month's salary sheet as the unit's HR system exports it from the personnel
        database (R-PS-5, ADR 0045): everyone the school holds 在职 that month, paid their monthly
        standard of each class its salary lines pay (30101 基本工资, 30107 绩效工资), imported
        and matched. Other classes (the 30102 allowances, 编外 pay) have no salary line here and
        are not on the sheet."""
        unit = self.clerk.organisation
        budgeted = dict(
            IndicatorLine.objects.filter(
                organisation=unit, fiscal_year=self.year, is_sal=True
            ).values_list("dep_bgt_eco_code", "total")
        )
        if not set(SHEET_CLASSES) <= set(budgeted):
            return None
        # The demo budget's salary lines are drawn apart from its personnel database (until the
        # 人员类 budget is computed from the snapshot, R-PJ-8): a month pays the roster, in order,
        # as far as a twelfth of each line goes, so every month of the year can be paid.
        room = {code: budgeted[code] // 12 for code in SHEET_CLASSES}
        paid = []
        for period in unit_roster(unit, self.year, month):
            standard = by_class(period.items)
            if period.state != PersonState.ACTIVE or not any(
                standard.get(c) for c in SHEET_CLASSES
            ):
                continue
            if any(standard.get(c, 0) > room[c] for c in SHEET_CLASSES):
                continue
            for code in SHEET_CLASSES:
                room[code] -= standard.get(code, 0)
            paid.append((period, standard))
        if not paid:
            return None
        book = Workbook()
        # The month in the file's properties, as the HR system's export carries it: two months
        # with the same people and pay are still two sheets (the duplicate check is by content).
        book.properties.title = f"{unit.name}{self.year}年{month}月工资表"
        sheet = book.active
        assert sheet is not None
        # Fixed pay repeats month to month: the export's sheet is named by its month, so two
        # months are two files (the same file twice is refused, R-PY-4).
        sheet.title = f"{self.year}年{month}月工资"
        sheet.append(["序号", "姓名", "身份证号", "银行账号", "开户银行", "30101 基本工资",
                      "30107 绩效工资", "个人所得税", "住房公积金", "实发工资"])  # fmt: skip
        for index, (period, standard) in enumerate(paid):
            person = period.person
            pay, performance = (standard.get(code, 0) for code in SHEET_CLASSES)
            tax = (pay + performance) * 3 // 100
            fund = period.housing_base * 12 // 100  # the employee's share, as the unit's
            net = pay + performance - tax - fund
            card = account_no(random.Random(person.id_number))  # the same card every month
            sheet.append([index + 1, person.name, person.id_number, card, "中国建设银行吴江支行",
                          pay / 100, performance / 100, tax / 100, fund / 100, net / 100])  # fmt: skip
        out = io.BytesIO()
        book.save(out)
        batch = payroll_import(
            actor=self.clerk,
            data=out.getvalue(),
            filename=f"{self.year}年{month}月工资表.xlsx",
            month=month,
            fiscal_year=self.year,
        )
        return payroll_request_create(
            actor=self.clerk,
            batch_id=batch.pk,
            pay_date=day,
            payer_account_id=self.account.pk,
            deduction_payees={
                "个人所得税": self.withholders["国家税务总局苏州市吴江区税务局"],
                "住房公积金": self.withholders["苏州市住房公积金管理中心"],
            },
        )

    def contract(self, day: dt.date) -> Contract | None:
        """Equipment bought through government procurement: the contract filed, then paid."""
        line = IndicatorLine.objects.filter(
            organisation=self.clerk.organisation,
            fiscal_year=self.year,
            is_gov_pur=True,
            source_type_code="01",
        ).first()
        if line is None or not self.companies:
            return None
        self.equipment = line
        return contract_file(
            actor=self.clerk,
            data=ContractInput(
                number=f"WJCG-{self.year}-{self.clerk.organisation_id:04d}",
                title="多媒体教室设备采购",
                supplier_id=self.companies[-1].pk,
                amount=Money(line.total * 8 // 10 // 100_000 * 100_000),
                indicator_line_ids=[line.pk],
                filed_on=day,
            ),
            fiscal_year=self.year,
        )

    def procurement(self, day: dt.date, contract: Contract, share: int) -> PaymentRequest:
        assert self.equipment is not None  # set when the contract was filed
        data = PaymentInput(
            business_type="procurement",
            settlement_mode="transfer",
            purpose=f"{contract.title}（合同 {contract.number}）第{'一' if share < 50 else '二'}期款",
            pay_date=day,
            payer_account_id=self.account.pk,
            payee_id=contract.supplier_id,
            contract_id=contract.pk,
            lines=[
                PaymentLineInput(
                    self.equipment.pk, Money(contract.amount * share // 100 // 100 * 100)
                )
            ],
        )
        return request_create(actor=self.clerk, data=data, fiscal_year=self.year)

    def approve(self, request: PaymentRequest) -> PaymentRequest:
        instance = document_submit(
            actor=self.clerk, document_type="payments.request", object_id=str(request.pk)
        )
        for name in (f"{self.prefix}_reviewer", f"{self.prefix}_approver"):
            instance_approve(actor=self.users[name], instance_id=instance.pk)
        request.refresh_from_db()
        if request.state == RequestState.SUBMITTED:  # large amounts: the treasury reviews too
            treasury = User.objects.get(username="wj_treasury")
            instance_approve(actor=treasury, instance_id=instance.pk)
            request.refresh_from_db()
        return request


def load(*, mof_div_code: str, year: int, as_of: dt.date, seed: int = 2026) -> int:
    """Pay the school's year up to ``as_of`` (a date in ``year``): no business date lies after it,
    so the ledger reads the same whoever loads the demo on whichever day (issue 13)."""
    users = User.objects.filter(
        username__in=["school_clerk", "school_reviewer", "school_approver", "wj_treasury"]
    )
    if users.count() < 4:
        return 0
    rng = random.Random(seed)
    school = _School(year)
    if not school.companies or not {"30201", "30211", "30213"} <= set(school.lines):
        return 0
    treasury = User.objects.get(username="wj_treasury")
    school.register_withholders(random.Random(seed + 1))
    school.register_payees(random.Random(seed + 2))
    hospital = _hospital(year, random.Random(seed + 3))
    hospital_rng = random.Random(seed + 4)  # its own draws: the school's stay as they were
    failed_once = False
    contract: Contract | None = None
    for month in range(1, as_of.month + 1):
        # Each month's actions happen on its first day as far as their events go (ADR 0053); the
        # bank's results carry their own value dates.
        with replaying(dt.date(year, month, 1)):
            # Office payments on the 20th, or on the "as of" day in its own month if that is earlier.
            day = min(dt.date(year, month, 20), as_of)
            month_requests = []
            if dt.date(year, month, 10) <= as_of:
                salary = school.salary(month, dt.date(year, month, 10))
                if salary is not None:
                    month_requests.append(school.approve(salary))
                    for paid in school.contributions(salary, dt.date(year, month, 10)):
                        month_requests.append(school.approve(paid))
            if month == 4 and dt.date(year, month, 8) <= as_of:
                contract = school.contract(dt.date(year, month, 8))
            if contract is not None and month in (6, 10):
                # R-PY-3: 30 % on delivery, 60 % on acceptance; 10 % kept as the warranty deposit.
                paid = school.procurement(day, contract, 30 if month == 6 else 60)
                month_requests.append(school.approve(paid))
            for eco, purposes in PURPOSES.items():
                fen = rng.randrange(800, 6000, 10) * 100
                purpose = rng.choice(purposes)
                if eco == "30211":
                    made = school.travel(day, fen, purpose, rng)
                else:
                    made = school.request(day, [(eco, fen, school.payee_for(eco, rng))], purpose)
                month_requests.append(school.approve(made))
            if month == 3 and school.people:
                # R-MO-1: office money to a teacher's own account waits for an explanation.
                warned = school.approve(
                    school.request(day, [("30201", 680_00, school.people[0])], "垫付办公用品报销")
                )
                request_explain(
                    actor=school.clerk,
                    request_id=warned.pk,
                    explanation="教师垫付购买实验耗材，凭发票报销，已附发票和验收单",
                )
                # R-MO-14: red waits for the finance monitoring officer, who confirms it normal.
                monitor = User.objects.filter(username="wj_monitor").first()
                for finding in warned.findings.filter(status="explained"):
                    if monitor is not None:
                        finding_decide(
                            actor=monitor,
                            finding_id=finding.pk,
                            decision="normal",
                            note="已核对发票和验收单，属教师垫付，认定正常",
                        )
                month_requests.append(warned)
            if hospital is not None:
                for eco, purposes in HOSPITAL_PURPOSES.items():
                    fen = hospital_rng.randrange(1000, 8000, 10) * 100
                    made = hospital.request(
                        day,
                        [(eco, fen, hospital.payee_for(eco, hospital_rng))],
                        hospital_rng.choice(purposes),
                    )
                    month_requests.append(hospital.approve(made))
            # R-PY-9: one file per agent bank; each request's results answer its own bank's file.
            fail_one = month == 5 and not failed_once
            if _settle(mof_div_code, month_requests, fail_one=fail_one) and fail_one:
                failed_once = True
    _refunds(school, treasury, as_of)
    _salary_refund_and_correction(school, as_of)
    # R-MO-2: a large cash withdrawal is blocked and waits for revision: a cash cheque drawn to
    # the school itself (C10), not to a company.
    assert school.itself is not None  # registered above
    school.approve(
        school.request(
            as_of,
            [("30201", 60_000_00, school.itself)],
            "提取备用金（现金支票）",
            settlement_mode="cash",
        )
    )
    waiting = school.request(
        as_of, [("30213", 12_800_00, school.payee_for("30213", rng))], "实验室水管维修"
    )
    document_submit(actor=school.clerk, document_type="payments.request", object_id=str(waiting.pk))
    school.travel(as_of, 2_300_00, "参加市级教研会差旅费（公务卡还款）", rng)
    return PaymentRequest.objects.filter(mof_div_code=mof_div_code).count()


def _settle(mof_div_code: str, requests: list[PaymentRequest], *, fail_one: bool = False) -> bool:
    """Send the approved requests in bank files (R-PY-9: one per agent bank) and record each
    line's result from the bank holding the accounts, on the request's pay date (R-PY-10); with
    ``fail_one`` the first line fails (AC01). False when no file was made."""
    treasury = User.objects.get(username="wj_treasury")
    banks = {
        u.organisation_id: u for u in User.objects.filter(username__in=["bank_icbc", "bank_rcb"])
    }
    if not bank_files_create(actor=treasury, mof_div_code=mof_div_code):
        return False
    for request in requests:
        request.refresh_from_db()
        sent = request.voucher.bank_file
        assert sent is not None
        for line in request.lines.all():
            reject, fail_one = fail_one, False
            bank_result_record(
                actor=banks.get(sent.bank_id or 0, treasury),
                item=ResultInput(
                    message_id=sent.message_id,  # the file the result answers
                    entry_id=f"{request.voucher.number}-{line.row + 1}",
                    end_to_end_id=f"{request.voucher.number}-{line.row + 1}",
                    accepted=not reject,
                    reason="AC01 收款账号不存在" if reject else "",
                    value_date=request.pay_date,  # R-PY-10: the bank's day, not the load's
                ),
            )
    return True


def pay_instalments(
    *, contract: Contract, nodes: list[tuple[ContractInstalment, dt.date]], prefix: str = "school"
) -> int:
    """R-GP-10: pay a contract's schedule nodes, each on its day, through the whole chain (the
    unit's request naming the node, its approvals, the bank file and the bank's result)."""
    unit = _School(contract.fiscal_year, prefix)
    line_id = contract.lines.order_by("pk").values_list("indicator_line_id", flat=True)[0]
    paid = []
    for node, day in nodes:
        data = PaymentInput(
            business_type="procurement",
            settlement_mode="transfer",
            purpose=f"{contract.title}（合同 {contract.number}）{node.name}",
            pay_date=day,
            payer_account_id=unit.account.pk,
            payee_id=contract.supplier_id,
            contract_id=contract.pk,
            instalment_id=node.pk,
            lines=[PaymentLineInput(line_id, Money(node.amount))],
        )
        made = request_create(actor=unit.clerk, data=data, fiscal_year=contract.fiscal_year)
        paid.append(unit.approve(made))
    if paid:
        _settle(contract.mof_div_code, paid)
    return len(paid)


def _hospital(year: int, rng: random.Random) -> _School | None:
    """The first hospital, whose zero-balance account the rural commercial bank holds (R-PY-9),
    with suppliers for its office costs and repairs; None when its staff or lines are missing."""
    needed = {f"hospital_{role}" for role in ("clerk", "reviewer", "approver")}
    if User.objects.filter(username__in=needed).count() < len(needed):
        return None
    hospital = _School(year, prefix="hospital")
    if not set(HOSPITAL_PURPOSES) <= set(hospital.lines):
        return None
    hospital.register_suppliers(rng, ("盛泽", "平望"))
    return hospital


def _salary_refund_and_correction(school: _School, as_of: dt.date) -> None:
    salaries = PaymentRequest.objects.filter(
        organisation=school.clerk.organisation, business_type="salary", state=RequestState.PAID
    ).order_by("pk")
    if salaries.count() >= 2:
        # One teacher was paid a month's performance pay too much: that line alone comes back.
        line = salaries[1].lines.get(row=0)
        refund = refund_register(
            actor=school.clerk,
            line_id=line.pk,
            amount=Money(min(line.amount // 4 // 100 * 100, 800_00)),
            kind="payee_refund",
            reason="overpaid",
            refund_date=min(salaries[1].pay_date + dt.timedelta(days=12), as_of),
            bank_receipt_no="GZTH" + salaries[1].number[-6:],
        )
        refund_confirm(actor=school.users["school_approver"], refund_id=refund.pk)
    office = (
        PaymentRequest.objects.filter(
            organisation=school.clerk.organisation,
            state=RequestState.PAID,
            lines__dep_bgt_eco_code="30201",
            lines__refunded=0,
        )
        .order_by("pk")
        .first()
    )
    if office is not None and "30216" in school.lines:
        # Training materials bought on the office line belonged to the training line (C10): 更正.
        line = office.lines.get(row=0)
        correction = correction_register(
            actor=school.clerk,
            line_id=line.pk,
            to_line_id=school.lines["30216"].pk,
            amount=Money(min(line.amount, 500_00)),
            reason="培训资料费误列办公费，更正为培训费",
        )
        correction_post(actor=school.users["school_approver"], correction_id=correction.pk)


def _refunds(school: _School, treasury: User, as_of: dt.date) -> None:
    paid = list(
        PaymentRequest.objects.filter(
            organisation=school.clerk.organisation, state=RequestState.PAID
        ).order_by("pk")
    )
    if len(paid) < 3:
        return
    # The supplier sent back part of an overpayment: confirmed, the indicator is available again.
    line = paid[1].lines.get(row=0)
    refund = refund_register(
        actor=school.clerk,
        line_id=line.pk,
        amount=Money(min(line.amount, 300_00)),
        kind="payee_refund",
        reason="overpaid",
        refund_date=min(paid[1].pay_date + dt.timedelta(days=9), as_of),
        bank_receipt_no="HD" + paid[1].number[-6:],
    )
    refund_confirm(actor=school.users["school_approver"], refund_id=refund.pk)
    # The bank returned a whole payment (wrong account): registered, waiting for confirmation.
    returned = paid[2].lines.get(row=0)
    bank_return_register(
        actor=treasury,
        voucher_number=paid[2].voucher.number,
        payee_account_no=returned.payee_account_no,
        amount=Money(returned.amount),
        refund_date=min(paid[2].pay_date + dt.timedelta(days=3), as_of),
        bank_receipt_no="TP" + paid[2].number[-6:],
    )
