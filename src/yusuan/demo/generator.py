"""Deterministic demo data: the Wujiang district (seed 004) at three scales.

``tiny`` (tests): 4 departments, a handful of units. ``district``: ~300 units in 40 departments.
``province``: the district plus nine more Suzhou districts (×10). Same seed, same data. Every row
is written through the services, so the demo's audit trail is real from its first record.
Later modules extend :func:`generate` with the data they own (staff, projects, indicators, …).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from yusuan.common.clock import replaying
from yusuan.core.choices import (
    AccountType,
    BudgetLevel,
    DivisionType,
    OrganisationKind,
    PayeeKind,
    RegionLevel,
)
from yusuan.core.models import FiscalYear, Organisation
from yusuan.core.services.accounts import (
    BankAccountData,
    PayeeData,
    bank_account_create,
    payee_create,
)
from yusuan.core.services.fiscal_years import fiscal_year_close, fiscal_year_open
from yusuan.core.services.organisations import OrganisationData, organisation_create
from yusuan.core.services.regions import region_bootstrap
from yusuan.demo import (
    accounting,
    budgeting,
    indicators,
    names,
    payments,
    personnel,
    procurement,
    projects,
    workflows,
)
from yusuan.demo.names import account_no, credit_code, id_number, person_name
from yusuan.identity.models import User
from yusuan.identity.services import UserData, api_token_issue, user_create
from yusuan.monitoring.services.scans import scan as monitoring_scan

DEMO_PASSWORD = "Yusuan@2026"  # noqa: S105 - published demo password, printed for the user
SCALES = ("tiny", "district", "province")
CURRENT_YEAR = 2026
MAIN_REGION = ("320509", "吴江区")
ANCESTORS = (("320000", "江苏省", RegionLevel.PROVINCE), ("320500", "苏州市", RegionLevel.CITY))
TINY_DEPARTMENTS = (
    "苏州市吴江区人民政府办公室",
    "苏州市吴江区教育局",
    "苏州市吴江区卫生健康委员会",
    "苏州市吴江区审计局",
)


@dataclass
class Login:
    username: str
    password: str
    role: str
    organisation: str
    note: str = ""


@dataclass
class DemoResult:
    scale: str
    as_of: dt.date | None = None
    regions: list[str] = field(default_factory=list)
    organisations: int = 0
    agencies: int = 0
    bank_accounts: int = 0
    payees: int = 0
    users: int = 0
    logins: list[Login] = field(default_factory=list)
    api_tokens: dict[str, str] = field(default_factory=dict)
    projects: int = 0
    people: int = 0
    indicator_lines: int = 0
    budget_lines: int = 0
    payment_requests: int = 0
    vouchers_posted: int = 0
    scan_findings: int = 0
    seconds: float = 0.0


class _Builder:
    def __init__(self, scale: str, seed: int, result: DemoResult) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.result = result

    def region(self, mof_div_code: str, short_name: str, *, main: bool) -> None:
        setup = region_bootstrap(
            mof_div_code=mof_div_code,
            name=short_name,
            ancestors=ANCESTORS,
            bureau_name=f"苏州市{short_name}财政局",
            bureau_code="F00",
        )
        self.result.regions.append(mof_div_code)
        prefix = "wj" if main else f"r{mof_div_code[-3:]}"
        admin = user_create(
            actor=None,
            data=UserData(
                username=f"{prefix}_admin",
                full_name=person_name(self.rng),
                organisation_id=setup.administration.pk,
                role_codes=("sysadmin",),
            ),
            password=DEMO_PASSWORD,
        )
        self._login(
            admin, "系统管理员 sysadmin", setup.administration, "可维护基础数据、代码集、年度"
        )
        self.admin = admin
        with transaction.atomic():
            fiscal_year_open(actor=admin, mof_div_code=mof_div_code, year=CURRENT_YEAR - 1)
            fiscal_year_open(actor=admin, mof_div_code=mof_div_code, year=CURRENT_YEAR)
            fiscal_year_close(
                actor=admin,
                fiscal_year=FiscalYear.objects.get(
                    mof_div_code=mof_div_code, year=CURRENT_YEAR - 1
                ),
            )
        self.mof_div_code = mof_div_code
        self.bureau = setup.bureau
        self.divisions: dict[str, Organisation] = {"administration": setup.administration}
        for code, name, division_type in names.OTHER_DIVISIONS:
            if division_type == "administration":
                continue
            self.divisions[division_type] = self._org(
                f"F00-{code}",
                f"{setup.bureau.name}{name}",
                OrganisationKind.FINANCE_DIVISION,
                parent=setup.bureau,
                division_type=division_type,
            )
        for key, (code, name) in names.SECTOR_DIVISIONS.items():
            self.divisions[key] = self._org(
                f"F00-{code}",
                f"{setup.bureau.name}{name}",
                OrganisationKind.FINANCE_DIVISION,
                parent=setup.bureau,
                division_type=DivisionType.SECTOR,
            )
        self._account(
            setup.bureau,
            AccountType.FINANCE_ZERO_BALANCE,
            f"{setup.bureau.name}财政零余额账户",
            names.BANKS[0],
        )
        self.banks = [self._org(code, name, OrganisationKind.BANK) for code, name, _ in names.BANKS]
        self.departments: dict[str, Organisation] = {}
        self.units: dict[str, list[Organisation]] = {}
        departments = names.DEPARTMENTS
        if self.scale == "tiny":
            departments = tuple(d for d in departments if d[0] in TINY_DEPARTMENTS)
        for index, (dept_name, agency_type, sector, templates) in enumerate(departments, start=1):
            dept_name = dept_name.replace("吴江区", short_name) if not main else dept_name
            if dept_name.endswith("财政局"):
                dept_name += "机关"
            department = self._org(
                f"{100 + index:03d}",
                dept_name,
                OrganisationKind.DEPARTMENT,
                agency_type=agency_type,
                budget_level=BudgetLevel.FIRST,
                supervising=self.divisions[sector],
            )
            self.departments[dept_name] = department
            self._agency_accounts(department)
            children: list[Organisation] = []
            serial = 0
            for template, unit_type, count in templates:
                count = min(count, 2) if self.scale == "tiny" else count
                towns = list(names.TOWNS)
                for n in range(count):
                    serial += 1
                    unit_name = template.format(town=towns[n % len(towns)])
                    if not main:
                        unit_name = unit_name.replace("吴江区", short_name).replace(
                            "吴江", short_name
                        )
                    unit = self._org(
                        f"{department.code}{serial:03d}",
                        unit_name,
                        OrganisationKind.UNIT,
                        parent=department,
                        agency_type=unit_type,
                        budget_level=BudgetLevel.BASIC,
                        supervising=self.divisions[sector],
                    )
                    # The first school banks with ICBC, whose system account (bank_icbc) settles
                    # the demo's payments; the rural commercial bank holds the first hospital.
                    held_at = (
                        (names.BANKS[0] if dept_name.endswith("教育局") else None)
                        or (names.BANKS[4] if dept_name.endswith("卫生健康委员会") else None)
                        if serial == 1
                        else None
                    )
                    self._agency_accounts(unit, held_at)
                    children.append(unit)
            self.units[dept_name] = children
            self._payees(department, children)
        self.audit_office = self._org(
            "A01", f"苏州市{short_name}审计局审计组", OrganisationKind.AUDIT_OFFICE
        )

    def _org(
        self,
        code: str,
        name: str,
        kind: str,
        *,
        parent: Organisation | None = None,
        division_type: str = "",
        agency_type: str = "",
        budget_level: int | None = None,
        supervising: Organisation | None = None,
    ) -> Organisation:
        organisation = organisation_create(
            actor=self.admin,
            mof_div_code=self.mof_div_code,
            data=OrganisationData(
                code=code,
                name=name,
                kind=kind,
                parent_id=parent.pk if parent else None,
                division_type=division_type,
                agency_type=agency_type,
                budget_level=budget_level,
                supervising_division_id=supervising.pk if supervising else None,
                credit_code=credit_code(self.rng, self.mof_div_code)
                if kind in ("department", "unit") and self.rng.random() < 0.9
                else "",
            ),
        )
        self.result.organisations += 1
        if organisation.is_agency:
            self.result.agencies += 1
        return organisation

    def _account(
        self,
        organisation: Organisation,
        account_type: str,
        account_name: str,
        bank: tuple[str, str, str],
    ) -> None:
        bank_account_create(
            actor=self.admin,
            data=BankAccountData(
                organisation_id=organisation.pk,
                account_type=account_type,
                account_no=account_no(self.rng),
                account_name=account_name,
                bank_name=bank[1],
                bank_code=bank[2],
            ),
        )
        self.result.bank_accounts += 1

    def _agency_accounts(
        self, agency: Organisation, held_at: tuple[str, str, str] | None = None
    ) -> None:
        # R-PY-9: the zero-balance account is held at one agent bank (its BANK organisation,
        # matched by name); spread over the region's five banks, so each bank gets its own file.
        bank = self.rng.choice(names.BANKS)
        bank = held_at or bank
        self._account(agency, AccountType.UNIT_ZERO_BALANCE, f"{agency.name}零余额账户", bank)
        self._account(agency, AccountType.REAL_FUNDS, agency.name, self.rng.choice(names.BANKS))

    def _payees(self, department: Organisation, units: list[Organisation]) -> None:
        for owner in [department, *units]:
            for _ in range(self.rng.randint(1, 3)):
                town = self.rng.choice(names.TOWNS)
                bank = self.rng.choice(names.BANKS)
                if self.rng.random() < 0.7:
                    data = PayeeData(
                        kind=PayeeKind.ORGANISATION,
                        name=self.rng.choice(names.SUPPLIERS).format(town=town),
                        credit_code=credit_code(self.rng, self.mof_div_code),
                        bank_account_no=account_no(self.rng),
                        bank_name=bank[1],
                        bank_code=bank[2],
                    )
                else:
                    data = PayeeData(
                        kind=PayeeKind.INDIVIDUAL,
                        name=person_name(self.rng),
                        id_number=id_number(self.rng),
                        bank_account_no=account_no(self.rng),
                        bank_name=bank[1],
                        bank_code=bank[2],
                    )
                payee_create(actor=self.admin, organisation_id=owner.pk, data=data)
                self.result.payees += 1

    def _login(self, user: User, role: str, organisation: Organisation, note: str = "") -> None:
        self.result.users += 1
        self.result.logins.append(
            Login(user.username, DEMO_PASSWORD, role, organisation.name, note)
        )

    def user(
        self,
        username: str,
        role_codes: tuple[str, ...],
        organisation: Organisation,
        role_label: str,
        note: str = "",
    ) -> User:
        user = user_create(
            actor=None,
            data=UserData(
                username=username,
                full_name=person_name(self.rng),
                organisation_id=organisation.pk,
                role_codes=role_codes,
            ),
            password=DEMO_PASSWORD,
        )
        self._login(user, role_label, organisation, note)
        return user

    def demo_users(self) -> None:
        d = self.divisions
        self.user(
            "wj_budget", ("budget_officer",), d["budget"], "预算处 budget division", "全区范围"
        )
        self.user(
            "wj_budget_chief",
            ("budget_officer",),
            d["budget"],
            "预算处复核 budget division (posts)",
            "审核记账他人录入的指标单据",
        )
        self.user(
            "wj_treasury",
            ("treasury_officer",),
            d["treasury"],
            "国库处/支付中心 treasury",
            "全区范围",
        )
        self.user(
            "wj_monitor",
            ("monitoring_officer",),
            d["treasury"],
            "监控岗 finance monitoring officer",
            "认定红色、橙色预警（R-MO-14）",
        )
        self.user(
            "wj_procurement",
            ("procurement_officer",),
            d["procurement"],
            "政府采购处 procurement",
            "全区范围",
        )
        self.user(
            "wj_performance",
            ("performance_officer",),
            d["performance"],
            "绩效处 performance",
            "全区范围",
        )
        self.user(
            "wj_appraisal",
            ("appraisal_officer",),
            d["appraisal"],
            "评审中心 appraisal centre",
            "登记财政评审结论和专家评分（R-PJ-9）",
        )
        self.user(
            "wj_sector_edu",
            ("sector_officer",),
            d["education"],
            "业务处室（教科文）sector division",
            "只看所管部门",
        )
        self.user(
            "wj_sector_social",
            ("sector_officer",),
            d["social"],
            "业务处室（社保）sector division",
            "只看所管部门",
        )
        self.user(
            "wj_accounting",
            ("accounting_supervisor",),
            d["treasury"],
            "会计核算监管 accounting supervisor",
            "全区科目表与记账规则",
        )
        self.user(
            "wj_auditor", ("auditor",), self.audit_office, "审计 auditor", "全区只读，含审计日志"
        )
        edu = self.departments["苏州市吴江区教育局"]
        school = self.units["苏州市吴江区教育局"][0]
        health = self.departments["苏州市吴江区卫生健康委员会"]
        hospital = self.units["苏州市吴江区卫生健康委员会"][0]
        office = self.departments["苏州市吴江区人民政府办公室"]
        self.user(
            "edu_clerk", ("unit_clerk",), edu, "部门经办 department clerk", "看教育局及下属全部学校"
        )
        self.user("edu_reviewer", ("unit_reviewer",), edu, "部门复核 department reviewer")
        self.user("edu_approver", ("unit_approver",), edu, "部门审核 department approver")
        self.user("school_clerk", ("unit_clerk",), school, "单位经办 unit clerk", "只看本单位")
        self.user("school_reviewer", ("unit_reviewer",), school, "单位复核 unit reviewer")
        self.user("school_approver", ("unit_approver",), school, "单位审核 unit approver")
        self.user("school_cashier", ("cashier",), school, "出纳 cashier")
        self.user("school_accountant", ("accountant",), school, "会计 accountant", "制单、记账")
        self.user(
            "school_bookkeeper",
            ("accountant",),
            school,
            "会计（记账）bookkeeper",
            "记账：过账别人制单、主管审核的凭证",
        )
        self.user(
            "school_chief_accountant",
            ("chief_accountant",),
            school,
            "会计主管 chief accountant",
            "审核凭证、结账",
        )
        self.user("health_clerk", ("unit_clerk",), health, "部门经办 department clerk")
        self.user("hospital_clerk", ("unit_clerk",), hospital, "单位经办 unit clerk")
        self.user("hospital_cashier", ("cashier",), hospital, "出纳 cashier")
        self.user(
            "office_clerk",
            ("unit_clerk", "cashier", "accountant"),
            office,
            "经办+出纳+会计（出纳与会计不相容示例）",
            "出现在不相容岗位报告中",
        )
        bank_user = self.user(
            "bank_icbc",
            ("bank",),
            self.banks[0],
            "代理银行系统账户 agent bank",
            "仅凭 API 令牌访问，不能登录页面（令牌见 api_tokens）",
        )
        issued = api_token_issue(
            actor=None,
            user=bank_user,
            name="demo bank interface",
            scopes=("core:read", "payments:read", "payments:write"),
        )
        self.result.api_tokens[bank_user.username] = issued.key
        # R-PY-9: the rural commercial bank reports only for the accounts it holds.
        rcb_user = self.user(
            "bank_rcb",
            ("bank",),
            self.banks[4],
            "代理银行系统账户（农商行）agent bank",
            "只能报告本行所开零余额账户的结果、退票和清算",
        )
        issued = api_token_issue(
            actor=None,
            user=rcb_user,
            name="demo bank interface",
            scopes=("core:read", "payments:read", "payments:write"),
        )
        self.result.api_tokens[rcb_user.username] = issued.key
        # Last, so that the names drawn for the users above stay as they were: the hospital's
        # reviewer and approver, who approve its payments held at the rural commercial bank.
        self.user("hospital_reviewer", ("unit_reviewer",), hospital, "单位复核 unit reviewer")
        self.user("hospital_approver", ("unit_approver",), hospital, "单位审核 unit approver")
        # ADR 0036: the bureau's leadership reads the district picture; it writes nothing.
        self.user(
            "wj_leader",
            ("leader",),
            self.bureau,
            "局领导 bureau leadership",
            "全区只读：全区执行、支付、预警一览",
        )
        # Listed with the bureau's other logins, though made last (the names drawn stay put).
        logins = self.result.logins
        logins.insert(
            next(i for i, x in enumerate(logins) if x.username == "wj_auditor") + 1, logins.pop()
        )
        # Budget preparation (issue 18): 卫健委's approver decides its units' drafts at the
        # department's step. Made last, so that the names drawn for the users above stay put.
        self.user(
            "health_approver",
            ("unit_approver",),
            self.departments["苏州市吴江区卫生健康委员会"],
            "部门审核 department approver",
            "审核所属单位的预算（一上、二上）",
        )


def clamp_as_of(day: dt.date | None = None) -> dt.date:
    """The demo's "as of" date: the given day (default: today) moved into the demo's fiscal year,
    so that loading it in another year still shows a year in progress or a whole year."""
    day = day or timezone.localdate()
    return min(max(day, dt.date(CURRENT_YEAR, 1, 1)), dt.date(CURRENT_YEAR, 12, 31))


def generate(
    *, scale: str = "district", seed: int = 2026, as_of: dt.date | None = None
) -> DemoResult:
    """Load the demo. Business dates (payments, refunds, contracts) lie on or before ``as_of``
    (clamped into the demo year); what is "now" for people (delegations, bank files) is the clock."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}")
    started = time.perf_counter()
    as_of = clamp_as_of(as_of)
    result = DemoResult(scale=scale, as_of=as_of)
    builder = _Builder(scale, seed, result)
    with transaction.atomic():
        builder.region(*MAIN_REGION, main=True)
        builder.demo_users()
    if scale == "province":
        for code, short_name in names.OTHER_REGIONS:
            other = _Builder("district", seed + int(code), result)
            with transaction.atomic():
                other.region(code, short_name, main=False)
    with transaction.atomic():
        result.projects = workflows.load(regions=result.regions, year=CURRENT_YEAR)
    with transaction.atomic():
        result.people = personnel.load(
            mof_div_code=MAIN_REGION[0], year=CURRENT_YEAR, scale=scale, as_of=as_of
        )
        result.users += 1
        result.logins.append(
            Login(
                personnel.OFFICER,
                DEMO_PASSWORD,
                "人员库管理岗 personnel database officer",
                builder.divisions["budget"].name,
                "审批人员变动，导入人员，核定编制，生成预算快照",
            )
        )
    # The indicators are issued at the start of the year (their events' business day; ADR 0053).
    with transaction.atomic(), replaying(min(dt.date(CURRENT_YEAR, 1, 5), as_of)):
        result.indicator_lines = indicators.load(
            mof_div_code=MAIN_REGION[0], year=CURRENT_YEAR, as_of=as_of
        )
    with transaction.atomic(), replaying(as_of):
        result.payment_requests = payments.load(
            mof_div_code=MAIN_REGION[0], year=CURRENT_YEAR, as_of=as_of
        )
    with transaction.atomic(), replaying(as_of):
        procurement.load(year=CURRENT_YEAR, as_of=as_of)  # 采购意向 (R-GP-1)
    with transaction.atomic(), replaying(as_of):
        result.vouchers_posted = accounting.load(year=CURRENT_YEAR, as_of=as_of)
    with transaction.atomic(), replaying(as_of):
        projects.end_some(mof_div_code=MAIN_REGION[0], year=CURRENT_YEAR)
    with transaction.atomic(), replaying(as_of):
        result.budget_lines = budgeting.load(
            mof_div_code=MAIN_REGION[0], year=CURRENT_YEAR, as_of=as_of
        )
    # The night's after-the-fact monitoring scan (事后监控, issue 22) over the year so far.
    result.scan_findings = monitoring_scan(
        actor=None, region=MAIN_REGION[0], year=CURRENT_YEAR, as_of=as_of
    ).total_created
    result.seconds = time.perf_counter() - started
    return result


def as_json(result: DemoResult) -> dict[str, Any]:
    return {
        "scale": result.scale,
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "regions": result.regions,
        "password": DEMO_PASSWORD,
        "logins": [login.__dict__ for login in result.logins],
        "api_tokens": result.api_tokens,
    }
