"""采购实施计划 (R-GP-2, R-GP-7, R-GP-8, R-GP-9, R-GP-11; DOMAIN §2.8, DOMAIN-2 §6, ADR 0052).

A plan reserves its money on procurement lines when submitted; filed, it gives contracts their
shares (the indicator's ``reserved`` bucket does not move); closing gives back what contracts
did not take. Figures throughout: the indicator line's (available, reserved) and the plan
line's (amount, consumed, released, remaining); ``reservation_differences`` is empty after every
step (the bucket equals what open contracts and plans hold)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone

import pytest
from tests.payment_helpers import _payee
from tests.test_api_csrf import csrf_session
from tests.test_contract_reservations import _lines, _user

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money
from yusuan.core.models import Standard
from yusuan.core.services.standards import standard_change
from yusuan.core.standard_keys import INTENTION_WARN
from yusuan.identity.services import api_token_issue
from yusuan.indicators.models import IndicatorLine
from yusuan.procurement.choices import IntentionExemption, PlanState, PurMethod
from yusuan.procurement.models import ProcurementIntention, ProcurementPlan, ProcurementPlanLine
from yusuan.procurement.rules import (
    TenderThresholds,
    items_related,
    method_category_error,
    needs_method_approval,
)
from yusuan.procurement.selectors import reservation_differences
from yusuan.procurement.services import (
    ContractInput,
    ContractLineInput,
    IntentionInput,
    PlanInput,
    PlanLineInput,
    contract_close,
    contract_file,
    intention_create,
    intention_publish,
    plan_close,
    plan_create,
    plan_update,
)
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import (
    document_submit,
    instance_approve,
    instance_reject,
    instance_return,
)

pytestmark = pytest.mark.django_db

PLAN = "procurement.plan"
YEAR = 2026


def _published_on() -> dt.date:
    """A publication day the suite's clock allows (never after today) leaving 30 days in 2026."""
    return min(timezone.localdate(), dt.date(YEAR, 6, 1))


def _intention(*, on: dt.date | None = None, item: str = "A02010104") -> ProcurementIntention:
    intention = intention_create(
        actor=_user("school_clerk"),
        data=IntentionInput(
            project_name="录播教室设备",
            need_summary="三间录播教室的摄像、拾音和编辑设备",
            budget=Money.parse("600,000.00"),
            expected_month=dt.date(YEAR, 7, 1),
            pur_item_code=item,
        ),
        fiscal_year=YEAR,
    )
    return intention_publish(
        actor=_user("school_approver"), intention_id=intention.pk, on=on or _published_on()
    )


def _input(lines: list[tuple[IndicatorLine, str]], **kw: Any) -> PlanInput:
    values: dict[str, Any] = {
        "title": "录播教室设备采购",
        "pur_item_code": "A02010104",
        "method": PurMethod.OPEN_TENDER,
        "amount": Money(sum(Money.parse(a).fen for _, a in lines)),
        "planned_start": _published_on() + dt.timedelta(days=30),
        "lines": [PlanLineInput(line.pk, Money.parse(a)) for line, a in lines],
    }
    values.update(kw)
    return PlanInput(**values)


def _plan(lines: list[tuple[IndicatorLine, str]], **kw: Any) -> ProcurementPlan:
    if "intention_id" not in kw and "exemption" not in kw:
        kw["intention_id"] = _intention().pk
    return plan_create(actor=_user("school_clerk"), data=_input(lines, **kw), fiscal_year=YEAR)


def _submit(plan: ProcurementPlan) -> WorkflowInstance:
    return document_submit(actor=_user("school_clerk"), document_type=PLAN, object_id=str(plan.pk))


def _filed(plan: ProcurementPlan) -> ProcurementPlan:
    instance = _submit(plan)
    instance_approve(actor=_user("school_approver"), instance_id=instance.pk)
    plan.refresh_from_db()
    return plan


def _b(line: IndicatorLine) -> tuple[int, int]:
    line.refresh_from_db()
    return line.available, line.reserved


def _pl(plan: ProcurementPlan, line: IndicatorLine) -> tuple[int, int, int, int]:
    found = ProcurementPlanLine.objects.get(plan=plan, indicator_line=line)
    return found.amount, found.consumed, found.released, found.remaining


def _contract(
    plan: ProcurementPlan | None, shares: list[tuple[IndicatorLine, str]], number: str
) -> Any:
    return contract_file(
        actor=_user("school_clerk"),
        data=ContractInput(
            number=number,
            title="录播教室设备采购合同",
            supplier_id=_payee(_user).pk,
            amount=Money(sum(Money.parse(a).fen for _, a in shares)),
            indicator_line_ids=[],
            filed_on=dt.date(YEAR, 6, 1),
            lines=[ContractLineInput(line.pk, Money.parse(a)) for line, a in shares],
            plan_id=plan.pk if plan is not None else None,
        ),
        fiscal_year=YEAR,
    )


def _codes(caught: pytest.ExceptionInfo[BusinessRuleError]) -> dict[str, tuple[Any, ...]]:
    return {e.field: (e.code, e.rule, e.value, e.limit) for e in caught.value.errors}


# --- rules ------------------------------------------------------------------------------------


def test_r_gp_8_the_method_against_the_tender_threshold() -> None:
    thresholds = TenderThresholds(goods_services=400_000_000, works=400_000_000)
    args = {"category": "A", "thresholds": thresholds}
    assert needs_method_approval(method="negotiation", amount_fen=400_000_000, **args)  # at it
    assert not needs_method_approval(method="negotiation", amount_fen=399_999_999, **args)
    assert not needs_method_approval(method="open_tender", amount_fen=900_000_000, **args)
    works = TenderThresholds(goods_services=400_000_000, works=100_000_000)
    assert needs_method_approval(
        method="consultation", category="B", amount_fen=100_000_000, thresholds=works
    )
    assert method_category_error("inquiry", "A") is None
    wrong = method_category_error("inquiry", "C")
    assert wrong is not None and (wrong.code, wrong.rule, wrong.field, wrong.limit) == (
        "procurement.method_category",
        "R-GP-8",
        "method",
        "A",
    )


def test_r_gp_2_items_of_one_branch() -> None:
    assert items_related("A02010104", "A0201") and items_related("A0201", "A02010104")
    assert not items_related("A02010104", "A0501")
    assert not items_related("", "A02")


# --- entry ------------------------------------------------------------------------------------


def test_every_problem_of_a_plan_is_named_and_nothing_is_saved(user: Any) -> None:
    (line,) = _lines(500_000_00)
    hospital = IndicatorLine.objects.filter(
        organisation__name__contains="医院", is_gov_pur=True
    ).first()
    before = ProcurementPlan.objects.count()
    with pytest.raises(BusinessRuleError) as caught:
        plan_create(
            actor=_user("school_clerk"),
            data=_input(
                [(line, "600,000.00")],
                title=" ",
                pur_item_code="Z99",
                method="auction",
                amount=Money.parse("500,000.00"),
                ceiling_price=Money.parse("700,000.00"),
                planned_start=dt.date(2025, 12, 31),
                is_imported=True,
                exemption="urgent",
                intention_id=10**9,
            ),
            fiscal_year=YEAR,
        )
    found = _codes(caught)
    assert found["title"][0] == "procurement.title_required"
    assert found["pur_item_code"][:3] == ("procurement.pur_item_unknown", "R-GP-2", "Z99")
    assert found["method"][:2] == ("procurement.method_unknown", "R-GP-8")
    assert found["ceiling_price"][2:] == ("700,000.00", "500,000.00")
    assert found["planned_start"][2:] == ("2025-12-31", "2026")
    assert found["imported_reason"][0] == "procurement.imported_reason_required"
    assert found["exemption_reason"][0] == "procurement.exemption_reason_required"
    assert found["intention"][:2] == ("procurement.plan_intention", "R-GP-7")
    # The line's share is above what it has, and the shares do not add up to the budget.
    assert found["lines[0].amount"][1:] == ("R-GP-2", "600,000.00", "500,000.00")
    assert found["lines"][2:] == ("600,000.00", "500,000.00")
    if hospital is not None:
        with pytest.raises(BusinessRuleError) as other:
            _plan([(hospital, "1.00")], exemption="urgent", exemption_reason="急需")
        assert _codes(other)["lines[0].indicator_line"][0] == "procurement.plan_line"
    assert ProcurementPlan.objects.count() == before


def test_r_gp_11_below_the_limit_and_outside_the_catalogue_needs_no_plan(user: Any) -> None:
    (line,) = _lines(900_000_00)
    with pytest.raises(BusinessRuleError) as caught:
        _plan(
            [(line, "500,000.00")],
            pur_item_code="B08",
            method=PurMethod.NEGOTIATION,
            exemption=IntentionExemption.URGENT,
            exemption_reason="校舍漏雨抢修",
        )
    (error,) = caught.value.errors
    assert (error.code, error.rule, error.field, error.value, error.limit) == (
        "procurement.not_government_procurement",
        "R-GP-11",
        "amount",
        "500,000.00",
        "1,000,000.00",
    )
    # Inside the 集中采购目录 (A0201 is the central agency's) any amount is in scope.
    plan = _plan([(line, "50,000.00")])
    assert plan.org_form == "central" and plan.state == PlanState.DRAFT


def test_single_source_and_inquiry_name_what_they_need(user: Any) -> None:
    (line,) = _lines(900_000_00)
    with pytest.raises(BusinessRuleError) as caught:
        _plan([(line, "300,000.00")], method=PurMethod.SINGLE_SOURCE)
    assert _codes(caught)["single_source_reason"][:2] == (
        "procurement.single_source_reason_required",
        "R-GP-8",
    )
    with pytest.raises(BusinessRuleError) as services:
        _plan(
            [(line, "300,000.00")],
            pur_item_code="C1204",
            method=PurMethod.INQUIRY,
            exemption=IntentionExemption.AGREEMENT,
            exemption_reason="定点采购",
        )
    assert _codes(services)["method"][0] == "procurement.method_category"


# --- the life of a plan -----------------------------------------------------------------------


def test_a_plan_reserves_at_submission_and_gives_contracts_their_share(user: Any) -> None:
    line_a, line_b = _lines(700_000_00, 300_000_00)
    plan = _plan([(line_a, "500,000.00"), (line_b, "100,000.00")])
    assert plan.number.startswith(f"JH{YEAR}") and plan.state == PlanState.DRAFT
    assert _b(line_a) == (700_000_00, 0)  # a draft holds nothing
    instance = _submit(plan)
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED
    assert (_b(line_a), _b(line_b)) == ((200_000_00, 500_000_00), (200_000_00, 100_000_00))
    assert reservation_differences() == []
    instance_approve(actor=_user("school_approver"), instance_id=instance.pk)
    plan.refresh_from_db()
    assert plan.state == PlanState.FILED and plan.filed_on == timezone.localdate()

    # A contract under the plan: the plan's lines give it its shares, the ledger does not move.
    contract = _contract(plan, [(line_a, "450,000.00"), (line_b, "100,000.00")], "HT-JH-1")
    plan.refresh_from_db()
    assert plan.state == PlanState.EXECUTING and contract.plan_id == plan.pk
    assert _b(line_a) == (200_000_00, 500_000_00)
    assert _pl(plan, line_a) == (500_000_00, 450_000_00, 0, 50_000_00)
    assert _pl(plan, line_b) == (100_000_00, 100_000_00, 0, 0)
    assert reservation_differences() == []

    # More than the plan still holds is refused by row, with the figures.
    with pytest.raises(BusinessRuleError) as caught:
        _contract(plan, [(line_a, "50,000.01")], "HT-JH-2")
    (error,) = caught.value.errors
    assert (error.code, error.rule, error.field, error.value, error.limit) == (
        "contracts.plan_exceeded",
        "R-GP-9",
        "lines[0].amount",
        "50,000.01",
        "50,000.00",
    )
    assert plan.number in error.message_zh and line_a.code in error.message_zh

    # A contract closed early gives its rest back to the plan, which still reserves it.
    contract_close(
        actor=_user("school_clerk"),
        contract_id=contract.pk,
        state="terminated",
        closed_on=dt.date(YEAR, 6, 2),
        reason="供应商违约",
    )
    assert _pl(plan, line_a) == (500_000_00, 0, 0, 500_000_00)
    assert _b(line_a) == (200_000_00, 500_000_00)
    assert reservation_differences() == []

    second = _contract(plan, [(line_a, "480,000.00")], "HT-JH-3")
    # Closing the plan gives back what no contract took; the open contract keeps its share.
    plan_close(actor=_user("school_clerk"), plan_id=plan.pk, reason="采购完成")
    plan.refresh_from_db()
    assert plan.state == PlanState.CLOSED
    assert _pl(plan, line_a) == (500_000_00, 480_000_00, 20_000_00, 0)
    # line_b: the terminated contract gave its share back to the plan; closing released it.
    assert _pl(plan, line_b) == (100_000_00, 0, 100_000_00, 0)
    assert (_b(line_a), _b(line_b)) == ((220_000_00, 480_000_00), (300_000_00, 0))
    assert reservation_differences() == []
    # The contract closed after its plan gives its rest to available.
    contract_close(
        actor=_user("school_clerk"),
        contract_id=second.pk,
        state="completed",
        closed_on=dt.date(YEAR, 6, 3),
    )
    assert _b(line_a) == (700_000_00, 0)
    assert reservation_differences() == []
    record = AuditRecord.objects.filter(action="procurement.plan_state").latest("pk")
    assert record.changes["state"] == ["executing", "closed"]
    assert record.extra["released"] == {line_a.code: "20,000.00", line_b.code: "100,000.00"}


def test_returned_rejected_and_cancelled_plans_give_their_money_back(user: Any) -> None:
    (line,) = _lines(800_000_00)
    plan = _plan([(line, "600,000.00")])
    instance = _submit(plan)
    assert _b(line) == (200_000_00, 600_000_00)
    instance_return(actor=_user("school_approver"), instance_id=instance.pk, reason="补充需求")
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and _b(line) == (800_000_00, 0)
    # Edited and submitted again: a second round reserves again.
    plan = plan_update(
        actor=_user("school_clerk"),
        plan_id=plan.pk,
        data=_input([(line, "700,000.00")], intention_id=plan.intention_id),
    )
    instance = _submit(plan)
    assert _b(line) == (100_000_00, 700_000_00)
    instance_reject(actor=_user("school_approver"), instance_id=instance.pk, reason="不再需要")
    plan.refresh_from_db()
    assert plan.state == PlanState.REJECTED and _b(line) == (800_000_00, 0)
    assert reservation_differences() == []

    third = _filed(_plan([(line, "300,000.00")]))
    assert _b(line) == (500_000_00, 300_000_00)
    plan_close(
        actor=_user("school_clerk"), plan_id=third.pk, state=PlanState.CANCELLED, reason="取消"
    )
    third.refresh_from_db()
    assert third.state == PlanState.CANCELLED and _b(line) == (800_000_00, 0)
    with pytest.raises(BusinessRuleError) as caught:
        plan_close(actor=_user("school_clerk"), plan_id=third.pk, reason="再关")
    assert caught.value.status == 409 and caught.value.errors[0].value == "cancelled"


def test_a_plan_with_contracts_is_closed_not_cancelled(user: Any) -> None:
    (line,) = _lines(800_000_00)
    plan = _filed(_plan([(line, "600,000.00")]))
    _contract(plan, [(line, "100,000.00")], "HT-JH-C")
    with pytest.raises(BusinessRuleError) as caught:
        plan_close(
            actor=_user("school_clerk"), plan_id=plan.pk, state=PlanState.CANCELLED, reason="x"
        )
    assert caught.value.errors[0].code == "procurement.plan_has_contracts"


def test_r_gp_2_two_plans_cannot_reserve_the_same_yuan(user: Any) -> None:
    (line,) = _lines(1_000_000_00)
    first = _plan([(line, "600,000.00")])
    second = _plan([(line, "600,000.00")])  # each fits on entry; submission decides
    _submit(first)
    with pytest.raises(BusinessRuleError) as caught:
        _submit(second)
    (error,) = caught.value.errors
    assert (error.rule, error.field, error.value, error.limit) == (
        "R-GP-2",
        "lines[0].amount",
        "600,000.00",
        "400,000.00",
    )
    second.refresh_from_db()
    assert second.state == PlanState.DRAFT and _b(line) == (400_000_00, 600_000_00)
    assert not WorkflowInstance.objects.filter(document_type=PLAN, object_id=str(second.pk))


# --- R-GP-7: the intention's lead time ---------------------------------------------------------


def test_r_gp_7_a_plan_starting_too_early_is_refused_naming_the_dates(user: Any) -> None:
    (line,) = _lines(800_000_00)
    on = _published_on()
    intention = _intention(on=on)
    plan = _plan(
        [(line, "400,000.00")],
        intention_id=intention.pk,
        planned_start=on + dt.timedelta(days=29),
    )
    with pytest.raises(BusinessRuleError) as caught:
        _submit(plan)
    (error,) = caught.value.errors
    earliest = on + dt.timedelta(days=30)
    assert (error.code, error.rule, error.field, error.value, error.limit) == (
        "procurement.intention_too_late",
        "R-GP-7",
        "planned_start",
        str(on + dt.timedelta(days=29)),
        str(earliest),
    )
    assert str(on) in error.message_zh and intention.number in error.message_zh
    assert _b(line) == (800_000_00, 0)
    # An exemption with its reason lets it through; so does a start on the earliest day.
    plan = plan_update(
        actor=_user("school_clerk"),
        plan_id=plan.pk,
        data=_input(
            [(line, "400,000.00")],
            planned_start=on + dt.timedelta(days=29),
            exemption=IntentionExemption.URGENT,
            exemption_reason="设备损毁急需更换",
        ),
    )
    _submit(plan)
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED and not plan.intention_late
    on_time = _plan([(line, "100,000.00")], intention_id=intention.pk, planned_start=earliest)
    _submit(on_time)
    # Without an intention or exemption: refused, naming the missing intention.
    bare = plan_create(
        actor=_user("school_clerk"), data=_input([(line, "100,000.00")]), fiscal_year=YEAR
    )
    with pytest.raises(BusinessRuleError) as missing:
        _submit(bare)
    assert missing.value.errors[0].code == "procurement.intention_missing"


def test_r_gp_7_in_warn_mode_the_plan_goes_on_marked(user: Any) -> None:
    (line,) = _lines(800_000_00)
    clerk = _user("school_clerk")
    standard_change(
        actor=_user("wj_budget"),
        standard=Standard.objects.get(
            mof_div_code=clerk.mof_div_code, fiscal_year=YEAR, key="procurement.intention_check"
        ),
        value=INTENTION_WARN,
        reason="本地区改为提醒",
        effective_from=dt.date(YEAR, 1, 1),
    )
    plan = plan_create(actor=clerk, data=_input([(line, "400,000.00")]), fiscal_year=YEAR)
    _submit(plan)
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED and plan.intention_late


# --- R-GP-8: the route ------------------------------------------------------------------------


def test_r_gp_8_another_method_above_the_tender_threshold_goes_to_finance(user: Any) -> None:
    (line,) = _lines(5_000_000_00)
    plan = _plan([(line, "4,000,000.00")], method=PurMethod.NEGOTIATION)
    instance = _submit(plan)
    steps = [step["key"] for step in instance.route]
    assert steps == ["unit_approval", "procurement_approval"]
    instance_approve(actor=_user("school_approver"), instance_id=instance.pk)
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED  # finance has not approved yet
    instance_approve(actor=_user("wj_procurement"), instance_id=instance.pk)
    plan.refresh_from_db()
    assert plan.state == PlanState.FILED
    # Below the threshold, or by 公开招标, the unit files it alone.
    below = _submit(_plan([(line, "999,999.99")], method=PurMethod.NEGOTIATION))
    assert [step["key"] for step in below.route] == ["unit_approval"]


# --- scope ------------------------------------------------------------------------------------


def test_another_units_plan_is_not_found(user: Any) -> None:
    (line,) = _lines(800_000_00)
    plan = _plan([(line, "100,000.00")])
    with pytest.raises(NotFoundError):
        plan_close(actor=_user("hospital_clerk"), plan_id=plan.pk, reason="x")
    with pytest.raises(NotFoundError):
        document_submit(actor=_user("hospital_clerk"), document_type=PLAN, object_id=str(plan.pk))


# --- API and pages ----------------------------------------------------------------------------

HOSTILE = "<script>alert(\"x\")</script>&\"'=cmd|' /C calc'!A0"


def test_the_api_enters_submits_and_closes_a_plan_with_a_token_and_csrf(user: Any) -> None:
    (line,) = _lines(900_000_00)
    intention = _intention()
    token = api_token_issue(
        actor=None, user=user("school_clerk"), name="t", scopes=("payments:read", "payments:write")
    )
    client = Client(enforce_csrf_checks=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    body = {
        "title": HOSTILE[:120],
        "pur_item_code": "a02010104",
        "method": "open_tender",
        "amount": "500,000.00",
        "planned_start": (intention.published_on + dt.timedelta(days=30)).isoformat(),
        "lines": [{"indicator": line.code, "amount": "500,000.00"}],
        "intention_id": intention.pk,
    }

    def post(path: str, data: Any = None, **kw: Any) -> Any:
        return client.post(
            path, data=json.dumps(data or {}), content_type="application/json", **auth, **kw
        )

    made = post("/api/v1/procurement/plans", body, HTTP_IDEMPOTENCY_KEY="jh-1")
    assert made.status_code == 201, made.content
    out = made.json()
    assert (out["amount_fen"], out["pur_item_code"], out["org_form"], out["state"]) == (
        50_000_000,
        "A02010104",
        "central",
        "draft",
    )
    assert out["title"] == HOSTILE[:120]
    again = post("/api/v1/procurement/plans", body, HTTP_IDEMPOTENCY_KEY="jh-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert ProcurementPlan.objects.filter(title=HOSTILE[:120]).count() == 1
    absurd = post("/api/v1/procurement/plans", {**body, "amount": "9" * 30})
    assert absurd.status_code == 422 and "amount" in absurd.content.decode()
    unknown = post(
        "/api/v1/procurement/plans", {**body, "lines": [{"indicator": "ZB0", "amount": "1"}]}
    )
    assert unknown.status_code == 422 and "lines[0].indicator" in unknown.content.decode()
    path = f"/api/v1/procurement/plans/{out['id']}"
    submitted = post(f"{path}/submit")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    assert submitted.json()["lines"][0]["remaining_fen"] == 50_000_000
    assert _b(line) == (400_000_00, 500_000_00)
    twice = post(f"{path}/submit")
    assert twice.status_code == 409
    # Another unit's clerk: 404, as a missing plan.
    other = api_token_issue(
        actor=None, user=user("hospital_clerk"), name="h", scopes=("payments:read",)
    )
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {other.key}").status_code == 404
    # The approver files it in the engine; the clerk closes it through a CSRF session.
    instance = WorkflowInstance.objects.get(document_type=PLAN, object_id=str(out["id"]))
    instance_approve(actor=user("school_approver"), instance_id=instance.pk)
    session, csrf = csrf_session(user("school_clerk"))
    close = {"state": "closed", "reason": "采购完成"}
    assert (
        session.post(f"{path}/close", data=json.dumps(close), content_type="application/json")
    ).status_code == 403
    closed = session.post(
        f"{path}/close",
        data=json.dumps(close),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert _b(line) == (900_000_00, 0)


def test_the_plan_pages_enter_submit_and_show_the_figures(client_as: Any, user: Any) -> None:
    (line,) = _lines(900_000_00)
    intention = _intention()
    clerk = client_as("school_clerk")
    page = clerk.get("/procurement/plans/new/")
    assert page.status_code == 200 and intention.number in page.content.decode()
    form = {
        "title": HOSTILE[:120],
        "pur_item_code": "A02010104",
        "method": "open_tender",
        "amount": "300,000.00",
        "planned_start": (intention.published_on + dt.timedelta(days=29)).isoformat(),
        "intention_id": str(intention.pk),
        "line_0": str(line.pk),
        "line_amount_0": "300,000.00",
    }
    wrong = clerk.post("/procurement/plans/new/", {**form, "line_amount_0": "300,000.01"})
    text = wrong.content.decode()
    assert wrong.status_code == 200 and 'data-field="lines"' in text and "R-GP-2" in text
    made = clerk.post("/procurement/plans/new/", form)
    assert made.status_code == 302
    plan = ProcurementPlan.objects.get(title=HOSTILE[:120])
    detail = clerk.get(made["Location"]).content.decode()
    assert "<script>alert" not in detail and "&lt;script&gt;" in detail
    # The draft's own lines (not the edit form's choices) fill the figures table.
    table = detail[detail.index('data-testid="plan-lines"') :]
    table = table[: table.index("</table>")]
    assert line.code in table and "300,000.00" in table
    # A refused submission keeps the edit form filled with the plan's values.
    refused = clerk.post(made["Location"], {"action": "submit"})
    assert refused.status_code == 200
    assert 'data-testid="plan-edit"' in refused.content.decode()
    assert 'value="300000.00"' in refused.content.decode()
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT  # R-GP-7: the start is too early for the intention
    clerk.post(
        made["Location"],
        {
            **form,
            "action": "save",
            "planned_start": (intention.published_on + dt.timedelta(days=30)).isoformat(),
        },
    )
    clerk.post(made["Location"], {"action": "submit"})
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED
    shown = clerk.get(made["Location"]).content.decode()
    assert "300,000.00" in shown and 'data-testid="plan-line-left"' in shown
    listing = clerk.get("/procurement/plans/?q=" + plan.number).content.decode()
    assert plan.number in listing
    # Another unit's plan is a 404; a clerk of it cannot even see it listed.
    other = client_as("hospital_clerk")
    assert other.get(made["Location"]).status_code == 404
    assert plan.number not in other.get("/procurement/plans/").content.decode()
