"""Every page and API operation, and how its data scope is checked (DESIGN §2, §7; issue 14 item 7).

NetBox style: ``tests/test_scopes.py`` walks every URL pattern (``get_resolver()``) and every
operation of ``/api/v1/openapi.json`` and fails for one that is neither in :data:`PAGES` /
:data:`API` nor in :data:`PAGE_EXEMPT` / :data:`API_EXEMPT` (with a reason). So a new page fails CI
until it is registered here. Pages are keyed by URL name (``namespace:name``; an unnamed pattern by
its route), API operations by their OpenAPI ``operationId``.

An entry names *another scope's* object of the tiny demo (``target``) and two people:

- ``outsider`` must not reach it: a page or operation that takes its id answers 404 (the API with
  a problem body) — a POST-only route too, sent with a CSRF token, and nothing changes; a list
  (``params`` is ``None``) does not show ``marker``.
- ``insider`` is the positive control: the same request answers 200 (a POST: anything but 404 and
  5xx), and the list shows ``marker``.

Most objects of the demo's payments belong to 吴江区松陵实验小学 (``school_clerk``); their outsider is
``hospital_clerk``, a clerk of 吴江区第一人民医院 holding the same role. Region-wide data (users,
codes, years, approval definitions, bank files) is checked against another region's
administrator or treasury officer, made by :func:`other_region` (``setup``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SCHOOL = "吴江区松陵实验小学"
HOSPITAL = "吴江区第一人民医院"


@dataclass(frozen=True)
class Entry:
    """How one page or API operation is checked; see the module's docstring."""

    target: Callable[[], Any]
    params: Callable[[Any], dict[str, Any]] | None = None  # URL kwargs / path parameters
    outsider: str = "hospital_clerk"
    insider: str = "school_clerk"
    method: str = "get"
    body: dict[str, Any] | Callable[[], dict[str, Any]] = field(default_factory=dict)
    marker: Callable[[Any], str] | None = None  # a list: text naming the object
    query: Callable[[Any], str] | None = None  # a list: narrows it to the object (pagination)
    # The outsider's answer; 403 only where no one outside the object's scope holds the
    # permission (the refusal comes before scope is looked at), with the reason in ``why``.
    refused: int = 404
    why: str = ""
    setup: Callable[[], None] | None = None  # run first, e.g. other_region() for its outsiders


# --- the foreign objects --------------------------------------------------------------------------


def hospital() -> Any:
    from yusuan.core.models import Organisation

    return Organisation.objects.get(name=HOSPITAL)


def school() -> Any:
    from yusuan.core.models import Organisation

    return Organisation.objects.get(name=SCHOOL)


def hospital_account() -> Any:
    from yusuan.core.models import BankAccount

    return BankAccount.objects.filter(organisation__name=HOSPITAL).order_by("pk").first()


def hospital_payee() -> Any:
    from yusuan.core.models import Payee

    return Payee.objects.filter(organisation__name=HOSPITAL).order_by("pk").first()


def school_project(state: str = "draft") -> Any:
    from yusuan.projects.models import Project

    return Project.objects.filter(organisation__name=SCHOOL, state=state).order_by("pk").first()


def school_project_change() -> Any:
    """The school's draft 项目调整 (the demo opens one on its stored project)."""
    from yusuan.projects.models import ProjectChange

    return ProjectChange.objects.filter(organisation__name=SCHOOL).order_by("pk").first()


def school_department_link(project: Any) -> str:
    """A report's marker: the link down from its figures to the list of the school's department
    (the first organisation on the project's unit's path)."""
    from yusuan.core.models import Organisation

    pk = int(project.organisation.path.strip("/").split("/")[0])
    return f"department={Organisation.objects.get(pk=pk).code}&amp;"


def school_department_code(project: Any) -> str:
    from yusuan.core.models import Organisation

    pk = int(project.organisation.path.strip("/").split("/")[0])
    return f'"department_code": "{Organisation.objects.get(pk=pk).code}"'


def school_basis_document() -> Any:
    """A basis document (立项依据) of the school's draft project, with its file."""
    from yusuan.projects.models import BasisDocument

    return (
        BasisDocument.objects.filter(project__organisation__name=SCHOOL, project__state="draft")
        .exclude(file="")
        .order_by("pk")
        .first()
    )


def _document_file_body() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "kind": "policy",
        "doc_no": "-",
        "title": "-",
        "file": SimpleUploadedFile("scope.pdf", b"%PDF-1.4 scope", content_type="application/pdf"),
    }


def _document_pk(document: Any) -> dict[str, Any]:
    return {"pk": document.project_id, "document_id": document.pk}


ONLY_REVIEWERS = (
    "projects.add_projectreview: only the performance division and the appraisal centre "
    "(wj_performance, wj_appraisal, both region-wide) record reviews; anyone else is refused "
    "before scope is looked at"
)


def school_round() -> Any:
    """An open approval round of one of the school's projects."""
    from yusuan.workflow.models import WorkflowInstance

    return (
        WorkflowInstance.objects.filter(
            organisation__name=SCHOOL, document_type="projects.declaration", state="in_progress"
        )
        .order_by("pk")
        .first()
    )


def submitted_project() -> Any:
    """The project of :func:`school_round`: it has rounds to show."""
    from yusuan.projects.models import Project

    return Project.objects.get(pk=school_round().object_id)


def school_memo() -> Any:
    """The test-only memo of docs/development/adding-a-document-type.md (``yusuan.conf.test``
    installs it; the demo has none): the school's clerk enters one."""
    from yusuan.identity.models import User
    from yusuan.workflow.tests.memos.services import memo_create

    clerk = User.objects.get(username="school_clerk")
    return memo_create(actor=clerk, title="scope", amount_fen=100, fiscal_year=2026)


def attachment() -> Any:
    """The tiny demo has none: the school's clerk attaches a file to its open round."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yusuan.identity.models import User
    from yusuan.workflow.services import instance_comment

    action = instance_comment(
        actor=User.objects.get(username="school_clerk"),
        instance_id=school_round().pk,
        comment="scope",
        files=[SimpleUploadedFile("scope.pdf", b"%PDF-1.4 scope", content_type="application/pdf")],
    )
    return action.attachments.get()


def notification() -> Any:
    from yusuan.workflow.models import Notification

    return Notification.objects.filter(user__username="school_clerk").order_by("-pk").first()


def delegation() -> Any:
    from yusuan.workflow.models import Delegation

    return Delegation.objects.select_related("delegator").order_by("pk").first()


def school_line() -> Any:
    from yusuan.indicators.models import IndicatorLine

    return IndicatorLine.objects.filter(organisation__name=SCHOOL).order_by("pk").first()


def hospital_line() -> Any:
    from yusuan.indicators.models import IndicatorLine

    return IndicatorLine.objects.filter(organisation__name=HOSPITAL).order_by("pk").first()


def transfer_line() -> Any:
    """The demo's upper-level transfer held pending by the bureau, received 45 days before the
    demo's day and not wholly allocated: an R-IN-5 breach only finance sees."""
    from yusuan.indicators.models import IndicatorLine

    return (
        IndicatorLine.objects.filter(
            kind="pending", source_type_code="04", rec_date__isnull=False, parent=None
        )
        .order_by("pk")
        .first()
    )


def school_document(state: str = "draft") -> Any:
    from yusuan.indicators.models import IndicatorDocument

    return (
        IndicatorDocument.objects.filter(organisation__name=SCHOOL, state=state)
        .order_by("pk")
        .first()
    )


def school_supplement() -> Any:
    """A draft 追加申请 of the school's (R-AJ-7); the tiny demo files none, so one is filed."""
    from yusuan.common.money import Money
    from yusuan.identity.models import User
    from yusuan.indicators.choices import LineKind
    from yusuan.indicators.models import IndicatorLine, SupplementRequest
    from yusuan.indicators.services.supplements import SupplementInput, supplement_create

    found = SupplementRequest.objects.filter(organisation__name=SCHOOL, state="draft").first()
    if found is not None:
        return found
    line = (
        IndicatorLine.objects.filter(organisation__name=SCHOOL, kind=LineKind.EXECUTABLE)
        .order_by("pk")
        .first()
    )
    assert line is not None
    return supplement_create(
        actor=User.objects.get(username="school_clerk"),
        data=SupplementInput(
            title="scope",
            amount=Money(1_00),
            reason="scope",
            line_id=line.pk,
            fiscal_year=line.fiscal_year,
        ),
    )


def wj_source() -> Any:
    """An indicator source of the district (R-IN-7): region-wide, held by the finance bureau."""
    from yusuan.indicators.models import IndicatorSource

    return IndicatorSource.objects.filter(mof_div_code="320509").order_by("pk").first()


def wj_adjustment() -> Any:
    """A 预算调整 record (R-AJ-7); the tiny demo has none, the budget division records one."""
    import datetime as dt

    from yusuan.common.money import Money
    from yusuan.identity.models import User
    from yusuan.indicators.models import BudgetAdjustment
    from yusuan.indicators.services.sources import (
        AdjustmentInput,
        AdjustmentRowInput,
        adjustment_create,
    )

    found = BudgetAdjustment.objects.filter(mof_div_code="320509").order_by("pk").first()
    return found or adjustment_create(
        actor=User.objects.get(username="wj_budget"),
        data=AdjustmentInput(
            title="scope",
            decision_no="吴人常〔2026〕9号",
            decision_date=dt.date(2026, 6, 1),
            fiscal_year=2026,
            rows=[AdjustmentRowInput("111", "2050202", Money(1_00))],
        ),
    )


def any_document_id() -> dict[str, Any]:
    from yusuan.indicators.models import IndicatorDocument

    document = IndicatorDocument.objects.order_by("pk").first()
    assert document is not None
    return {"document_id": document.pk}


def finance_data(target: Callable[[], Any], params: Any = None, **more: Any) -> Entry:
    """Sources and 预算调整 records: the budget division's, seen by another region's finance
    officer (who holds the same read permission) as missing."""
    fields: dict[str, Any] = {"outsider": "wz_treasury", "insider": "wj_budget", **more}
    return Entry(target, params, setup=other_region, **fields)


def school_request(state: str = "draft") -> Any:
    from yusuan.payments.models import PaymentRequest

    return (
        PaymentRequest.objects.filter(organisation__name=SCHOOL, state=state).order_by("pk").first()
    )


def vouchered_request() -> Any:
    """A request of the school's with its payment voucher issued."""
    from yusuan.payments.models import PaymentRequest

    return (
        PaymentRequest.objects.filter(organisation__name=SCHOOL, voucher__isnull=False)
        .order_by("pk")
        .first()
    )


def paid_line() -> Any:
    """A paid line of the school's with something left to refund."""
    from django.db.models import F

    from yusuan.payments.models import PaymentLine

    return (
        PaymentLine.objects.filter(
            request__organisation__name=SCHOOL, request__state="paid", refunded__lt=F("amount")
        )
        .order_by("pk")
        .first()
    )


def registered_refund() -> Any:
    from yusuan.payments.models import Refund

    return (
        Refund.objects.filter(line__request__organisation__name=SCHOOL, state="registered")
        .select_related("line")
        .order_by("pk")
        .first()
    )


def correction() -> Any:
    from yusuan.payments.models import Correction

    return (
        Correction.objects.filter(line__request__organisation__name=SCHOOL)
        .select_related("line")
        .order_by("pk")
        .first()
    )


def school_finding() -> Any:
    """A red R-MO-1 finding of the school's, explained and waiting for the monitoring officer
    (R-MO-14): made here, as the demo's may be decided already (or not yet made, at 1 January)."""
    from tests.payment_helpers import _approved, _individual, _input, _line

    from yusuan.identity.models import User
    from yusuan.monitoring.services import request_explain
    from yusuan.payments.services import request_create

    def user(name: str) -> Any:
        return User.objects.get(username=name)

    data = _input(user, [(_line(user, "30201"), "800")], payee_id=_individual(user).pk)
    request = _approved(
        user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    )
    request_explain(
        actor=user("school_clerk"),
        request_id=request.pk,
        explanation="教师垫付办公用品，凭发票报销",
    )
    return request.findings.select_related("request").get()


def school_scan_finding() -> Any:
    """An open finding of the after-the-fact scan about the school (R-MO-15), made here."""
    import uuid

    from yusuan.core.models import Organisation
    from yusuan.monitoring.models import FindingSource, MonitoringFinding

    school = Organisation.objects.get(name=SCHOOL)
    return MonitoringFinding.objects.create(
        mof_div_code=school.mof_div_code,
        organisation=school,
        source=FindingSource.SCAN,
        key=f"scope:{uuid.uuid4().hex}",
        rule="R-MO-15",
        outcome="warn",
        level="yellow",
        message_zh="R-MO-15 范围测试",
        message_en="R-MO-15 scope test",
    )


def school_inquiry() -> Any:
    """An inquiry to the school about a finding of the scan, issued now by the monitoring
    officer (awaiting the school's verification)."""
    import datetime as dt

    from django.utils import timezone

    from yusuan.identity.models import User
    from yusuan.monitoring.services.inquiries import inquiry_issue

    return inquiry_issue(
        actor=User.objects.get(username="wj_monitor"),
        finding_ids=[school_scan_finding().pk],
        question="范围测试：请核实年末支付情况。",
        answer_due=timezone.localdate() + dt.timedelta(days=10),
    )


def _school_clerk() -> Any:
    from yusuan.identity.models import User

    return User.objects.select_related("organisation").get(username="school_clerk")


def payroll_batch() -> Any:
    """One of the school's salary batches; early in the demo year (1 January) there is none yet,
    so the school imports one, as its clerk would."""
    from django.utils import timezone

    from tests.payment_helpers import employees, enrolled_sheet

    from yusuan.payroll.models import PayrollBatch
    from yusuan.payroll.services.batches import payroll_import

    found = PayrollBatch.objects.filter(organisation__name=SCHOOL).order_by("pk").first()
    if found is not None:
        return found
    today = timezone.localdate()
    return payroll_import(
        actor=_school_clerk(),
        data=enrolled_sheet(employees(3)),
        filename="工资表.xlsx",
        month=today.month,
        fiscal_year=today.year,
    )


def contract() -> Any:
    """One of the school's contracts; filed now if the demo year has none yet (1 January)."""
    from django.utils import timezone

    from tests.payment_helpers import _line, _payee

    from yusuan.common.money import Money
    from yusuan.procurement.models import Contract
    from yusuan.procurement.services import ContractInput, contract_file

    found = Contract.objects.filter(organisation__name=SCHOOL).order_by("pk").first()
    if found is not None:
        return found
    user = lambda name: _school_clerk()  # noqa: E731 - the helpers take a user getter
    data = ContractInput(
        number="WJCG-SCOPE-0001",
        title="范围测试合同",
        supplier_id=_payee(user).pk,
        amount=Money.parse("1,000.00"),
        indicator_line_ids=[_line(user, "31002").pk],
        filed_on=timezone.localdate(),
    )
    return contract_file(actor=_school_clerk(), data=data, fiscal_year=timezone.localdate().year)


def intention() -> Any:
    """One of the school's procurement intentions (a draft), entered now if it has none."""
    from django.utils import timezone

    from yusuan.common.money import Money
    from yusuan.procurement.models import ProcurementIntention
    from yusuan.procurement.services import IntentionInput, intention_create

    found = ProcurementIntention.objects.filter(organisation__name=SCHOOL).order_by("pk").first()
    if found is not None:
        return found
    today = timezone.localdate()
    data = IntentionInput(
        project_name="范围测试采购意向",
        need_summary="教室多媒体设备更新",
        budget=Money.parse("480,000.00"),
        expected_month=today,
        pur_item_code="A02010104",
    )
    return intention_create(actor=_school_clerk(), data=data, fiscal_year=today.year)


def plan() -> Any:
    """One of the school's procurement plans (the demo's, else a draft entered now)."""
    from django.utils import timezone

    from tests.payment_helpers import _line

    from yusuan.common.money import Money
    from yusuan.procurement.models import ProcurementPlan
    from yusuan.procurement.services import PlanInput, PlanLineInput, plan_create

    found = ProcurementPlan.objects.filter(organisation__name=SCHOOL).order_by("pk").first()
    if found is not None:
        return found
    user = lambda name: _school_clerk()  # noqa: E731 - the helpers take a user getter
    today = timezone.localdate()
    data = PlanInput(
        title="范围测试采购计划",
        pur_item_code="A02010104",
        method="open_tender",
        amount=Money.parse("1,000.00"),
        planned_start=today,
        lines=[PlanLineInput(_line(user, "31002").pk, Money.parse("1,000.00"))],
        exemption="urgent",
        exemption_reason="范围测试",
    )
    return plan_create(actor=_school_clerk(), data=data, fiscal_year=today.year)


def procurement_change() -> Any:
    """One of the school's procurement changes (the demo's, else a supplementary contract of
    1.00 on the school's contract entered now, a draft)."""
    from django.utils import timezone

    from yusuan.common.money import Money
    from yusuan.procurement.models import ProcurementChange
    from yusuan.procurement.services.changes import ChangeInput, change_create

    found = ProcurementChange.objects.filter(organisation__name=SCHOOL).order_by("pk").first()
    if found is not None:
        return found
    on = contract()
    return change_create(
        actor=_school_clerk(),
        data=ChangeInput(
            kind="supplement",
            reason="范围测试",
            contract_id=on.pk,
            amount=Money.parse("1.00"),
            indicator_line_id=on.lines.order_by("pk").first().indicator_line_id,
            signed_on=max(timezone.localdate(), on.signed_on or on.filed_on),
        ),
    )


def wj_catalogue_item() -> Any:
    """An entry of the region's 集中采购目录 (the demo's, else one made now)."""
    from django.utils import timezone

    from yusuan.identity.models import User
    from yusuan.procurement.models import CatalogueItem
    from yusuan.procurement.services import catalogue_item_set

    found = CatalogueItem.objects.filter(mof_div_code="320509").order_by("pk").first()
    if found is not None:
        return found
    return catalogue_item_set(
        actor=User.objects.get(username="wj_procurement"),
        mof_div_code="320509",
        fiscal_year=timezone.localdate().year,
        pur_item_code="A0201",
        org_form="central",
    )


def api_token() -> Any:
    from yusuan.identity.models import ApiToken

    return ApiToken.objects.filter(user__username="bank_icbc").order_by("pk").first()


def school_person() -> Any:
    """A person on the school's books (the tiny demo's staff, ADR 0038)."""
    from yusuan.personnel.models import Person

    return Person.objects.filter(organisation__name=SCHOOL).order_by("pk").first()


def school_change() -> Any:
    """A draft 人员变动单 of the school's; the tiny demo's are past draft, so one is entered."""
    import datetime as dt

    from yusuan.identity.models import User
    from yusuan.personnel.models import PersonnelChange
    from yusuan.personnel.services import ChangeInput, change_create

    found = PersonnelChange.objects.filter(organisation__name=SCHOOL, state="draft").first()
    if found is not None:
        return found
    person = school_person()
    return change_create(
        actor=User.objects.get(username="school_clerk"),
        data=ChangeInput(
            kind="resign",
            effective_date=dt.date(2026, 12, 31),
            basis_doc_no="scope",
            person_id=person.pk,
        ),
    )


def school_unit() -> Any:
    from yusuan.core.models import Organisation

    return Organisation.objects.get(name=SCHOOL)


def masked_id(person: Any) -> str:
    from yusuan.common.masking import mask_id_number

    return mask_id_number(person.id_number)


def link(view: str) -> Callable[[Any], str]:
    """A list's marker: the link to the object's own page (a query echoed in the search box
    or the language switcher cannot fake it)."""
    from django.urls import reverse

    return lambda obj: f'href="{reverse(view, kwargs={"pk": obj.pk})}"'


OTHER_REGION = "320506"


def other_region() -> None:
    """Another region (吴中区) with a system administrator (``wz_admin``) and a treasury officer
    (``wz_treasury``): the outsiders of region-wide data. The tiny demo has users in one region."""
    from yusuan.core.services.regions import region_bootstrap
    from yusuan.identity.models import User
    from yusuan.identity.services import UserData, user_create

    if User.objects.filter(username="wz_admin").exists():
        return
    other = region_bootstrap(
        mof_div_code=OTHER_REGION, name="吴中区", bureau_name="苏州市吴中区财政局"
    )
    for username, role, organisation in (
        ("wz_admin", "sysadmin", other.administration),
        ("wz_treasury", "treasury_officer", other.bureau),
    ):
        data = UserData(username, username, organisation.pk, (role,))
        user_create(actor=None, data=data, password="Scope-Suite-2026")


def region_wide(target: Callable[[], Any], params: Any = None, **more: Any) -> Entry:
    """An entry for the region's own data: another region's user is the outsider."""
    fields: dict[str, Any] = {"outsider": "wz_admin", "insider": "wj_admin", **more}
    return Entry(target, params, setup=other_region, **fields)


def wj_user() -> Any:
    from yusuan.identity.models import User

    return User.objects.get(username="school_clerk")


def wj_code() -> Any:
    from yusuan.core.models import ClassificationCode

    return ClassificationCode.objects.filter(mof_div_code="320509").order_by("pk").first()


def wj_open_year() -> Any:
    from yusuan.core.models import FiscalYear

    return FiscalYear.objects.filter(mof_div_code="320509", status="open").order_by("year").first()


def wj_standard() -> Any:
    """A standard of the region's open year (ADR 0039): region-wide reference data."""
    from yusuan.core.models import Standard

    year = wj_open_year()
    return Standard.objects.get(
        mof_div_code="320509", fiscal_year=year.year, key="contribution.pension"
    )


def wj_definition() -> Any:
    from yusuan.workflow.models import ApprovalDefinition

    return ApprovalDefinition.objects.filter(mof_div_code="320509").order_by("pk").first()


def wj_bank_file() -> Any:
    from yusuan.payments.models import BankFile

    return BankFile.objects.filter(mof_div_code="320509").order_by("pk").first()


def wj_clearing_day() -> Any:
    """An open clearing difference of the region (the tiny demo has none): the agent bank reports
    a paid total for the school's zero-balance account that the system does not have."""
    import datetime as dt

    from yusuan.common.money import Money
    from yusuan.core.models import BankAccount
    from yusuan.identity.models import User
    from yusuan.payments.models import ClearingDay
    from yusuan.payments.services.clearing import clearing_record

    found = ClearingDay.objects.filter(mof_div_code="320509", state="open").order_by("pk").first()
    if found is not None:
        return found
    account = BankAccount.objects.get(organisation__name=SCHOOL, account_type="unit_zero_balance")
    return clearing_record(
        actor=User.objects.get(username="bank_icbc"),
        account_no=account.account_no,
        day=dt.date(2026, 1, 5),
        bank_total=Money.parse("12.34"),
    )


def _pk(name: str) -> Callable[[Any], dict[str, Any]]:
    return lambda obj: {name: obj.pk}


# --- bodies of the API's edits (a body the schema refuses would be a 422, not a scope answer) -----


def _organisation_body() -> dict[str, Any]:
    o = hospital()
    return {
        "code": o.code,
        "name": o.name,
        "kind": o.kind,
        "parent_id": o.parent_id,
        "agency_type": o.agency_type,
        "budget_level": o.budget_level,
    }


def _change_body() -> dict[str, Any]:
    c = school_change()
    return {
        "kind": c.kind,
        "effective_date": c.effective_date.isoformat(),
        "basis_doc_no": c.basis_doc_no,
        "person_id": c.person_id,
    }


def _project_body() -> dict[str, Any]:
    p = school_project()
    return {
        "name": p.name,
        "category": p.category,
        "kind": p.kind,
        "start_year": p.start_year,
        "end_year": p.end_year,
        "total_amount": str(p.total_amount_fen / 100),
        "fund_type": p.fund_type,
    }


def _account_body() -> dict[str, Any]:
    a = hospital_account()
    fields = ("organisation_id", "account_type", "account_no", "account_name", "bank_name")
    return {f: getattr(a, f) for f in fields}


def _payee_body() -> dict[str, Any]:
    p = hospital_payee()
    return {f: getattr(p, f) for f in ("kind", "name", "bank_account_no", "bank_name")}


def _version_body() -> dict[str, Any]:
    d = wj_definition()
    version = d.current_version()
    return {
        "name": d.name,
        "priority": d.priority,
        "is_active": d.is_active,
        "body": version.body,
        "note": "scope",
    }


def wj_audit_record() -> Any:
    from yusuan.audit.models import AuditRecord

    return AuditRecord.objects.filter(mof_div_code="320509").order_by("pk").first()


# --- budget preparation (issue 18): the demo's 卫健委 went from 一上 to 批复 -------------------


def hospital_draft() -> Any:
    from yusuan.budgeting.models import BudgetDraft

    return BudgetDraft.objects.filter(organisation__name=HOSPITAL).order_by("pk").first()


def health_control() -> Any:
    from yusuan.budgeting.models import ControlIssue

    return ControlIssue.objects.filter(department__name="苏州市吴江区卫生健康委员会").first()


def health_reply() -> Any:
    from yusuan.budgeting.models import Reply

    return (
        Reply.objects.filter(organisation__name="苏州市吴江区卫生健康委员会").order_by("pk").first()
    )


def _draft_line(draft: Any) -> dict[str, Any]:
    from yusuan.budgeting.models import BudgetLine

    line = BudgetLine.objects.filter(round=draft.round, organisation=draft.organisation).first()
    return {"pk": draft.pk, "line_id": line.pk}


def _hospital_start() -> dict[str, Any]:
    return {"organisation": str(hospital().pk), "stage": "apply_2"}


def wj_round() -> Any:
    """The region's budget round (region-wide: every unit of the region works in it)."""
    from yusuan.budgeting.models import BudgetRound

    return BudgetRound.objects.filter(mof_div_code="320509").order_by("-fiscal_year").first()


def other_region_budget() -> None:
    """Another region's budget officer (``wz_budget``): holds every budgeting permission, so
    that a refusal of the region's rounds, control numbers and 批复 is the scope's (404)."""
    from yusuan.core.models import Organisation
    from yusuan.identity.models import User
    from yusuan.identity.services import UserData, user_create

    other_region()
    if User.objects.filter(username="wz_budget").exists():
        return
    bureau = Organisation.objects.get(mof_div_code=OTHER_REGION, name="苏州市吴中区财政局")
    data = UserData("wz_budget", "wz_budget", bureau.pk, ("budget_officer",))
    user_create(actor=None, data=data, password="Scope-Suite-2026")


def budget_division(target: Callable[[], Any], params: Any = None, **more: Any) -> Entry:
    """An entry for the budget division's writes: another region's budget officer is the
    outsider (the same permissions: 404 by scope), the region's own the insider."""
    fields: dict[str, Any] = {"outsider": "wz_budget", "insider": "wj_budget", **more}
    return Entry(target, params, setup=other_region_budget, **fields)


def _draft_line_ids(draft: Any) -> dict[str, Any]:
    return {"draft_id": draft.pk, "line_id": _draft_line(draft)["line_id"]}


def _reply_line_ids(reply: Any) -> dict[str, Any]:
    return {"reply_id": reply.pk, "line_id": reply.lines.order_by("pk").first().line_id}


def _control_ids(issue: Any) -> dict[str, Any]:
    return {"round_id": issue.round_id, "department_id": issue.department_id}


def _health_reply_body() -> dict[str, Any]:
    return {"department_id": health_control().department_id, "doc_no": "-"}


def _hospital_draft_body() -> dict[str, Any]:
    return {"stage": "apply_2", "organisation_id": hospital().pk}


def _workbook_body() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "file": SimpleUploadedFile(
            "scope.xlsx", b"PK scope", content_type="application/vnd.ms-excel"
        )
    }


ONLY_BUDGET_ROUNDS = (
    "only the budget division (wj_budget, wj_budget_chief, region-wide) holds "
    "budgeting.manage_round / issue_control / reply_budget; anyone else is refused before scope "
    "is looked at (tests/test_budget_pages.py)"
)


PK = _pk("pk")
ONLY_BUDGET = (
    "only the budget division (wj_budget, wj_budget_chief, region-wide) holds "
    "indicators.post_indicatordocument; anyone else is refused before scope is looked at"
)
ONLY_BUDGET_ANSWERS = (
    "indicators.answer_supplementrequest: only the budget division (wj_budget, wj_budget_chief, "
    "region-wide) answers 追加申请 (R-AJ-7); anyone else is refused before scope is looked at"
)
ONLY_APPROVERS = (
    "payments.change_refund / change_correction: school_approver, edu_approver (both in the "
    "school's scope) and wj_treasury (region-wide); anyone else is refused before scope is "
    "looked at. The page (payments:refund_confirm, correction_post) loads the request first: 404"
)
ONLY_ADMINS = (
    "only region-wide roles (wj_admin, wj_budget, wj_treasury) hold the permission; a unit clerk "
    "is refused before scope is looked at"
)

ONLY_PERSONNEL = (
    "only the finance 人员库管理岗 (wj_personnel, region-wide) holds the permission; a unit clerk is "
    "refused before scope is looked at"
)
ONLY_CHIEF_ACCOUNTANT = (
    "only the school's 会计主管 holds accounting.review_vouchers in the tiny demo: anyone else is "
    "refused before scope is looked at (the scope check: tests/test_accounting_api.py)"
)
VOUCHER_IDS = (
    "vouchers picked by id in the body (a batch): another unit's is a 404 and none of the batch "
    "changes (tests/test_accounting_api.py, tests/test_accounting_pages.py)"
)
SNAPSHOT_REGION = (
    "a budget snapshot is the region's (no owning unit); its rows are narrowed to the caller's "
    "units by visible_to (tests/test_personnel.py, tests/test_personnel_api.py)"
)

# --- pages ----------------------------------------------------------------------------------------

# --- unit accounting (issue 19): the school's books; the government office's clerk also holds
# the accountant role (the demo's 出纳+会计 example), so a refusal of the school's is by scope.


def school_voucher() -> Any:
    from yusuan.accounting.models import Voucher

    return Voucher.objects.filter(book__organisation__name=SCHOOL).order_by("pk").first()


def school_book() -> Any:
    from yusuan.accounting.models import Book

    return Book.objects.filter(organisation__name=SCHOOL).order_by("-fiscal_year").first()


def school_card() -> Any:
    from yusuan.accounting.models import AssetCard

    return AssetCard.objects.filter(organisation__name=SCHOOL).order_by("pk").first()


def _book_pk(book: Any) -> dict[str, Any]:
    return {"book_pk": book.pk}


def _ledger(book: Any) -> dict[str, Any]:
    return {"book_pk": book.pk, "code": "6001"}


def books(target: Callable[[], Any], params: Any = None, **more: Any) -> Entry:
    fields: dict[str, Any] = {"outsider": "office_clerk", "insider": "school_accountant", **more}
    return Entry(target, params, **fields)


PAGES: dict[str, Entry] = {
    "accounting:overview": books(
        school_book, marker=lambda b: f"/accounting/books/{b.pk}/trial-balance/"
    ),
    "accounting:vouchers": books(
        school_voucher,
        marker=link("accounting:voucher_detail"),
        query=lambda v: f"q={v.source_number}",
    ),
    "accounting:voucher_detail": books(school_voucher, PK),
    "accounting:voucher_edit": books(school_voucher, PK),
    "accounting:voucher_delete": books(school_voucher, PK, method="post"),
    "accounting:voucher_reverse": books(
        school_voucher, PK, method="post", body={"voucher_date": "2026-06-30", "reason": "scope"}
    ),
    "accounting:periods": books(school_book, _book_pk),
    "accounting:period_action": books(
        school_book,
        lambda b: {"book_pk": b.pk, "month": 12, "action": "close"},
        method="post",
        refused=403,
        why=ONLY_CHIEF_ACCOUNTANT,
    ),
    "accounting:trial_balance": books(school_book, _book_pk),
    "accounting:ledger": books(school_book, _ledger),
    "accounting:reconciliation": books(school_book, _book_pk),
    "accounting:statements": books(school_book, _book_pk),
    "accounting:journal": books(school_book, _book_pk),
    "accounting:assets": books(school_card, marker=lambda c: c.code),
    "accounting:depreciation": books(
        school_book, lambda b: {"book_pk": b.pk, "month": 12}, method="post"
    ),
    "accounting:statement": books(school_book, lambda b: {"book_pk": b.pk, "key": "balance"}),
    "accounting:summary_statements": books(
        school_book,
        marker=lambda b: f"<li>{b.organisation.name}</li>",
        query=lambda b: f"year={b.fiscal_year}",
    ),
    # core
    "core:organisation_list": Entry(
        hospital,
        outsider="school_clerk",
        insider="health_clerk",
        marker=link("core:organisation_detail"),
        query=lambda o: f"q={o.name}",
    ),
    "core:organisation_detail": Entry(
        hospital, PK, outsider="school_clerk", insider="health_clerk"
    ),
    "core:organisation_edit": Entry(hospital, PK, outsider="school_approver", insider="wj_budget"),
    "core:units_export": Entry(
        hospital,
        outsider="school_clerk",
        insider="health_clerk",
        marker=lambda o: o.name,
        query=lambda o: "format=csv",
    ),
    "core:bank_account_list": Entry(
        hospital_account,
        outsider="school_clerk",
        insider="health_clerk",
        marker=link("core:bank_account_detail"),
    ),
    "core:bank_account_detail": Entry(
        hospital_account, PK, outsider="school_clerk", insider="health_clerk"
    ),
    "core:bank_account_edit": Entry(
        hospital_account,
        PK,
        outsider="school_clerk",
        insider="wj_budget",
        refused=403,
        why=ONLY_ADMINS,
    ),
    "core:payee_list": Entry(
        hospital_payee,
        outsider="school_clerk",
        insider="hospital_clerk",
        marker=link("core:payee_detail"),
        query=lambda p: f"q={p.name}",
    ),
    "core:payee_detail": Entry(
        hospital_payee, PK, outsider="school_clerk", insider="hospital_clerk"
    ),
    # Editing shows the unmasked identity number: people holding core.view_personal_data.
    "core:payee_edit": Entry(
        hospital_payee, PK, outsider="school_cashier", insider="hospital_cashier"
    ),
    # region-wide data: the outsider is another region's administrator or treasury officer
    "identity:user_list": region_wide(
        wj_user, marker=link("identity:user_detail"), query=lambda u: f"q={u.username}"
    ),
    "identity:user_detail": region_wide(wj_user, PK),
    "core:code_edit": region_wide(wj_code, PK),
    "core:fiscal_year_close": region_wide(wj_open_year, PK, method="post"),
    # ADR 0039: the standards of a region's year; another region's administrator sees none.
    "core:standard_list": region_wide(
        wj_standard,
        marker=lambda s: f'hx-get="/core/standards/{s.pk}/history/"',  # the history drawer
        query=lambda s: f"year={s.fiscal_year}",
    ),
    "core:standard_history": region_wide(wj_standard, PK),
    "core:standard_edit": region_wide(wj_standard, PK, insider="wj_budget"),
    "workflow:definition_list": region_wide(
        wj_definition, marker=link("workflow:definition_detail")
    ),
    "workflow:definition_detail": region_wide(wj_definition, PK),
    "workflow:definition_edit": region_wide(wj_definition, PK),
    "payments:bank_file_download": region_wide(
        wj_bank_file, PK, outsider="wz_treasury", insider="wj_treasury"
    ),
    # projects
    "projects:project_list": Entry(
        school_project, marker=link("projects:project_detail"), query=lambda p: f"q={p.name}"
    ),
    "projects:project_detail": Entry(school_project, PK),
    "projects:project_edit": Entry(school_project, PK),
    "projects:project_submit": Entry(school_project, PK, method="post"),
    "projects:project_rows": Entry(school_project, lambda p: {"pk": p.pk, "section": "goal"}),
    "projects:document_add": Entry(school_project, PK, method="post"),
    "projects:document_remove": Entry(school_basis_document, _document_pk, method="post"),
    "projects:document_download": Entry(school_basis_document, _document_pk),
    "projects:project_end": Entry(lambda: school_project("stored"), PK, method="post"),
    "projects:change_start": Entry(lambda: school_project("stored"), PK, method="post"),
    "projects:change_detail": Entry(school_project_change, PK),
    "projects:change_submit": Entry(school_project_change, PK, method="post"),
    "projects:change_cancel": Entry(school_project_change, PK, method="post"),
    "projects:review_create": Entry(
        lambda: submitted_project(), PK, insider="wj_performance", refused=403, why=ONLY_REVIEWERS
    ),
    # issue 17: library reports, the declaration workbook and the 绩效目标表 (DOMAIN-2 §2.3, §7.1)
    "projects:report_reserve": Entry(school_project, marker=school_department_link),
    "projects:goal_table": Entry(school_project, PK),
    "projects:project_export": Entry(school_project, PK),
    # workflow
    "workflow:instance_detail": Entry(school_round, PK, insider="school_approver"),
    "workflow:instance_summary": Entry(school_round, PK, insider="school_approver"),
    "workflow:document_summary": Entry(
        school_request,
        lambda r: {"document_type": "payments.request", "object_id": r.pk},
    ),
    "workflow:instance_action": Entry(
        school_round,
        lambda i: {"pk": i.pk, "action": "approve"},
        insider="school_approver",
        method="post",
        body={"step": 0, "comment": "scope"},
    ),
    "workflow:submissions": Entry(school_round, marker=link("workflow:instance_detail")),
    "workflow:inbox": Entry(
        school_round, insider="school_approver", marker=link("workflow:instance_detail")
    ),
    # The demo's one delegation: 教育局's approver to its reviewer.
    "workflow:attachment": Entry(attachment, PK),
    "workflow:notifications": Entry(notification, marker=lambda n: n.message_zh),
    "workflow:delegation_list": Entry(
        delegation, outsider="school_approver", insider="edu_approver", marker=lambda d: d.reason
    ),
    "workflow:delegation_revoke": Entry(
        delegation, PK, outsider="school_approver", insider="edu_approver", method="post"
    ),
    # indicators
    "indicators:ledger": Entry(
        school_line,
        marker=link("indicators:line_detail"),
        query=lambda x: f"organisation={x.organisation.code}",
    ),
    "indicators:line_detail": Entry(school_line, PK),
    "indicators:transfer_breaches": Entry(
        transfer_line,
        outsider="school_clerk",
        insider="wj_budget",
        marker=link("indicators:line_detail"),
    ),
    "indicators:line_lookup": Entry(
        school_line, marker=lambda x: x.summary, query=lambda x: f"code={x.code}"
    ),
    "indicators:document_list": Entry(
        school_document,
        marker=link("indicators:document_detail"),
        query=lambda d: f"q={d.number}",
    ),
    "indicators:document_detail": Entry(school_document, PK),
    "indicators:source_list": finance_data(wj_source, marker=link("indicators:source_detail")),
    "indicators:source_detail": finance_data(wj_source, PK),
    "indicators:adjustment_list": finance_data(
        wj_adjustment, marker=link("indicators:adjustment_detail")
    ),
    "indicators:adjustment_detail": finance_data(wj_adjustment, PK),
    "indicators:document_edit": Entry(school_document, PK),
    "indicators:document_post": Entry(
        lambda: school_document("submitted"),
        PK,
        insider="wj_budget",
        method="post",
        refused=302,
        why=ONLY_BUDGET + "; the page flashes the refusal and goes back",
    ),
    "indicators:document_void": Entry(school_document, PK, method="post"),
    "indicators:document_submit": Entry(school_document, PK, method="post"),
    "personnel:person_list": Entry(
        school_person,
        marker=link("personnel:person_detail"),
        query=lambda p: f"unit={p.organisation_id}&q={p.id_number[-4:]}",
    ),
    "personnel:person_detail": Entry(school_person, PK),
    "personnel:change_list": Entry(school_change, marker=link("personnel:change_detail")),
    "personnel:change_detail": Entry(school_change, PK),
    "personnel:change_submit": Entry(school_change, PK, method="post"),
    "personnel:change_edit": Entry(school_change, PK),
    "personnel:establishment_list": Entry(school_unit, marker=lambda o: o.name),
    # Budget preparation (issue 18): the hospital's drafts and 卫健委's control numbers and 批复.
    "budgeting:overview": Entry(
        hospital_draft,
        outsider="school_clerk",
        insider="hospital_clerk",
        marker=link("budgeting:draft_detail"),
    ),
    "budgeting:draft_detail": Entry(
        hospital_draft, PK, outsider="school_clerk", insider="hospital_clerk"
    ),
    "budgeting:draft_submit": Entry(
        hospital_draft, PK, outsider="school_clerk", insider="hospital_clerk", method="post"
    ),
    "budgeting:line_save": Entry(
        hospital_draft, PK, outsider="school_clerk", insider="hospital_clerk", method="post"
    ),
    # The draft's lines in and out of Excel (issue 18 item 5): the hospital's approved draft
    # exports and gives its template; its import is refused by state (409) to its own clerk.
    "budgeting:draft_export": Entry(
        hospital_draft, PK, outsider="school_clerk", insider="hospital_clerk"
    ),
    "budgeting:draft_template": Entry(
        hospital_draft, PK, outsider="school_clerk", insider="hospital_clerk"
    ),
    "budgeting:draft_import": Entry(
        hospital_draft, PK, outsider="school_clerk", insider="hospital_clerk", method="post"
    ),
    "budgeting:line_remove": Entry(
        hospital_draft,
        _draft_line,
        outsider="school_clerk",
        insider="hospital_clerk",
        method="post",
    ),
    "budgeting:draft_start": Entry(
        hospital_draft,
        lambda d: {"pk": d.round_id},
        outsider="school_clerk",
        insider="hospital_clerk",
        method="post",
        body=_hospital_start,
    ),
    "budgeting:control_detail": Entry(
        health_control,
        lambda c: {"pk": c.round_id, "department_id": c.department_id},
        outsider="school_clerk",
        insider="health_clerk",
    ),
    "budgeting:reply_units": Entry(
        health_reply, PK, outsider="school_clerk", insider="health_clerk", method="post"
    ),
    "budgeting:reply_detail": Entry(
        health_reply, PK, outsider="school_clerk", insider="health_clerk"
    ),
    # The budget tables (DOMAIN-2 §4.3): a unit's own (another unit's are a 404), a department's
    # (another department's are a 404; tests/test_budget_tables.py checks levels and the district).
    "budgeting:tables": Entry(
        hospital_draft,
        lambda d: {"pk": d.round_id, "organisation_id": d.organisation_id},
        outsider="school_clerk",
        insider="hospital_clerk",
    ),
    "budgeting:table": Entry(
        health_control,
        lambda c: {"pk": c.round_id, "organisation_id": c.department_id, "table": "1"},
        outsider="edu_clerk",
        insider="health_clerk",
    ),
    # Basic expenditure by quota (R-PJ-5, R-PJ-8): a unit's tables and drill-down.
    "projects:basic_unit": Entry(school_unit, _pk("organisation_id")),
    "projects:basic_people": Entry(school_unit, _pk("organisation_id")),
    "indicators:supplement_list": Entry(
        school_supplement,
        marker=link("indicators:supplement_detail"),
        query=lambda r: f"q={r.number}",
    ),
    "indicators:supplement_detail": Entry(school_supplement, PK),
    "indicators:supplement_edit": Entry(school_supplement, PK),
    "indicators:supplement_submit": Entry(school_supplement, PK, method="post"),
    "indicators:supplement_answer": Entry(
        school_supplement,
        PK,
        insider="wj_budget",
        method="post",
        body=any_document_id,
        refused=403,
        why=ONLY_BUDGET_ANSWERS,
    ),
    # payments
    "payments:request_list": Entry(
        school_request, marker=link("payments:request_detail"), query=lambda r: f"q={r.number}"
    ),
    "payments:request_detail": Entry(school_request, PK),
    "payments:request_edit": Entry(school_request, PK),
    "payments:request_submit": Entry(school_request, PK, method="post"),
    "monitoring:request_explain": Entry(
        lambda: school_request("blocked"), PK, method="post", body={"explanation": "scope"}
    ),
    "payments:request_void": Entry(school_request, PK, method="post"),
    # R-PY-12: the treasury records a 实拨 voucher's receipt; another region's treasury: 404.
    "payments:allocation_receipt": region_wide(
        vouchered_request,
        PK,
        outsider="wz_treasury",
        insider="wj_treasury",
        method="post",
        body={"outcome": "paid", "reference": "SCOPE-1"},
    ),
    # R-MO-14: the monitoring officer's queue, a finding and its decision.
    "monitoring:queue": Entry(
        school_finding,
        outsider="wj_sector_social",
        insider="wj_monitor",
        marker=lambda f: f"/payments/monitoring/findings/{f.pk}/",
    ),
    "monitoring:finding_list": Entry(
        school_finding,
        outsider="wj_sector_social",
        insider="wj_sector_edu",
        marker=lambda f: f"/payments/monitoring/findings/{f.pk}/",
        query=lambda f: "status=explained",
    ),
    "monitoring:finding_detail": Entry(school_finding, PK),
    # Inquiries (问询单): the school's is the school clerk's and the finance bureau's only.
    "monitoring:inquiry_list": Entry(school_inquiry, marker=lambda q: q.number),
    "monitoring:inquiry_detail": Entry(school_inquiry, PK),
    "monitoring:inquiry_reply": Entry(
        school_inquiry, PK, method="post", body={"text": "范围测试：已核实，情况属实。"}
    ),
    "monitoring:inquiry_decide": Entry(
        school_inquiry,
        PK,
        outsider="wj_sector_social",
        insider="wj_monitor",
        method="post",
        body={"decision": "normal"},
    ),
    "monitoring:inquiry_issue": Entry(
        school_scan_finding,
        PK,
        outsider="wj_sector_social",
        insider="wj_monitor",
        method="post",
        body={"question": "范围测试：请核实年末支付情况。", "answer_due": "2099-01-01"},
    ),
    "monitoring:finding_decide": Entry(
        school_finding,
        PK,
        outsider="wj_sector_social",
        insider="wj_monitor",
        method="post",
        body={"decision": "normal"},
    ),
    "payments:voucher_print": Entry(lambda: school_request("paid"), PK),
    "payments:voucher_pdf": Entry(lambda: school_request("paid"), PK),
    "payments:refund_new": Entry(paid_line, lambda x: {"pk": x.request_id, "row": x.row}),
    "payments:correction_new": Entry(paid_line, lambda x: {"pk": x.request_id, "row": x.row}),
    "payments:refund_confirm": Entry(
        registered_refund,
        lambda r: {"pk": r.line.request_id, "refund_id": r.pk},
        insider="school_approver",
        method="post",
    ),
    "payments:correction_post": Entry(
        correction,
        lambda c: {"pk": c.line.request_id, "correction_id": c.pk},
        insider="school_approver",
        method="post",
    ),
    "procurement:contract_list": Entry(contract, marker=lambda c: c.number),
    "procurement:contract_detail": Entry(contract, PK),
    "procurement:intention_list": Entry(intention, marker=lambda i: i.number),
    "procurement:intention_detail": Entry(intention, PK),
    "procurement:plan_list": Entry(plan, marker=lambda p: p.number),
    "procurement:plan_detail": Entry(plan, PK),
    "procurement:change_detail": Entry(procurement_change, PK),
    "procurement:execution_report": Entry(
        plan, marker=lambda p: p.organisation.name, query=lambda p: f"year={p.fiscal_year}"
    ),
    # The execution report by unit: the school's row is the school clerk's, not the hospital's.
    "reports:execution": Entry(school, marker=lambda o: o.name, query=lambda o: "dims=unit"),
    # The consistency panel by unit: the school's row is the school clerk's only.
    "reports:consistency": Entry(school, marker=lambda o: o.name, query=lambda o: "level=unit"),
    "payroll:batch_list": Entry(payroll_batch, marker=link("payroll:batch_detail")),
    "payroll:batch_detail": Entry(payroll_batch, PK),
}

REGION_WIDE = (
    "region-wide data (reference data, configuration, the finance bureau's work) for region-wide "
    "roles only; no unit's object. Region scoping itself is checked on the id pages of the same "
    "kind against another region (core:code_edit, workflow:definition_detail, identity:user_detail)"
)
NO_OBJECT = "shows no stored object: nothing to scope"
CREATE = (
    "a blank form for the caller's own unit: no object id; the ids it posts are refused out of "
    "scope by the service (not checked by this suite)"
)

PAGE_EXEMPT: dict[str, str] = {
    "monitoring:scan_now": (
        "runs the scan over a region the caller covers whole; a department-scoped reviewer and "
        "another region are a 404 (tests/test_monitoring_scans.py)"
    ),
    "portal:home": "links and the caller's own counts only",
    "portal:grid_columns": "the caller's own column choice for a grid: no object, no scope",
    "accounting:voucher_new": CREATE,
    "procurement:intention_new": CREATE,
    "procurement:plan_new": CREATE,
    "procurement:change_new": "a change's form names its plan or contract in the query string "
    "(?plan=, ?contract=); another unit's is a 404 (tests/test_procurement_changes.py)",
    "procurement:catalogue": "region-wide reference data of the caller's own region (the "
    "集中采购目录 and the thresholds, as the standards page): no object id",
    "procurement:public_intentions": "public by design (R-GP-1): what units published, for anyone "
    "without signing in; drafts never listed (test_procurement_intentions)",
    "accounting:voucher_batch": VOUCHER_IDS,
    "accounting:asset_new": CREATE,
    "accounting:summary_statement": "one statement of the sum accounting:summary_statements "
    "checks (books the caller sees, visible_to); the outsider's sum lacks the school's figures "
    "(tests/test_accounting_statements.py)",
    "healthz": NO_OBJECT,
    "favicon.ico": NO_OBJECT,
    "set_language": NO_OBJECT,
    "javascript-catalog": NO_OBJECT,
    "identity:login": NO_OBJECT,
    "identity:logout": NO_OBJECT,
    "identity:password_change": "the caller's own password",
    "identity:sod_report": REGION_WIDE,
    "identity:user_create": CREATE,
    "identity:token_list": "the caller's own tokens only (api_token_list(actor=…))",
    "identity:token_admin": REGION_WIDE,
    "core:organisation_create": CREATE,
    "core:units_import": CREATE,
    "core:bank_account_create": CREATE,
    "core:payee_create": CREATE,
    "core:fiscal_year_list": REGION_WIDE,
    "core:fiscal_year_open": REGION_WIDE,
    "core:code_list": REGION_WIDE,
    "core:code_export": REGION_WIDE,
    "core:economic_mapping": REGION_WIDE,
    "core:code_import": REGION_WIDE,
    "core:region_list": REGION_WIDE,
    "audit:log": REGION_WIDE + " (audit.view_all_audit: administrators and auditors)",
    "workflow:inbox_approve": "posts the caller's own inbox selection; each id goes through "
    "instance_approve's scoped load (workflow:instance_action is checked)",
    "workflow:overdue": "visible_to-scoped, but workflow.view_workflowinstance is held only by "
    "approvers and finance roles, and every one of them sees the school's rounds: no outsider",
    "workflow:definition_create": REGION_WIDE,
    "workflow:preview": REGION_WIDE,
    "workflow:calendar": REGION_WIDE + " (the national working-day calendar)",
    "workflow:calendar_day_remove": REGION_WIDE + " (the national working-day calendar)",
    "workflow:shared_devices": REGION_WIDE,
    "projects:project_create": CREATE,
    "projects:library": REGION_WIDE + " (R-PJ-12: the budget division rolls the region's library)",
    "projects:declarations_import": CREATE,
    "projects:declarations_template": NO_OBJECT + " (the empty declaration workbook)",
    "projects:declarations_export": "a workbook of the library list's visible_to-scoped "
    "projects (binary: no marker); another unit's projects are absent "
    "(tests/test_project_reports.py)",
    "projects:report_states": "counts and sums by state of visible_to-scoped projects; names no "
    "project or unit",
    "projects:report_rolling": "visible_to-scoped like projects:report_reserve (the library's "
    "plans; the tiny demo's library projects have none, so no marker); another unit's "
    "department is absent (tests/test_project_reports.py)",
    "projects:ranking": "the caller's own department's stored projects only (R-PJ-6: "
    "selectors.ranking_candidates, visible_to and the department's subtree); no object id",
    "indicators:index": "a redirect to indicators:ledger",
    "indicators:document_new": CREATE,
    "personnel:change_create": CREATE,
    "personnel:person_template": NO_OBJECT,
    "personnel:person_import": ONLY_PERSONNEL,
    "personnel:person_export": "the people list's own queryset (visible_to) as a sheet, ID numbers "
    "masked (tests/test_personnel_pages.py)",
    "personnel:snapshot_list": SNAPSHOT_REGION,
    "personnel:snapshot_detail": SNAPSHOT_REGION,
    "indicators:supplement_new": CREATE,
    "indicators:route_preview": CREATE,
    "payments:request_new": CREATE,
    "monitoring:settings": REGION_WIDE
    + " (R-MO-14 levels and thresholds; another region's code is a 404, test_review)",
    "payroll:sheet_template": NO_OBJECT + " (an empty salary sheet)",
    "payments:bank_exchange": REGION_WIDE + " (the treasury's bank exchange)",
    "^api/v1/": "the API's catch-all 404",
    "projects:basic_summary": "the region's run; its rows are narrowed by visible_to (a unit sees "
    "its own line only; tests/test_basic_expenditure_pages.py)",
    "projects:basic_compute": REGION_WIDE + " (projects.compute_basic: the budget division only)",
    "budgeting:round_open": ONLY_BUDGET_ROUNDS,
    "budgeting:revenue_plan": ONLY_BUDGET_ROUNDS,
    "budgeting:congress": ONLY_BUDGET_ROUNDS,
    "budgeting:control_save": ONLY_BUDGET_ROUNDS,
    "budgeting:control_issue": ONLY_BUDGET_ROUNDS,
    "budgeting:reply_create": ONLY_BUDGET_ROUNDS,
    "budgeting:reply_submit": ONLY_BUDGET_ROUNDS,
    "budgeting:reply_generate": ONLY_BUDGET_ROUNDS,
    "budgeting:reply_line": ONLY_BUDGET_ROUNDS,
    "projects:basic_override": "only the budget division (region-wide) holds "
    "projects.override_basic; anyone else is refused before scope is looked at "
    "(tests/test_basic_expenditure_pages.py)",
}

# --- API operations -------------------------------------------------------------------------------

API: dict[str, Entry] = {
    "yusuan_projects_api_list_projects": Entry(
        school_project, marker=lambda p: p.code, query=lambda p: f"q={p.code}"
    ),
    "yusuan_projects_api_get_project": Entry(school_project, _pk("project_id")),
    "yusuan_projects_api_update_project": Entry(
        school_project, _pk("project_id"), method="put", body=_project_body
    ),
    "yusuan_projects_api_submit_project": Entry(school_project, _pk("project_id"), method="post"),
    "yusuan_projects_api_get_declaration": Entry(school_project, _pk("project_id")),
    "yusuan_projects_api_start_change": Entry(
        lambda: school_project("stored"), _pk("project_id"), method="post", body={"reason": "-"}
    ),
    "yusuan_projects_api_get_change": Entry(school_project_change, _pk("change_id")),
    "yusuan_projects_api_cancel_change": Entry(
        school_project_change, _pk("change_id"), method="post"
    ),
    "yusuan_projects_api_end_project": Entry(
        lambda: school_project("stored"),
        _pk("project_id"),
        method="post",
        body={"ending": "terminate", "reason": "-"},
    ),
    "yusuan_projects_api_delete_document": Entry(
        school_basis_document,
        lambda d: {"project_id": d.project_id, "document_id": d.pk},
        method="delete",
    ),
    "yusuan_projects_api_list_library": Entry(
        school_project, marker=lambda p: p.code, query=lambda p: f"q={p.code}"
    ),
    "yusuan_projects_api_report_reserve": Entry(school_project, marker=school_department_code),
    "yusuan_projects_api_get_goal_table": Entry(school_project, _pk("project_id")),
    "yusuan_projects_api_put_plans": Entry(
        school_project, _pk("project_id"), method="put", body={"rows": []}
    ),
    "yusuan_projects_api_put_calculation": Entry(
        school_project, _pk("project_id"), method="put", body={"rows": []}
    ),
    "yusuan_projects_api_put_goal": Entry(
        school_project, _pk("project_id"), method="put", body={"annual": "-", "indicators": []}
    ),
    "yusuan_projects_api_post_document_file": Entry(
        school_project, _pk("project_id"), method="post", body=_document_file_body
    ),
    "yusuan_projects_api_get_document_file": Entry(
        school_basis_document, lambda d: {"project_id": d.project_id, "document_id": d.pk}
    ),
    "yusuan_projects_api_post_document": Entry(
        school_project,
        _pk("project_id"),
        method="post",
        body={"kind": "policy", "doc_no": "-", "title": "-"},
    ),
    "yusuan_projects_api_post_review": Entry(
        lambda: submitted_project(),
        _pk("project_id"),
        insider="wj_performance",
        method="post",
        body={"kind": "ex_ante", "conclusion": "support", "opinion": "-"},
        refused=403,
        why=ONLY_REVIEWERS,
    ),
    # Budget preparation (issue 18 item 7): the hospital's drafts, 卫健委's control numbers and
    # 批复; the region's round against another region's budget officer.
    "yusuan_budgeting_api_list_rounds": Entry(
        wj_round,
        outsider="wz_budget",
        marker=lambda r: f'"id": {r.pk}, "mof_div_code"',
        setup=other_region_budget,
    ),
    "yusuan_budgeting_api_get_round": Entry(
        wj_round, _pk("round_id"), outsider="wz_budget", setup=other_region_budget
    ),
    "yusuan_budgeting_api_record_congress": budget_division(
        wj_round,
        _pk("round_id"),
        method="post",
        body={"decision_no": "-", "decision_date": "2027-01-12"},
    ),
    "yusuan_budgeting_api_list_drafts": Entry(
        hospital_draft,
        outsider="school_clerk",
        insider="hospital_clerk",
        marker=lambda d: d.number,
        query=lambda d: f"round_id={d.round_id}",
    ),
    "yusuan_budgeting_api_get_draft": Entry(
        hospital_draft, _pk("draft_id"), outsider="school_clerk", insider="hospital_clerk"
    ),
    "yusuan_budgeting_api_start_draft": Entry(
        hospital_draft,
        lambda d: {"round_id": d.round_id},
        outsider="school_clerk",
        insider="hospital_clerk",
        method="post",
        body=_hospital_draft_body,
    ),
    "yusuan_budgeting_api_add_line": Entry(
        hospital_draft,
        _pk("draft_id"),
        outsider="school_clerk",
        insider="hospital_clerk",
        method="post",
        body={"amount": "1"},
    ),
    "yusuan_budgeting_api_update_line": Entry(
        hospital_draft,
        _draft_line_ids,
        outsider="school_clerk",
        insider="hospital_clerk",
        method="put",
        body={"amount": "1"},
    ),
    "yusuan_budgeting_api_remove_line": Entry(
        hospital_draft,
        _draft_line_ids,
        outsider="school_clerk",
        insider="hospital_clerk",
        method="delete",
    ),
    "yusuan_budgeting_api_submit_draft": Entry(
        hospital_draft,
        _pk("draft_id"),
        outsider="school_clerk",
        insider="hospital_clerk",
        method="post",
    ),
    "yusuan_budgeting_api_import_draft": Entry(
        hospital_draft,
        _pk("draft_id"),
        outsider="school_clerk",
        insider="hospital_clerk",
        method="post",
        body=_workbook_body,
    ),
    "yusuan_budgeting_api_record_units_replied": Entry(
        health_reply,
        _pk("reply_id"),
        outsider="school_clerk",
        insider="health_clerk",
        method="post",
        body={"units_replied_on": "2026-06-30"},
    ),
    "yusuan_budgeting_api_get_revenue_plan": budget_division(
        health_control, lambda c: {"round_id": c.round_id}
    ),
    "yusuan_budgeting_api_put_revenue_plan": budget_division(
        health_control,
        lambda c: {"round_id": c.round_id},
        method="put",
        body={"rows": []},
    ),
    "yusuan_budgeting_api_get_control": Entry(
        health_control, _control_ids, outsider="school_clerk", insider="health_clerk"
    ),
    "yusuan_budgeting_api_put_control": budget_division(
        health_control, _control_ids, method="put", body={"numbers": []}
    ),
    "yusuan_budgeting_api_fill_control": budget_division(
        health_control, _control_ids, method="post"
    ),
    "yusuan_budgeting_api_issue_control": budget_division(
        health_control, _control_ids, method="post"
    ),
    "yusuan_budgeting_api_list_replies": Entry(
        health_reply,
        outsider="school_clerk",
        insider="health_clerk",
        marker=lambda r: r.number,
        query=lambda r: f"department_id={r.organisation_id}",
    ),
    "yusuan_budgeting_api_get_reply": Entry(
        health_reply, _pk("reply_id"), outsider="school_clerk", insider="health_clerk"
    ),
    "yusuan_budgeting_api_list_reply_indicators": Entry(
        health_reply, _pk("reply_id"), outsider="school_clerk", insider="health_clerk"
    ),
    "yusuan_budgeting_api_create_reply": budget_division(
        health_reply, lambda r: {"round_id": r.round_id}, method="post", body=_health_reply_body
    ),
    "yusuan_budgeting_api_put_reply_line": budget_division(
        health_reply, _reply_line_ids, method="put", body={"amount": "1"}
    ),
    "yusuan_budgeting_api_create_reply_change": budget_division(
        health_reply,
        _pk("reply_id"),
        method="post",
        body={"doc_no": "-", "reason": "-", "figures": []},
    ),
    "yusuan_budgeting_api_submit_reply": budget_division(
        health_reply, _pk("reply_id"), method="post"
    ),
    "yusuan_budgeting_api_generate_indicators": budget_division(
        health_reply, _pk("reply_id"), method="post"
    ),
    "yusuan_workflow_tests_memos_api_get_memo": Entry(school_memo, _pk("memo_id")),
    "yusuan_workflow_tests_memos_api_submit_memo": Entry(
        school_memo, _pk("memo_id"), method="post"
    ),
    # issue 14 item 6: what the master-data, user, definition and audit pages do
    "yusuan_core_api_update_organisation": Entry(
        hospital,
        _pk("organisation_id"),
        outsider="school_approver",
        insider="wj_budget",
        method="put",
        body=_organisation_body,
    ),
    "yusuan_core_api_update_bank_account": Entry(
        hospital_account,
        _pk("account_id"),
        outsider="school_clerk",
        insider="wj_budget",
        method="put",
        body=_account_body,
        refused=403,
        why=ONLY_ADMINS,
    ),
    "yusuan_core_api_update_payee": Entry(
        hospital_payee,
        _pk("payee_id"),
        outsider="school_cashier",
        insider="hospital_cashier",
        method="put",
        body=_payee_body,
    ),
    "yusuan_core_api_update_code": region_wide(
        wj_code, _pk("code_id"), method="put", body={"name": "scope", "is_enabled": True}
    ),
    "yusuan_core_api_close_fiscal_year": region_wide(
        wj_open_year, _pk("fiscal_year_id"), method="post"
    ),
    "yusuan_core_standards_api_list_standards": region_wide(
        wj_standard,
        marker=lambda s: f'"id": {s.pk}, "mof_div_code"',
        query=lambda s: f"fiscal_year={s.fiscal_year}",
    ),
    "yusuan_core_standards_api_standard_versions": region_wide(wj_standard, _pk("standard_id")),
    "yusuan_identity_api_list_users": region_wide(
        wj_user, marker=lambda u: u.username, query=lambda u: f"q={u.username}"
    ),
    "yusuan_identity_api_get_user": region_wide(wj_user, _pk("user_id")),
    "yusuan_identity_api_set_user_roles": region_wide(
        wj_user, _pk("user_id"), method="put", body={"roles": ["unit_clerk"]}
    ),
    "yusuan_identity_api_activate_user": region_wide(wj_user, _pk("user_id"), method="post"),
    "yusuan_identity_api_deactivate_user": region_wide(wj_user, _pk("user_id"), method="post"),
    "yusuan_identity_api_unlock_user": region_wide(wj_user, _pk("user_id"), method="post"),
    "yusuan_identity_api_reset_user_password": region_wide(
        wj_user, _pk("user_id"), method="post", body={"password": "Scope-Suite-2026-reset"}
    ),
    "yusuan_identity_api_issue_user_token": region_wide(
        wj_user,
        _pk("user_id"),
        method="post",
        body={"name": "scope", "scopes": ["payments:read"], "days": 1},
    ),
    "yusuan_workflow_api_list_definitions": region_wide(wj_definition, marker=lambda d: d.code),
    "yusuan_workflow_api_get_definition": region_wide(wj_definition, _pk("definition_id")),
    "yusuan_workflow_api_publish_definition": region_wide(
        wj_definition, _pk("definition_id"), method="post", body=_version_body
    ),
    "yusuan_audit_api_get_record": region_wide(wj_audit_record, _pk("record_id")),
    "yusuan_identity_api_revoke_token": Entry(
        api_token, _pk("token_id"), outsider="school_clerk", insider="wj_admin", method="post"
    ),
    "yusuan_core_api_list_organisations": Entry(
        hospital,
        outsider="school_clerk",
        insider="health_clerk",
        marker=lambda o: o.code,
        query=lambda o: f"q={o.name}",
    ),
    "yusuan_core_api_get_organisation": Entry(
        hospital, _pk("organisation_id"), outsider="school_clerk", insider="health_clerk"
    ),
    "yusuan_core_api_list_bank_accounts": Entry(
        hospital_account,
        outsider="school_clerk",
        insider="health_clerk",
        marker=lambda a: f'"id": {a.pk},',
        query=lambda a: "page_size=100",
    ),
    "yusuan_core_api_get_bank_account": Entry(
        hospital_account, _pk("account_id"), outsider="school_clerk", insider="health_clerk"
    ),
    "yusuan_core_api_list_payees": Entry(
        hospital_payee,
        outsider="school_clerk",
        insider="hospital_clerk",
        marker=lambda p: p.name,
        query=lambda p: f"q={p.name}",
    ),
    "yusuan_core_api_get_payee": Entry(
        hospital_payee, _pk("payee_id"), outsider="school_clerk", insider="hospital_clerk"
    ),
    "yusuan_workflow_api_inbox": Entry(
        school_round, insider="school_approver", marker=lambda i: i.title
    ),
    "yusuan_workflow_api_get_instance": Entry(
        school_round, _pk("instance_id"), insider="school_approver"
    ),
    "yusuan_workflow_api_document_rounds": Entry(
        submitted_project,
        lambda p: {"document_type": "projects.declaration", "object_id": p.pk},
    ),
    "yusuan_workflow_api_submit": Entry(
        school_project,
        lambda p: {"document_type": "projects.declaration", "object_id": p.pk},
        method="post",
    ),
    "yusuan_workflow_api_approve": Entry(
        school_round,
        _pk("instance_id"),
        insider="school_approver",
        method="post",
        body={"step": 0, "comment": "scope"},
    ),
    "yusuan_workflow_api_return_": Entry(
        school_round,
        _pk("instance_id"),
        insider="school_approver",
        method="post",
        body={"reason": "scope"},
    ),
    "yusuan_workflow_api_reject": Entry(
        school_round,
        _pk("instance_id"),
        insider="school_approver",
        method="post",
        body={"reason": "scope"},
    ),
    "yusuan_workflow_api_withdraw": Entry(
        school_round, _pk("instance_id"), method="post", body={"comment": "scope"}
    ),
    "yusuan_workflow_api_comment": Entry(
        school_round, _pk("instance_id"), method="post", body={"comment": "scope"}
    ),
    "yusuan_workflow_api_list_delegations": Entry(
        delegation, outsider="school_approver", insider="edu_approver", marker=lambda d: d.reason
    ),
    "yusuan_workflow_api_revoke_delegation": Entry(
        delegation,
        _pk("delegation_id"),
        outsider="school_approver",
        insider="edu_approver",
        method="post",
    ),
    "yusuan_indicators_api_list_lines": Entry(
        school_line, marker=lambda x: x.code, query=lambda x: f"organisation={x.organisation.code}"
    ),
    "yusuan_indicators_api_get_line": Entry(school_line, _pk("line_id")),
    "yusuan_indicators_api_list_transfer_breaches": Entry(
        transfer_line, outsider="school_clerk", insider="wj_budget", marker=lambda x: x.code
    ),
    "yusuan_indicators_api_list_movements": Entry(school_line, _pk("line_id")),
    "yusuan_indicators_api_list_documents": Entry(
        school_document, marker=lambda d: d.number, query=lambda d: "state=draft"
    ),
    "yusuan_indicators_api_get_document": Entry(school_document, _pk("document_id")),
    "yusuan_indicators_api_list_sources": finance_data(wj_source, marker=lambda x: x.code),
    "yusuan_indicators_api_get_source": finance_data(wj_source, _pk("source_id")),
    "yusuan_indicators_api_list_adjustments": finance_data(
        wj_adjustment, marker=lambda x: x.number
    ),
    "yusuan_indicators_api_get_adjustment": finance_data(wj_adjustment, _pk("adjustment_id")),
    "yusuan_indicators_api_update_document": Entry(
        school_document,
        _pk("document_id"),
        method="put",
        body={"kind": "adjust", "title": "scope", "lines": [{"amount": "0.01"}]},
    ),
    "yusuan_indicators_api_post_document": Entry(
        lambda: school_document("submitted"),
        _pk("document_id"),
        insider="wj_budget",
        method="post",
        refused=403,
        why=ONLY_BUDGET,
    ),
    "yusuan_indicators_api_void_document": Entry(
        school_document, _pk("document_id"), method="post"
    ),
    "yusuan_indicators_api_submit_document": Entry(
        school_document, _pk("document_id"), method="post"
    ),
    "yusuan_personnel_api_list_people": Entry(
        school_person, marker=masked_id, query=lambda p: f"organisation_id={p.organisation_id}"
    ),
    "yusuan_personnel_api_get_person": Entry(school_person, _pk("person_id")),
    "yusuan_personnel_api_person_history": Entry(school_person, _pk("person_id")),
    "yusuan_personnel_api_list_changes": Entry(
        school_change, marker=lambda c: c.number, query=lambda c: "state=draft"
    ),
    "yusuan_personnel_api_get_change": Entry(school_change, _pk("change_id")),
    "yusuan_personnel_api_submit_change": Entry(school_change, _pk("change_id"), method="post"),
    "yusuan_personnel_api_update_change": Entry(
        school_change, _pk("change_id"), method="put", body=_change_body
    ),
    "yusuan_personnel_api_list_establishments": Entry(school_unit, marker=lambda o: o.name),
    "yusuan_projects_api_get_basic_unit": Entry(school_unit, lambda o: {"organisation_id": o.pk}),
    "yusuan_indicators_supplements_api_list_supplements": Entry(
        school_supplement, marker=lambda r: r.number, query=lambda r: f"q={r.number}"
    ),
    "yusuan_indicators_supplements_api_get_supplement": Entry(school_supplement, _pk("request_id")),
    "yusuan_indicators_supplements_api_update_supplement": Entry(
        school_supplement,
        _pk("request_id"),
        method="put",
        body={"title": "scope", "amount": "1.00", "reason": "scope"},
    ),
    "yusuan_indicators_supplements_api_submit_supplement": Entry(
        school_supplement, _pk("request_id"), method="post"
    ),
    "yusuan_indicators_supplements_api_answer_supplement": Entry(
        school_supplement,
        _pk("request_id"),
        insider="wj_budget",
        method="post",
        body=any_document_id,
        refused=403,
        why=ONLY_BUDGET_ANSWERS,
    ),
    "yusuan_payments_api_list_requests": Entry(
        school_request, marker=lambda r: r.number, query=lambda r: "state=draft"
    ),
    "yusuan_payments_api_get_request": Entry(school_request, _pk("request_id")),
    "yusuan_payments_api_submit_request": Entry(school_request, _pk("request_id"), method="post"),
    "yusuan_payments_api_update_request": Entry(
        school_request,
        _pk("request_id"),
        method="put",
        # The path's request is looked up before the body is read: any well-formed body does.
        body={
            "business_type": "ordinary",
            "settlement_mode": "transfer",
            "purpose": "scope",
            "pay_date": "2026-06-30",
            "payer_account_id": 1,
            "lines": [{"indicator_line": "ZB-scope", "amount": "0.01"}],
        },
    ),
    "yusuan_payments_api_patch_request": Entry(
        school_request, _pk("request_id"), method="patch", body={"purpose": "scope"}
    ),
    "yusuan_payments_api_void_request": Entry(school_request, _pk("request_id"), method="post"),
    "yusuan_payments_api_record_allocation_receipt": region_wide(
        vouchered_request,
        _pk("request_id"),
        outsider="wz_treasury",
        insider="wj_treasury",
        method="post",
        body={"paid": True, "reference": "SCOPE-1"},
    ),
    "yusuan_payments_api_get_voucher": Entry(vouchered_request, _pk("request_id")),
    "yusuan_payments_api_download_voucher_pdf": Entry(vouchered_request, _pk("request_id")),
    "yusuan_payments_api_explain_request": Entry(
        lambda: school_request("blocked"),
        _pk("request_id"),
        method="post",
        body={"explanation": "scope"},
    ),
    "yusuan_payments_api_list_findings_awaiting_review": Entry(
        school_finding,
        outsider="wj_sector_social",
        insider="wj_monitor",
        marker=lambda f: f.request.number,
    ),
    "yusuan_payments_api_get_finding": Entry(school_finding, _pk("finding_id")),
    "yusuan_monitoring_inquiry_api_list_inquiries": Entry(
        school_inquiry, marker=lambda q: q.number
    ),
    "yusuan_monitoring_inquiry_api_get_inquiry": Entry(school_inquiry, _pk("inquiry_id")),
    "yusuan_monitoring_inquiry_api_reply_inquiry": Entry(
        school_inquiry,
        _pk("inquiry_id"),
        method="post",
        body={"text": "范围测试：已核实，情况属实。"},
    ),
    "yusuan_monitoring_inquiry_api_decide_inquiry": Entry(
        school_inquiry,
        _pk("inquiry_id"),
        outsider="wj_sector_social",
        insider="wj_monitor",
        method="post",
        body={"decision": "normal"},
    ),
    "yusuan_payments_api_decide_finding": Entry(
        school_finding,
        _pk("finding_id"),
        outsider="wj_sector_social",
        insider="wj_monitor",
        method="post",
        body={"decision": "normal"},
    ),
    "yusuan_payments_api_list_bank_files": region_wide(
        wj_bank_file,
        outsider="wz_treasury",
        insider="wj_treasury",
        marker=lambda f: f.message_id,
    ),
    "yusuan_payments_api_get_bank_file": region_wide(
        wj_bank_file, _pk("file_id"), outsider="wz_treasury", insider="wj_treasury"
    ),
    "yusuan_payments_api_download_bank_file": region_wide(
        wj_bank_file, _pk("file_id"), outsider="wz_treasury", insider="wj_treasury"
    ),
    "yusuan_payments_api_list_clearing": region_wide(
        wj_clearing_day,
        outsider="wz_treasury",
        insider="wj_treasury",
        marker=lambda c: f'"id": {c.pk},',
    ),
    "yusuan_payments_api_resolve_clearing": region_wide(
        wj_clearing_day,
        _pk("item_id"),
        outsider="wz_treasury",
        insider="wj_treasury",
        method="post",
        body={"note": "scope: the bank's fee"},
    ),
    "yusuan_payments_api_refunds_search_lines": Entry(
        paid_line,
        marker=lambda x: x.request.number,
        query=lambda x: f"payee={x.payee_name}",
    ),
    "yusuan_payments_api_refunds_register_refund": Entry(
        paid_line,
        _pk("line_id"),
        method="post",
        body={
            "kind": "payee_refund",
            "amount": "0.01",
            "reason": "overpaid",
            "refund_date": "2026-06-30",
        },
    ),
    "yusuan_payments_api_refunds_confirm_refund": Entry(
        registered_refund,
        _pk("refund_id"),
        insider="school_approver",
        method="post",
        refused=403,
        why=ONLY_APPROVERS,
    ),
    "yusuan_payments_api_refunds_list_refunds": Entry(registered_refund, marker=lambda r: r.number),
    "yusuan_payments_api_refunds_get_refund": Entry(registered_refund, _pk("refund_id")),
    "yusuan_payments_api_refunds_list_corrections": Entry(correction, marker=lambda c: c.number),
    "yusuan_payments_api_refunds_get_correction": Entry(correction, _pk("correction_id")),
    "yusuan_payments_api_refunds_register_correction": Entry(
        paid_line,
        _pk("line_id"),
        method="post",
        # The API resolves the body's indicator code (in the caller's scope) before the path's
        # line: name one of the outsider's own lines so that the line's scope is what answers.
        body=lambda: {"amount": "0.01", "to_indicator_line": hospital_line().code, "reason": "-"},
    ),
    "yusuan_payments_api_refunds_post_correction": Entry(
        correction,
        _pk("correction_id"),
        insider="school_approver",
        method="post",
        refused=403,
        why=ONLY_APPROVERS,
    ),
    "yusuan_procurement_api_list_contracts": Entry(contract, marker=lambda c: c.number),
    "yusuan_procurement_api_get_contract": Entry(contract, _pk("contract_id")),
    "yusuan_procurement_api_list_intentions": Entry(intention, marker=lambda i: i.number),
    "yusuan_procurement_api_list_catalogue": region_wide(
        wj_catalogue_item,
        marker=lambda c: f'"pur_item_code": "{c.pur_item_code}"',
        query=lambda c: f"fiscal_year={c.fiscal_year}",
    ),
    # Only the finance procurement division holds the permission, and the other region has
    # none: the refusal is the permission's. Region scoping of the catalogue is the service's
    # visible_to (tests/test_procurement_catalogue.py).
    "yusuan_procurement_api_remove_catalogue_item": region_wide(
        wj_catalogue_item,
        _pk("item_id"),
        insider="wj_procurement",
        method="delete",
        refused=403,
        why="procurement.change_catalogueitem is the finance procurement division's only",
    ),
    "yusuan_procurement_api_get_intention": Entry(intention, _pk("intention_id")),
    "yusuan_procurement_api_plans_list_plans": Entry(plan, marker=lambda p: p.number),
    "yusuan_procurement_api_plans_get_plan": Entry(plan, _pk("plan_id")),
    # The insider's empty title is refused (422); nothing changes.
    "yusuan_procurement_api_plans_update_plan": Entry(
        plan,
        _pk("plan_id"),
        method="put",
        body={
            "title": "",
            "pur_item_code": "A02010104",
            "method": "open_tender",
            "amount": "1.00",
            "planned_start": "2026-06-01",
            "lines": [],
        },
    ),
    "yusuan_procurement_api_plans_submit_plan": Entry(plan, _pk("plan_id"), method="post"),
    "yusuan_procurement_api_changes_get_change": Entry(procurement_change, _pk("change_id")),
    "yusuan_procurement_api_changes_submit_change": Entry(
        procurement_change, _pk("change_id"), method="post"
    ),
    "yusuan_procurement_api_plans_list_awards": Entry(plan, _pk("plan_id")),
    "yusuan_reports_api_execution": Entry(
        school, marker=lambda o: o.name, query=lambda o: "dims=unit"
    ),
    "yusuan_reports_api_execution_csv": Entry(
        school, marker=lambda o: o.name, query=lambda o: "dims=unit"
    ),
    "yusuan_reports_api_consistency_panel": Entry(
        school, marker=lambda o: o.name, query=lambda o: "level=unit"
    ),
    "yusuan_reports_api_consistency_csv": Entry(
        school, marker=lambda o: o.name, query=lambda o: "level=unit"
    ),
    "yusuan_procurement_api_plans_execution_report": Entry(
        plan, marker=lambda p: p.organisation.name, query=lambda p: f"fiscal_year={p.fiscal_year}"
    ),
    # The insider's plan is not filed (or the body is incomplete): refused, nothing recorded.
    "yusuan_procurement_api_plans_record_award": Entry(
        plan,
        _pk("plan_id"),
        method="post",
        body={"supplier_id": 1, "amount": "1.00", "noticed_on": "2026-06-01"},
    ),
    # The insider, who filed the contract, may not accept it (R-GP-10: 403), nothing recorded.
    "yusuan_procurement_api_record_acceptance": Entry(
        contract,
        _pk("contract_id"),
        method="post",
        body={
            "instalment_id": 1,
            "accepted_on": "2026-06-01",
            "result": "passed",
            "members": "scope",
            "report": "scope",
        },
    ),
    # The insider's plan is not filed: 409, nothing closes.
    "yusuan_procurement_api_plans_close_plan": Entry(
        plan, _pk("plan_id"), method="post", body={"reason": "scope"}
    ),
    # The insider's empty project is refused (422); nothing changes.
    "yusuan_procurement_api_update_intention": Entry(
        intention,
        _pk("intention_id"),
        method="put",
        body={
            "project_name": "",
            "need_summary": "x",
            "budget": "1.00",
            "expected_month": "2026-06-01",
            "pur_item_code": "A02010104",
        },
    ),
    "yusuan_procurement_api_publish_intention": Entry(
        intention,
        _pk("intention_id"),
        outsider="hospital_approver",
        insider="school_approver",
        method="post",
    ),
    # The insider's draft is not published: 409, nothing changes.
    "yusuan_procurement_api_withdraw_intention": Entry(
        intention,
        _pk("intention_id"),
        outsider="hospital_approver",
        insider="school_approver",
        method="post",
        body={"reason": "scope"},
    ),
    # R-GP-9: closing; the insider's bad state is refused (422), nothing closes.
    "yusuan_procurement_api_close_contract": Entry(
        contract,
        _pk("contract_id"),
        method="post",
        body={"state": "scope", "closed_on": "2026-12-31"},
    ),
    "yusuan_payments_api_refunds_get_payroll": Entry(payroll_batch, _pk("batch_id")),
    "yusuan_payments_api_refunds_list_payroll": Entry(payroll_batch, marker=lambda b: b.number),
    "yusuan_payments_api_refunds_list_payroll_rows": Entry(payroll_batch, _pk("batch_id")),
    "yusuan_payments_api_refunds_payroll_request": Entry(
        payroll_batch,
        _pk("batch_id"),
        method="post",
        body={"pay_date": "2026-06-30", "payer_account_id": 1},
    ),
    "yusuan_payments_api_refunds_payroll_contributions": Entry(
        payroll_batch,
        _pk("batch_id"),
        method="post",
        body={"pay_date": "2026-06-30", "payer_account_id": 1},
    ),
    # --- unit accounting (issue 19)
    "yusuan_accounting_api_list_books": books(school_book, marker=lambda b: f'"id": {b.pk},'),
    "yusuan_accounting_api_get_book": books(school_book, _pk("book_id")),
    "yusuan_accounting_api_trial_balance": books(school_book, _pk("book_id")),
    "yusuan_accounting_api_reconciliation": books(school_book, _pk("book_id")),
    "yusuan_accounting_statement_api_book_statements": books(school_book, _pk("book_id")),
    "yusuan_accounting_statement_api_book_journal": books(school_book, _pk("book_id")),
    "yusuan_accounting_asset_api_list_assets": books(school_card, marker=lambda c: c.code),
    "yusuan_accounting_asset_api_run_depreciation": books(
        school_book, lambda b: {"book_id": b.pk, "month": 12}, method="post"
    ),
    "yusuan_accounting_statement_api_summary_statements": books(
        school_book,
        marker=lambda b: f'"book_ids": [{b.pk}]',
        query=lambda b: f"fiscal_year={b.fiscal_year}",
    ),
    "yusuan_accounting_api_account_ledger": books(
        school_book, lambda b: {"book_id": b.pk, "code": "6001"}
    ),
    "yusuan_accounting_api_close_period": books(
        school_book,
        lambda b: {"book_id": b.pk, "month": 12},
        method="post",
        refused=403,
        why=ONLY_CHIEF_ACCOUNTANT,
    ),
    "yusuan_accounting_api_reopen_period": books(
        school_book,
        lambda b: {"book_id": b.pk, "month": 1},
        method="post",
        body={"reason": "scope"},
        refused=403,
        why=ONLY_CHIEF_ACCOUNTANT,
    ),
    "yusuan_accounting_api_list_vouchers": books(
        school_voucher,
        marker=lambda v: f'"id": {v.pk},',
        query=lambda v: f"book_id={v.book_id}&q={v.source_number}",
    ),
    "yusuan_accounting_api_get_voucher": books(school_voucher, _pk("voucher_id")),
    "yusuan_accounting_api_update_voucher": books(
        school_voucher,
        _pk("voucher_id"),
        method="put",
        body={"voucher_date": "2026-06-30", "summary": "scope", "lines": []},
    ),
    "yusuan_accounting_api_delete_voucher": books(
        school_voucher, _pk("voucher_id"), method="delete"
    ),
    "yusuan_accounting_api_reverse_voucher": books(
        school_voucher,
        _pk("voucher_id"),
        method="post",
        body={"voucher_date": "2026-06-30", "reason": "scope"},
    ),
}

BANK = (
    "the agent bank's and the treasury's exchange: region-wide (payments.send_to_bank, "
    "payments.record_bank_result), no unit's object"
)

API_EXEMPT: dict[str, str] = {
    "yusuan_identity_api_me": "the caller itself",
    "yusuan_identity_api_list_tokens": "the caller's own tokens; everyone=true only for an "
    "administrator (identity.change_apitoken: region-wide)",
    "yusuan_identity_api_issue_token": CREATE,
    "yusuan_accounting_api_create_voucher": "names its book in the body: another unit's book is "
    "a 404 and nothing is kept (tests/test_accounting_api.py)",
    "yusuan_accounting_asset_api_create_asset": "names its unit in the body: another unit is a "
    "404 and nothing is kept (tests/test_accounting_depreciation.py)",
    "yusuan_accounting_api_review_vouchers": VOUCHER_IDS,
    "yusuan_accounting_api_unreview_vouchers": VOUCHER_IDS,
    "yusuan_accounting_api_post_vouchers": VOUCHER_IDS,
    "yusuan_core_api_list_fiscal_years": REGION_WIDE,
    "yusuan_core_api_list_codes": REGION_WIDE,
    "yusuan_core_api_create_payee": CREATE,
    "yusuan_workflow_api_create_delegation": CREATE,
    "yusuan_indicators_api_create_document": CREATE,
    "yusuan_personnel_api_create_change": CREATE,
    "yusuan_personnel_api_import_people": ONLY_PERSONNEL,
    "yusuan_personnel_api_take_snapshot": ONLY_PERSONNEL,
    "yusuan_personnel_api_list_snapshots": SNAPSHOT_REGION,
    "yusuan_personnel_api_snapshot_headcount": SNAPSHOT_REGION,
    "yusuan_personnel_api_snapshot_people": SNAPSHOT_REGION,
    "yusuan_indicators_supplements_api_create_supplement": CREATE,
    "yusuan_indicators_api_create_source": CREATE,
    "yusuan_indicators_api_create_adjustment": CREATE,
    "yusuan_payments_api_create_request": CREATE,
    "yusuan_payments_api_get_monitoring_settings": REGION_WIDE
    + " (R-MO-14; another region's code is a 404, test_review)",
    "yusuan_payments_api_change_monitoring_settings": REGION_WIDE
    + " (R-MO-14; another region's code is a 404, test_review)",
    "yusuan_workflow_tests_memos_api_create_memo": CREATE,
    "yusuan_payments_api_send_to_bank": BANK,
    "yusuan_payments_api_record_results": BANK,
    "yusuan_payments_api_record_pain002": BANK,
    "yusuan_payments_api_record_clearing": BANK,
    "yusuan_payments_api_refunds_register_bank_returns": BANK,
    "yusuan_payments_api_refunds_import_payroll": CREATE,
    # issue 14 item 6
    "yusuan_identity_api_create_user": CREATE,
    "yusuan_identity_api_sod_report": REGION_WIDE,
    "yusuan_core_api_create_organisation": CREATE,
    "yusuan_projects_api_create_project": CREATE,
    "yusuan_budgeting_api_open_round": "opens a round of the caller's own region "
    "(budgeting.manage_round: the budget division, region-wide); no object id",
    "yusuan_projects_api_roll_library": REGION_WIDE + " (R-PJ-12: the budget division rolls "
    "the region's library)",
    "yusuan_projects_api_list_stale": REGION_WIDE + " (R-PJ-12)",
    "yusuan_projects_api_list_basic": "the region's run; its rows narrowed by visible_to "
    "(tests/test_basic_expenditure_pages.py)",
    "yusuan_projects_api_compute_basic": REGION_WIDE + " (projects.compute_basic: budget division)",
    "yusuan_projects_api_override_basic": "only the budget division (region-wide) holds "
    "projects.override_basic; anyone else is refused before scope is looked at",
    "yusuan_projects_api_import_declarations": CREATE,
    "yusuan_projects_api_export_declarations": "a workbook of visible_to-scoped projects (binary: "
    "no marker); another unit's are absent (tests/test_project_reports.py)",
    "yusuan_projects_api_report_states": "counts and sums by state of visible_to-scoped "
    "projects; names no project or unit",
    "yusuan_projects_api_report_rolling": "visible_to-scoped like report_reserve; the tiny demo's "
    "library projects have no plans, so no marker (tests/test_project_reports.py)",
    "yusuan_projects_api_get_ranking": "the caller's own department's stored projects only "
    "(R-PJ-6); no object id",
    "yusuan_projects_api_put_ranking": "ranks the caller's own department's stored projects; "
    "every id outside them is refused by project_rank (test_project_library)",
    "yusuan_core_api_create_bank_account": CREATE,
    "yusuan_core_api_import_units": CREATE,
    "yusuan_core_api_import_codes": REGION_WIDE,
    "yusuan_core_api_open_fiscal_year": REGION_WIDE,
    "yusuan_core_api_economic_mapping": REGION_WIDE,
    "yusuan_core_api_list_regions": REGION_WIDE,
    "yusuan_core_standards_api_change_standard": REGION_WIDE
    + " (ADR 0039: the caller's region by key; another region's code or key is a 404, "
    "tests/test_standards.py)",
    "yusuan_audit_api_list_records": REGION_WIDE
    + " (audit.view_all_audit: administrators and auditors; the id is checked on get_record)",
    "yusuan_workflow_api_create_definition": REGION_WIDE,
    "yusuan_workflow_api_preview": REGION_WIDE,
    "yusuan_workflow_api_role_names": NO_OBJECT,
    "yusuan_workflow_api_calendar_days": REGION_WIDE + " (the national working-day calendar)",
    "yusuan_workflow_api_set_calendar_days": REGION_WIDE + " (the national working-day calendar)",
    "yusuan_workflow_api_remove_calendar_day": REGION_WIDE + " (the national working-day calendar)",
    "yusuan_workflow_api_batch_approve": "posts the caller's own inbox selection; each id goes "
    "through instance_approve's scoped load (yusuan_workflow_api_approve is checked)",
    "yusuan_workflow_api_mark_notifications_read": "the caller's own notifications only",
    "yusuan_workflow_api_submitted": "the caller's own submissions only",
    "yusuan_workflow_api_overdue": "as workflow:overdue: workflow.view_workflowinstance is held "
    "only by approvers and finance roles, and every one of them sees the school's rounds",
    "yusuan_workflow_api_shared_devices": REGION_WIDE,
    "yusuan_payments_api_refunds_download_sheet_template": NO_OBJECT + " (an empty salary sheet)",
    "yusuan_procurement_api_create_intention": CREATE,
    "yusuan_procurement_api_plans_create_plan": CREATE,
    "yusuan_monitoring_inquiry_api_run_scan": (
        "runs the scan over a region the caller covers whole; a department-scoped reviewer and "
        "another region are a 404 (tests/test_monitoring_scans.py)"
    ),
    "yusuan_monitoring_inquiry_api_issue_inquiry": "names findings in its body; they are read "
    "through the caller's scope (findings_visible): another unit's or region's is a 404",
    "yusuan_procurement_api_changes_create_change": CREATE,
    "yusuan_procurement_api_set_catalogue_item": REGION_WIDE
    + " (the caller's own region: mof_div_code is not taken from the body)",
    "yusuan_procurement_api_file_contract": CREATE
    + " (another unit's organisation_id in the body is a 404: test_payments_api_parity)",
}
