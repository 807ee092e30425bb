"""Changes after filing (ADR 0052) and the leftover of a procurement budget (R-GP-3b, R-GP-5,
R-GP-8; DOMAIN §3.8, DOMAIN-2 §6.3).

A supplementary contract (补充合同) is a document of the approval engine: Σ supplements ≤ 10 % of
the original contract, paid from one of the contract's indicator lines; approved, it reserves
the addition there, raises the contract and adds a node to its payment schedule. A filed plan's
change of method is a document too, routed to the finance procurement division when the new
method departs from 公开招标 at or above the threshold. Figures: the contract's amount, the line's
(available, reserved) and ``reservation_differences()`` after each step."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone, translation

import pytest
from tests.test_api_csrf import csrf_session
from tests.test_contract_reservations import _lines, _user
from tests.test_indicators_rules import (
    adjustment,
    approve,
    buckets,
    executable,
    make_world,
    move,
    named,
    refused,
    submit,
)
from tests.test_procurement_awards import _award, _contract, _day, _filed_plan, _node
from tests.test_procurement_plans import _b, _filed, _plan, _submit
from tests.test_procurement_plans import _contract as plan_contract

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money
from yusuan.core.models import Standard
from yusuan.core.services.standards import standard_change
from yusuan.identity.services import api_token_issue
from yusuan.procurement.choices import ChangeKind, ChangeState, IntentionExemption, PurMethod
from yusuan.procurement.models import Contract, ContractLine, ProcurementChange, ProcurementPlan
from yusuan.procurement.selectors import reservation_differences
from yusuan.procurement.services import contract_close, plan_close
from yusuan.procurement.services.changes import ChangeInput, change_create
from yusuan.procurement.workflow import CHANGE_HANDLER
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import document_submit, instance_approve, instance_reject

pytestmark = pytest.mark.django_db

CHANGE = "procurement.change"


def _codes(caught: pytest.ExceptionInfo[BusinessRuleError]) -> dict[str, tuple[Any, ...]]:
    return {e.field: (e.code, e.rule, e.value, e.limit) for e in caught.value.errors}


def _supplement(contract: Contract, yuan: str, line_id: int, **kw: Any) -> ProcurementChange:
    values: dict[str, Any] = {
        "kind": ChangeKind.SUPPLEMENT,
        "reason": "增加两套录播设备",
        "contract_id": contract.pk,
        "amount": Money.parse(yuan),
        "indicator_line_id": line_id,
        "signed_on": _day(),
    }
    values.update(kw)
    return change_create(actor=_user("school_clerk"), data=ChangeInput(**values))


def _submit_change(change: ProcurementChange) -> WorkflowInstance:
    return document_submit(
        actor=_user("school_clerk"), document_type=CHANGE, object_id=str(change.pk)
    )


def _approved(change: ProcurementChange, *approvers: str) -> ProcurementChange:
    instance = _submit_change(change)
    for name in approvers or ("school_approver",):
        instance_approve(actor=_user(name), instance_id=instance.pk)
    change.refresh_from_db()
    return change


# --- R-GP-3b: supplementary contracts -----------------------------------------------------------


def test_r_gp_3b_supplements_stay_within_ten_percent_and_reserve_their_money(user: Any) -> None:
    (line,) = _lines(900_000_00)
    plan = _filed_plan(line)  # 600,000.00 reserved by the plan
    contract = _contract(_award(plan, "500,000.00"), line)
    assert _b(line) == (300_000_00, 600_000_00)

    # 10 % of 500,000.00 is 50,000.00: one fen more is refused, naming the figures.
    with pytest.raises(BusinessRuleError) as over:
        _supplement(contract, "50,000.01", line.pk)
    assert _codes(over)["amount"] == (
        "procurement.supplement_over_ten_percent",
        "R-GP-3b",
        "50,000.01",
        "50,000.00",
    )
    assert "500,000.00" in over.value.errors[0].message_zh
    # A line the contract is not paid from, a date before the contract, no reason: all named.
    (other,) = _lines(100_000_00)
    with pytest.raises(BusinessRuleError) as bad:
        _supplement(contract, "1.00", other.pk, reason=" ", signed_on=_day() - dt.timedelta(days=1))
    assert {f: c[0] for f, c in _codes(bad).items()} == {
        "indicator_line": "procurement.supplement_line",
        "signed_on": "procurement.supplement_signed_on",
        "reason": "procurement.reason_required",
    }
    assert not ProcurementChange.objects.filter(contract=contract).exists()

    first = _supplement(contract, "30,000.00", line.pk)
    assert first.state == ChangeState.DRAFT
    assert _b(line) == (300_000_00, 600_000_00)  # a draft holds nothing
    instance = _submit_change(first)
    assert [s["key"] for s in instance.route] == ["unit_approval"]
    assert _b(line) == (300_000_00, 600_000_00)  # nor does a change waiting for approval
    instance_approve(actor=_user("school_approver"), instance_id=instance.pk)
    first.refresh_from_db()
    contract.refresh_from_db()
    assert first.state == ChangeState.APPROVED
    assert contract.amount == 530_000_00
    assert _b(line) == (270_000_00, 630_000_00)
    share = ContractLine.objects.get(contract=contract, indicator_line=line)
    assert (share.amount, share.supplemented) == (530_000_00, 30_000_00)
    # R-GP-10: Σ nodes = contract; the supplement's node is paid after its acceptance.
    node = _node(contract, f"补充合同 {first.number}")
    assert (node.amount, node.requires_acceptance) == (30_000_00, True)
    assert sum(n.amount for n in contract.instalments.all()) == contract.amount
    assert reservation_differences() == []
    assert (
        AuditRecord.objects.filter(
            action="procurement.contract_supplemented", object_id=str(contract.pk)
        ).count()
        == 1
    )

    # The cap is on the original contract (500,000.00), counting what was approved before.
    with pytest.raises(BusinessRuleError) as second:
        _supplement(contract, "20,000.01", line.pk)
    assert _codes(second)["amount"][2:] == ("50,000.01", "50,000.00")
    rest = _supplement(contract, "20,000.00", line.pk)
    # Two drafts may each fit alone; the approval re-checks under the contract's lock.
    twin = _supplement(contract, "20,000.00", line.pk)
    _approved(rest)
    with pytest.raises(BusinessRuleError) as late:
        _submit_change(twin)
    assert _codes(late)["amount"][0] == "procurement.supplement_over_ten_percent"
    contract.refresh_from_db()
    assert contract.amount == 550_000_00
    assert _b(line) == (250_000_00, 650_000_00)

    # Closed while its plan is open: the plan's share goes back to the plan, the supplements'
    # to the line's available money (nothing was paid).
    contract_close(
        actor=_user("school_clerk"), contract_id=contract.pk, state="terminated", closed_on=_day()
    )
    plan.refresh_from_db()
    assert _b(line) == (300_000_00, 600_000_00)
    assert sum(pl.consumed for pl in plan.lines.all()) == 0
    assert reservation_differences() == []


def test_r_gp_3b_a_supplement_needs_the_lines_available_money(user: Any) -> None:
    (line,) = _lines(610_000_00)
    contract = _contract(_award(_filed_plan(line), "500,000.00"), line)
    assert _b(line) == (10_000_00, 600_000_00)
    with pytest.raises(BusinessRuleError) as caught:
        _supplement(contract, "10,000.01", line.pk)
    assert _codes(caught)["amount"] == (
        "procurement.supplement_insufficient",
        "R-GP-3b",
        "10,000.01",
        "10,000.00",
    )
    # Rejected, a supplement changes nothing.
    change = _supplement(contract, "10,000.00", line.pk)
    instance = _submit_change(change)
    instance_reject(actor=_user("school_approver"), instance_id=instance.pk, reason="不需要")
    change.refresh_from_db()
    contract.refresh_from_db()
    assert (change.state, contract.amount, _b(line)) == (
        ChangeState.REJECTED,
        500_000_00,
        (10_000_00, 600_000_00),
    )


def test_a_closed_contract_takes_no_supplement_and_other_units_see_none(user: Any) -> None:
    (line,) = _lines(900_000_00)
    contract = _contract(_award(_filed_plan(line), "500,000.00"), line)
    change = _supplement(contract, "1,000.00", line.pk)
    with pytest.raises(NotFoundError):
        document_submit(
            actor=_user("hospital_clerk"), document_type=CHANGE, object_id=str(change.pk)
        )
    with pytest.raises(NotFoundError):
        _supplement_as("hospital_clerk", contract, line.pk)
    contract_close(
        actor=_user("school_clerk"), contract_id=contract.pk, state="completed", closed_on=_day()
    )
    with pytest.raises(BusinessRuleError) as caught:
        _submit_change(change)
    assert _codes(caught)["contract"][:2] == ("procurement.supplement_contract_state", "R-GP-3b")


def _supplement_as(name: str, contract: Contract, line_id: int) -> ProcurementChange:
    return change_create(
        actor=_user(name),
        data=ChangeInput(
            kind=ChangeKind.SUPPLEMENT,
            reason="x",
            contract_id=contract.pk,
            amount=Money.parse("1.00"),
            indicator_line_id=line_id,
            signed_on=_day(),
        ),
    )


# --- R-GP-8: a change of method after filing ----------------------------------------------------


def _method_change(plan: ProcurementPlan, method: str, **kw: Any) -> ProcurementChange:
    return change_create(
        actor=_user("school_clerk"),
        data=ChangeInput(
            kind=ChangeKind.METHOD,
            reason="公开招标有效投标人不足三家，废标",
            plan_id=plan.pk,
            new_method=method,
            **kw,
        ),
    )


def test_r_gp_8_a_method_change_above_the_threshold_goes_to_finance(user: Any) -> None:
    (line,) = _lines(5_000_000_00)
    plan = _filed(
        _plan(
            [(line, "4,000,000.00")],
            planned_start=_day(),
            exemption=IntentionExemption.URGENT,
            exemption_reason="设备损毁急需更换",
        )
    )
    assert plan.method == PurMethod.OPEN_TENDER
    # The same method, 询价 for goods only is fine here but a single source needs its reason.
    with pytest.raises(BusinessRuleError) as same:
        _method_change(plan, PurMethod.OPEN_TENDER)
    assert _codes(same)["new_method"][:2] == ("procurement.method_unchanged", "R-GP-8")
    with pytest.raises(BusinessRuleError) as reason:
        _method_change(plan, PurMethod.SINGLE_SOURCE)
    assert _codes(reason)["single_source_reason"][0] == (
        "procurement.single_source_reason_required"
    )

    change = _method_change(plan, PurMethod.NEGOTIATION)
    assert change.method_exception is True
    instance = _submit_change(change)
    assert [s["key"] for s in instance.route] == ["unit_approval", "procurement_approval"]
    instance_approve(actor=_user("school_approver"), instance_id=instance.pk)
    plan.refresh_from_db()
    assert plan.method == PurMethod.OPEN_TENDER  # finance has not decided yet
    instance_approve(actor=_user("wj_procurement"), instance_id=instance.pk)
    plan.refresh_from_db()
    change.refresh_from_db()
    assert (plan.method, plan.method_exception, change.state) == (
        PurMethod.NEGOTIATION,
        True,
        ChangeState.APPROVED,
    )
    assert AuditRecord.objects.filter(
        action="procurement.plan_method_changed", object_id=str(plan.pk)
    ).exists()

    # Below the threshold the unit decides alone; after an award the method no longer changes.
    (small_line,) = _lines(900_000_00)
    small = _filed_plan(small_line, "500,000.00")
    below = _method_change(small, PurMethod.CONSULTATION)
    assert [s["key"] for s in _submit_change(below).route] == ["unit_approval"]
    _award(small, "480,000.00")
    with pytest.raises(BusinessRuleError) as awarded:
        _method_change(small, PurMethod.NEGOTIATION)
    assert _codes(awarded)["plan"][:3] == ("procurement.change_after_award", "R-GP-8", 1)
    # A contract filed under a plan without an award ends its changes of method too.
    (third_line,) = _lines(900_000_00)
    third = _filed_plan(third_line, "200,000.00")
    plan_contract(third, [(third_line, "150,000.00")], "HT-R-GP-8")
    with pytest.raises(BusinessRuleError) as contracted:
        _method_change(third, PurMethod.NEGOTIATION)
    assert _codes(contracted)["plan"][:3] == ("procurement.change_after_contract", "R-GP-8", 1)


def test_r_gp_8_the_route_follows_the_threshold_in_force_at_submission(user: Any) -> None:
    """A draft entered below the 公开招标数额标准 goes to finance if the threshold was lowered
    before it was submitted: the route is worked out then, not from the draft's flag."""
    (line,) = _lines(900_000_00)
    plan = _filed_plan(line, "500,000.00")
    change = _method_change(plan, PurMethod.NEGOTIATION)
    assert change.method_exception is False
    clerk = _user("school_clerk")
    standard_change(
        actor=_user("wj_budget"),
        standard=Standard.objects.get(
            mof_div_code=clerk.mof_div_code,
            fiscal_year=plan.fiscal_year,
            key="procurement.tender_goods_services",
        ),
        value=400_000_00,
        reason="本地区下调公开招标数额标准",
        effective_from=dt.date(plan.fiscal_year, 1, 1),
    )
    instance = _submit_change(change)
    assert [s["key"] for s in instance.route] == ["unit_approval", "procurement_approval"]
    change.refresh_from_db()
    assert change.method_exception is True


def test_a_supplement_signed_after_today_is_refused(user: Any) -> None:
    (line,) = _lines(900_000_00)
    contract = _contract(_award(_filed_plan(line), "500,000.00"), line)
    later = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(BusinessRuleError) as caught:
        _supplement(contract, "1,000.00", line.pk, signed_on=later)
    assert _codes(caught)["signed_on"] == (
        "procurement.supplement_signed_later",
        "R-GP-3b",
        str(later),
        str(timezone.localdate()),
    )


def test_a_draft_plan_changes_its_method_by_editing_not_by_a_change(user: Any) -> None:
    (line,) = _lines(900_000_00)
    plan = _plan(
        [(line, "100,000.00")], exemption=IntentionExemption.URGENT, exemption_reason="急需"
    )
    with pytest.raises(BusinessRuleError) as caught:
        _method_change(plan, PurMethod.NEGOTIATION)
    assert _codes(caught)["plan"][:2] == ("procurement.change_plan_state", "R-GP-8")
    _submit(plan)


# --- R-GP-5: the leftover of a procurement budget -----------------------------------------------


def test_r_gp_5_only_the_leftover_moves_to_non_procurement_use(user: Any) -> None:
    """What plans and contracts hold stays procurement money; what is left moves to
    non-procurement use of the same project by a 调剂 (R-AJ-2: procurement_split, approved by
    the department), and more once the plan is closed."""
    w = make_world(user)
    procured = executable(w, 300_000_00, is_gov_pur=True, dep_bgt_eco_code="31002")
    ordinary = executable(w, 100_000_00)
    plan = _filed(
        _plan(
            [(procured, "200,000.00")],
            planned_start=_day(),
            exemption=IntentionExemption.URGENT,
            exemption_reason="设备损毁急需更换",
        )
    )
    contract = _contract(_award(plan, "150,000.00"), procured, number="HT-GP5", instalments=[])
    assert buckets(procured) == {
        "total": 300_000_00,
        "available": 100_000_00,
        "reserved": 200_000_00,
    }
    # The plan's money (its contract's and its rest) cannot move: only 100,000.00 is available.
    errors = refused(
        lambda: adjustment(w, "procurement_split", [move(procured, ordinary, 100_000_01)])
    )
    short = named(errors, "indicators.insufficient")
    assert (short.value, short.limit) == ("100,000.01", "100,000.00")
    # The procurement completed: the plan closes and gives back what its contract did not take.
    contract_close(
        actor=_user("school_clerk"), contract_id=contract.pk, state="completed", closed_on=_day()
    )
    plan_close(actor=_user("school_clerk"), plan_id=plan.pk, reason="采购完成")
    assert buckets(procured) == {"total": 300_000_00, "available": 300_000_00}
    document = adjustment(w, "procurement_split", [move(procured, ordinary, 300_000_00)])
    instance = submit(w, document)
    while instance.state == "in_progress":
        instance = approve(w, instance)
    assert buckets(procured) == {}
    assert buckets(ordinary) == {"total": 400_000_00, "available": 400_000_00}
    assert reservation_differences() == []


# --- API and pages ------------------------------------------------------------------------------


def test_the_api_enters_and_submits_a_supplement_with_a_token_and_csrf(user: Any) -> None:
    (line,) = _lines(900_000_00)
    contract = _contract(_award(_filed_plan(line), "500,000.00"), line)
    token = api_token_issue(
        actor=None, user=user("school_clerk"), name="t", scopes=("payments:read", "payments:write")
    )
    client = Client(enforce_csrf_checks=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    body = {
        "kind": "supplement",
        "reason": "<b>增加</b>两套",
        "contract_id": contract.pk,
        "amount": "60,000.00",
        "indicator": line.code,
        "signed_on": _day().isoformat(),
    }
    over = client.post(
        "/api/v1/procurement/changes", json.dumps(body), content_type="application/json", **auth
    )
    assert over.status_code == 422, over.content
    (error,) = over.json()["errors"]
    assert (error["code"], error["rule"], error["field"], error["limit"]) == (
        "procurement.supplement_over_ten_percent",
        "R-GP-3b",
        "amount",
        "50,000.00",
    )
    made = client.post(
        "/api/v1/procurement/changes",
        json.dumps({**body, "amount": "50,000.00"}),
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.content
    change = made.json()
    assert (change["amount_fen"], change["indicator"], change["state"]) == (
        50_000_00,
        line.code,
        "draft",
    )
    # The cashier's token has the write scope and sees the change, but may not submit it.
    reviewer = api_token_issue(
        actor=None,
        user=user("school_cashier"),
        name="r",
        scopes=("payments:read", "payments:write"),
    )
    refused = client.post(
        f"/api/v1/procurement/changes/{change['id']}/submit",
        HTTP_AUTHORIZATION=f"Bearer {reviewer.key}",
    )
    assert refused.status_code == 403, refused.content
    sent = client.post(f"/api/v1/procurement/changes/{change['id']}/submit", **auth)
    assert sent.status_code == 200, sent.content
    assert sent.json()["state"] == "submitted"
    # A session without the CSRF token is refused; another unit's change is a 404.
    session, _csrf = csrf_session(user("school_clerk"))
    assert session.post(f"/api/v1/procurement/changes/{change['id']}/submit").status_code == 403
    other = api_token_issue(
        actor=None, user=user("hospital_clerk"), name="h", scopes=("payments:read",)
    )
    hidden = client.get(
        f"/api/v1/procurement/changes/{change['id']}",
        HTTP_AUTHORIZATION=f"Bearer {other.key}",
    )
    assert hidden.status_code == 404


def test_the_pages_enter_a_supplement_and_show_the_refusal(client_as: Any, user: Any) -> None:
    (line,) = _lines(900_000_00)
    contract = _contract(_award(_filed_plan(line), "500,000.00"), line)
    client = client_as("school_clerk")
    page = client.get(f"/payments/contracts/{contract.pk}/")
    assert f"/procurement/changes/new/?contract={contract.pk}" in page.content.decode()
    url = f"/procurement/changes/new/?contract={contract.pk}"
    form = client.get(url)
    assert "50,000.00" in form.content.decode()  # what is still allowed
    refused_page = client.post(
        url,
        {
            "amount": "50,000.01",
            "indicator_line_id": line.pk,
            "signed_on": _day().isoformat(),
            "reason": "增加",
        },
    )
    text = refused_page.content.decode()
    assert refused_page.status_code == 200
    assert 'data-field="amount"' in text and "R-GP-3b" in text
    saved = client.post(
        url,
        {
            "amount": "50,000.00",
            "indicator_line_id": line.pk,
            "signed_on": _day().isoformat(),
            "reason": "<script>x</script>",
        },
    )
    change = ProcurementChange.objects.get(contract=contract)
    assert saved.status_code == 302 and saved["Location"] == f"/procurement/changes/{change.pk}/"
    detail = client.get(saved["Location"]).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in detail and "<script>x</script>" not in detail
    assert client.post(saved["Location"], {"action": "submit"}).status_code == 302
    change.refresh_from_db()
    assert change.state == ChangeState.SUBMITTED
    outsider = client_as("hospital_clerk")
    assert outsider.get(saved["Location"]).status_code == 404
    assert outsider.get(url).status_code == 404
    plan = contract.plan
    assert plan is not None
    assert outsider.get(f"/procurement/changes/new/?plan={plan.pk}").status_code == 404
    # A plan with an award offers no change of method; the refusal would name it anyway.
    plan_page = client.get(f"/procurement/plans/{plan.pk}/").content.decode()
    assert "/procurement/changes/new/?plan=" not in plan_page


def test_the_approver_reads_the_supplements_figures_and_the_methods(
    client_as: Any, user: Any
) -> None:
    (line,) = _lines(900_000_00)
    plan = _filed_plan(line)
    contract = _contract(_award(plan, "500,000.00"), line)
    _approved(_supplement(contract, "30,000.00", line.pk))
    change = _supplement(contract, "15,000.00", line.pk)
    with translation.override("en"):
        facts = {
            f.label: f.value
            for f in CHANGE_HANDLER.summary(actor=_user("school_approver"), document=change).facts
        }
    assert facts["Original contract amount"] == "500,000.00"
    assert facts["Supplements approved before"] == "30,000.00"
    assert facts["This supplement"] == "15,000.00"
    assert facts["R-GP-3b"] == "At most 50,000.00 in all"
    page = client_as("school_approver").get(f"/procurement/changes/{change.pk}/").content.decode()
    assert "补充合同累计不得超过 50,000.00 元" in page
    (other,) = _lines(5_000_000_00)
    big = _filed(
        _plan(
            [(other, "4,000,000.00")],
            planned_start=_day(),
            exemption=IntentionExemption.URGENT,
            exemption_reason="急需",
        )
    )
    method = _method_change(big, PurMethod.SINGLE_SOURCE, single_source_reason="专利产品")
    with translation.override("en"):
        facts = {
            f.label: f.value
            for f in CHANGE_HANDLER.summary(actor=_user("school_approver"), document=method).facts
        }
    assert facts["Procurement method"] == "Open tender (公开招标) → Single source (单一来源)"
    assert facts["Why a single source"] == "专利产品"
    assert "R-GP-8" in facts
