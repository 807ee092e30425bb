"""The after-the-fact scan (事后监控, issue 22 item 3): every rule that runs after the fact has a
case that fires and one that does not, on what was paid; a finding is made once however often
the scan runs; findings are in scope like the rest."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.management import call_command

import pytest
from tests.payment_helpers import _approved, _input, _line

from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.core.models import Payee
from yusuan.indicators.models import IndicatorLine
from yusuan.monitoring import catalogue
from yusuan.monitoring.models import FindingSource, MonitoringFinding
from yusuan.monitoring.services import findings_visible, settings_change, thresholds
from yusuan.monitoring.services.scans import SCANS, scan, scan_now
from yusuan.payments.models import PaymentLine, PaymentRequest
from yusuan.payments.services import request_create
from yusuan.personnel.models import Person
from yusuan.projects.models import Project
from yusuan.workflow.models import WorkflowInstance

pytestmark = pytest.mark.django_db

REGION = "320509"
AS_OF = dt.date(2026, 12, 31)
CASH = (
    "cash_single_warn",
    "cash_single_block",
    "cash_month_warn",
    "cash_month_block",
    "cash_year_warn",
    "cash_year_block",
)


def _tune(user: Any, tuning: dict[str, Any] | None = None, **amounts: int) -> None:
    in_force = thresholds(REGION)
    settings_change(
        actor=user("wj_monitor"),
        mof_div_code=REGION,
        levels={},
        amounts={name: amounts.get(name, getattr(in_force, name)) for name in CASH},
        tuning=tuning or {},
        note="测试：事后监控参数",
    )


def _paid(user: Any, eco: str, amount: str, **kw: Any) -> PaymentRequest:
    data = _input(user, [(_line(user, eco), amount)], **kw)
    return _approved(user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026))


def _run(user: Any) -> dict[str, list[MonitoringFinding]]:
    scan(actor=user("wj_monitor"), region=REGION, year=2026, as_of=AS_OF)
    found: dict[str, list[MonitoringFinding]] = {}
    for finding in MonitoringFinding.objects.filter(source=FindingSource.SCAN, mof_div_code=REGION):
        found.setdefault(finding.rule, []).append(finding)
    return found


def _mine(found: dict[str, list[MonitoringFinding]], rule: str, **kw: Any) -> list[Any]:
    return [f for f in found.get(rule, []) if all(getattr(f, k) == v for k, v in kw.items())]


def test_every_after_rule_has_a_scan() -> None:
    assert set(SCANS) == {c for c, s in catalogue.CATALOGUE.items() if catalogue.AFTER in s.when}


def test_cash_over_the_monthly_limit(user: Any) -> None:
    request = _paid(user, "30227", "800")
    PaymentRequest.objects.filter(pk=request.pk).update(settlement_mode="cash")
    month = f"R-MO-2:{request.organisation_id}:2026-{request.pay_date.month:02d}"
    _tune(user, cash_month_warn=1_000_00)
    assert not [f for f in _run(user).get("R-MO-2", []) if f.key == month]
    _tune(user, cash_month_warn=500_00)
    [finding] = [f for f in _run(user)["R-MO-2"] if f.key == month]
    assert (finding.limit, finding.organisation_id) == ("500.00", request.organisation_id)


def test_three_public_over_its_indicators(user: Any) -> None:
    reception = _line(user, "30217")
    IndicatorLine.objects.filter(pk=reception.pk).update(thr_exp_code="4")
    request = _paid(user, "30217", "1,000")
    assert not _mine(_run(user), "R-MO-5", organisation_id=request.organisation_id)
    # The indicator loses its 三公 flag: 30217 paid now counts against a budget of nothing.
    IndicatorLine.objects.filter(pk=reception.pk).update(thr_exp_code="")
    PaymentLine.objects.filter(request=request).update(thr_exp_code="")
    [finding] = _mine(_run(user), "R-MO-5", organisation_id=request.organisation_id)
    assert finding.limit == "0.00" and finding.level == "red"


def test_split_payments_in_a_window(user: Any) -> None:
    _tune(user, {"R-MO-7": {"params": {"threshold": 5_000_00, "count": 3, "days": 30}}})
    first = _paid(user, "30227", "4,800")
    _paid(user, "30227", "4,900")
    assert not _mine(_run(user), "R-MO-7", organisation_id=first.organisation_id)
    _paid(user, "30227", "4,700")
    [finding] = _mine(_run(user), "R-MO-7", organisation_id=first.organisation_id)
    assert finding.value == "3"


def test_a_voucher_issued_on_a_day_off_is_a_reminder(user: Any) -> None:
    request = _paid(user, "30227", "300")
    instance = WorkflowInstance.objects.get(
        document_type="payments.request", object_id=str(request.pk), state="approved"
    )
    tuesday = dt.datetime(2026, 6, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 in Suzhou
    WorkflowInstance.objects.filter(pk=instance.pk).update(finished_at=tuesday)
    assert not _mine(_run(user), "R-MO-8", request_id=request.pk)
    for odd in (
        dt.datetime(2026, 6, 28, 2, 0, tzinfo=dt.UTC),  # 10:00 on a Sunday
        dt.datetime(2026, 6, 30, 14, 0, tzinfo=dt.UTC),  # 22:00 on a Tuesday
    ):
        MonitoringFinding.objects.filter(rule="R-MO-8").delete()
        WorkflowInstance.objects.filter(pk=instance.pk).update(finished_at=odd)
        [finding] = _mine(_run(user), "R-MO-8", request_id=request.pk)
        assert (finding.outcome, finding.status) == ("remind", "noted")


def test_a_transfer_not_passed_down_in_time(user: Any) -> None:
    found = _run(user)
    late = found.get("R-MO-9", [])
    assert late, "the demo holds a transfer received 45 days before its as-of day"
    line = late[0].indicator_line
    assert line is not None and line.kind == "pending"
    # Passed down (nothing pending, nothing late): the rule is quiet for a fresh line.
    fresh = IndicatorLine.objects.filter(pk=line.pk)
    fresh.update(rec_date=AS_OF - dt.timedelta(days=5))
    MonitoringFinding.objects.filter(rule="R-MO-9").delete()
    assert not _mine(_run(user), "R-MO-9", indicator_line_id=line.pk)


def test_a_staff_member_paid_from_goods_and_services(user: Any) -> None:
    school = user("school_clerk").organisation
    person = Person.objects.filter(organisation=school, state="active").first()
    assert person is not None
    stranger = Payee.objects.create(
        mof_div_code=REGION,
        organisation=school,
        kind="individual",
        name="李四",
        id_number="320584198001011111",
        bank_account_no="6217000000000000456",
        bank_name="建设银行吴江支行",
    )
    quiet = _paid(user, "30201", "300", payee_id=stranger.pk)
    assert not _mine(_run(user), "R-MO-13", request_id=quiet.pk)
    staff = Payee.objects.create(
        mof_div_code=REGION,
        organisation=school,
        kind="individual",
        name=person.name,
        id_number=person.id_number,
        bank_account_no="6217000000000000123",
        bank_name="建设银行吴江支行",
    )
    request = _paid(user, "30201", "300", payee_id=staff.pk)
    [finding] = _mine(_run(user), "R-MO-13", request_id=request.pk)
    assert finding.value == person.name


def test_a_year_end_surge(user: Any) -> None:
    school = user("school_clerk").organisation
    _paid(user, "30227", "2,000")
    _tune(user, {"R-MO-15": {"params": {"from_day": "01-01", "share": 100, "min_paid": 10**12}}})
    assert not _mine(_run(user), "R-MO-15", organisation_id=school.pk)
    _tune(user, {"R-MO-15": {"params": {"from_day": "01-01", "share": 100, "min_paid": 0}}})
    [finding] = _mine(_run(user), "R-MO-15", organisation_id=school.pk)
    assert finding.limit == "100%"


def test_a_payment_on_a_project_that_had_ended(user: Any) -> None:
    request = _paid(user, "30227", "500")
    line = PaymentLine.objects.filter(request=request).first()
    assert line is not None
    project = Project.objects.filter(organisation=request.organisation).first()
    assert project is not None
    PaymentLine.objects.filter(pk=line.pk).update(project=project)
    Project.objects.filter(pk=project.pk).update(state="closed", ended_on=request.pay_date)
    assert not _mine(_run(user), "R-MO-16", request_id=request.pk)
    Project.objects.filter(pk=project.pk).update(ended_on=request.pay_date - dt.timedelta(days=1))
    [finding] = _mine(_run(user), "R-MO-16", request_id=request.pk)
    assert finding.limit == str(request.pay_date - dt.timedelta(days=1))


def test_a_finding_is_made_once_and_a_unit_sees_its_own(user: Any) -> None:
    _tune(user, {"R-MO-15": {"params": {"from_day": "01-01", "share": 1, "min_paid": 0}}})
    first = scan(actor=user("wj_monitor"), region=REGION, year=2026, as_of=AS_OF)
    again = scan(actor=user("wj_monitor"), region=REGION, year=2026, as_of=AS_OF)
    assert first.created["R-MO-15"] > 0 and again.created["R-MO-15"] == 0
    assert again.found == first.found
    clerk = user("school_clerk")
    mine = findings_visible(clerk).filter(source=FindingSource.SCAN)
    assert mine.exists()
    assert set(mine.values_list("organisation_id", flat=True)) == {clerk.organisation_id}
    out = io.StringIO()
    call_command("monitoring_scan", region=REGION, as_of="2026-12-31", stdout=out)
    assert "0 new findings" in out.getvalue() and "R-MO-15" in out.getvalue()


def test_the_monitoring_officer_runs_the_scan_now_for_the_whole_region_only(user: Any) -> None:
    with pytest.raises(BusinessRuleError) as caught:
        scan_now(actor=user("school_clerk"), region=REGION)
    assert caught.value.errors[0].code == "permission_denied"
    with pytest.raises(NotFoundError):  # a department-scoped reviewer: not the whole region
        scan_now(actor=user("wj_sector_social"), region=REGION)
    with pytest.raises(NotFoundError):
        scan_now(actor=user("wj_monitor"), region="320506")
    result = scan_now(actor=user("wj_monitor"), region=REGION)
    assert result.region == REGION and set(result.found) <= set(SCANS)
