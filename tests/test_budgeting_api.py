"""/api/v1/budgeting (issue 18 item 7): what the budget preparation pages do, through the same
services — a unit's 一上/二上 draft and its lines, finance's control numbers, the 批复 and its
one-click indicators — for a browser session (CSRF enforced) and an integrator's token alike.
Amounts go in as text in 元 and come out as integer fen; every refusal is a problem body."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.test import Client
from django.utils import timezone

import pytest
from tests.budget_helpers import approve_draft, open_round, year_open
from tests.test_api_csrf import csrf_session

from yusuan.budgeting.choices import DraftStage
from yusuan.budgeting.models import BudgetDraft, BudgetLine, BudgetRound, GeneratedIndicator
from yusuan.budgeting.services.drafts import draft_start
from yusuan.identity.services import api_token_issue
from yusuan.indicators.models import IndicatorLine
from yusuan.projects.models import ProjectPlan
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import instance_approve

pytestmark = pytest.mark.django_db

API = "/api/v1/budgeting"
SCHOOL = "吴江区松陵实验小学"
JSON = "application/json"


def _token(user: Any, *scopes: str) -> dict[str, str]:
    issued = api_token_issue(actor=user, user=user, name="budget system", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.key}"}


def _problem(response: Any, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"] == "application/problem+json"
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


def _decide(user: Any, document_type: str, pk: int, chain: tuple[str, ...]) -> str:
    """Whoever of ``chain`` sits at each step of the submitted round approves it."""
    instance = WorkflowInstance.objects.filter(
        document_type=document_type, object_id=str(pk)
    ).latest("round")
    people = [user(name) for name in chain]
    while instance.state == "in_progress":
        step = instance.current_step or {}
        actor = next(
            (
                p
                for p in people
                if p.organisation_id == step.get("organisation_id")
                and p.roles.filter(code=step.get("role")).exists()
            ),
            None,
        )
        assert actor is not None, step
        instance = instance_approve(actor=actor, instance_id=instance.pk)
    return str(instance.state)


def client_get(user: Any, username: str, path: str) -> Any:
    client = Client()
    client.force_login(user(username))
    return client.get(path)


def _room(project_id: int, fen: int) -> None:
    """More plan for the project in the year (R-PJ-3), so a line may be added to it."""
    plan, made = ProjectPlan.objects.get_or_create(
        project_id=project_id, year=2027, fund_type="111", defaults={"amount_fen": fen}
    )
    if not made:
        ProjectPlan.objects.filter(pk=plan.pk).update(amount_fen=F("amount_fen") + fen)


def _project_line(draft: dict[str, Any]) -> dict[str, Any]:
    return next(
        x
        for x in draft["lines"]
        if x["part"] == "project" and not x["computed"] and not x["removed"]
    )


def _line_body(line: dict[str, Any], amount: str, **changes: Any) -> dict[str, Any]:
    return {
        "amount": amount,
        "project_id": line["project_id"],
        "exp_func_code": line["exp_func_code"],
        "dep_bgt_eco_code": line["dep_bgt_eco_code"] or "30201",
        "fund_type_code": line["fund_type_code"],
        **changes,
    }


# --- a unit's draft -------------------------------------------------------------------------------


def test_the_school_clerk_starts_its_apply_1_adds_a_line_and_submits(user: Any) -> None:
    clerk = user("school_clerk")
    budget_round = open_round(user)
    client, csrf = csrf_session(clerk)
    headers = {"HTTP_X_CSRFTOKEN": csrf}

    listed = client.get(f"{API}/rounds").json()
    assert budget_round.pk in [r["id"] for r in listed["items"]]

    # Start: 一上 built from the computed basic expenditure and the ranked library, once per key.
    path = f"{API}/rounds/{budget_round.pk}/drafts"
    made = client.post(
        path, {"stage": "apply_1"}, content_type=JSON, HTTP_IDEMPOTENCY_KEY="bz-1", **headers
    )
    assert made.status_code == 201, made.content
    draft = made.json()
    assert (draft["stage"], draft["state"]) == ("apply_1", "draft")
    assert draft["organisation_id"] == clerk.organisation_id
    assert draft["errors"] == [] and draft["revenue_fen"] == draft["expenditure_fen"] > 0
    basic = [x for x in draft["lines"] if x["part"] == "basic"]
    assert basic and all(x["computed"] for x in basic)
    assert all(x["figures"]["apply_1_fen"] is None for x in draft["lines"])  # not approved yet
    again = client.post(
        path, {"stage": "apply_1"}, content_type=JSON, HTTP_IDEMPOTENCY_KEY="bz-1", **headers
    )
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == draft["id"]
    assert BudgetDraft.objects.filter(organisation=clerk.organisation).count() == 1
    twice = client.post(path, {"stage": "apply_1"}, content_type=JSON, **headers)
    assert _problem(twice, 409)[0]["code"] == "budgeting.draft_exists"

    # Without the CSRF header a session is refused, and nothing is written.
    refused = client.post(f"{API}/drafts/{draft['id']}/lines", {}, content_type=JSON)
    assert refused.status_code == 403

    # Add a line to a library project (within its plan for the year: R-PJ-3).
    line = _project_line(draft)
    _room(line["project_id"], 300_000)
    added = client.post(
        f"{API}/drafts/{draft['id']}/lines",
        _line_body(line, "1,200.00", summary="<b>办公用品</b>"),
        content_type=JSON,
        **headers,
    )
    assert added.status_code == 201, added.content
    saved = added.json()
    assert saved["line"]["amount_fen"] == 120_000 and saved["line"]["summary"] == "<b>办公用品</b>"
    assert saved["draft"]["expenditure_fen"] == draft["expenditure_fen"] + 120_000
    # The 财政拨款 revenue follows the spending it funds (derived, never typed): still balanced.
    assert saved["draft"]["revenue_fen"] == saved["draft"]["expenditure_fen"]
    changed = client.put(
        f"{API}/drafts/{draft['id']}/lines/{saved['line']['id']}",
        _line_body(line, "1500.5"),
        content_type=JSON,
        **headers,
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["line"]["amount_fen"] == 150_050
    # A computed line is not edited by hand (R-PJ-8).
    computed = client.put(
        f"{API}/drafts/{draft['id']}/lines/{basic[0]['id']}",
        _line_body(basic[0], "1.00"),
        content_type=JSON,
        **headers,
    )
    assert _problem(computed, 403)[0]["rule"] == "R-PJ-8"
    # Add one more and remove it: kept, marked removed at 0.
    extra = client.post(
        f"{API}/drafts/{draft['id']}/lines",
        _line_body(line, "10"),
        content_type=JSON,
        **headers,
    ).json()["line"]
    removed = client.delete(
        f"{API}/drafts/{draft['id']}/lines/{extra['id']}", content_type=JSON, **headers
    )
    assert removed.status_code == 200, removed.content
    gone = next(x for x in removed.json()["lines"] if x["id"] == extra["id"])
    assert gone["removed"] and gone["amount_fen"] == 0

    # Submit: the draft enters the approval engine and can no longer be edited.
    submitted = client.post(f"{API}/drafts/{draft['id']}/submit", content_type=JSON, **headers)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    assert WorkflowInstance.objects.filter(
        document_type="budgeting.draft", object_id=str(draft["id"])
    ).exists()
    late = client.put(
        f"{API}/drafts/{draft['id']}/lines/{saved['line']['id']}",
        _line_body(line, "1"),
        content_type=JSON,
        **headers,
    )
    assert _problem(late, 409)[0]["code"] == "budgeting.not_draft"
    # The list finds it by round, unit, stage and state.
    found = client.get(
        f"{API}/drafts",
        {"round_id": budget_round.pk, "stage": "apply_1", "state": "submitted"},
    ).json()
    assert [d["id"] for d in found["items"]] == [draft["id"]]


def test_an_integrator_token_writes_within_its_scopes(user: Any) -> None:
    clerk = user("school_clerk")
    budget_round = open_round(user)
    client = Client(enforce_csrf_checks=True)
    path = f"{API}/rounds/{budget_round.pk}/drafts"

    reader = _token(clerk, "budgeting:read")
    refused = client.post(path, {"stage": "apply_1"}, content_type=JSON, **reader)
    assert _problem(refused, 403)[0]["code"] == "permission_denied"
    assert not BudgetDraft.objects.filter(organisation=clerk.organisation).exists()
    assert client.get(f"{API}/rounds/{budget_round.pk}", **reader).status_code == 200
    other = _token(clerk, "projects:read")
    assert client.get(f"{API}/drafts", **other).status_code == 403

    writer = _token(clerk, "budgeting:read", "budgeting:write")
    made = client.post(path, {"stage": "apply_1"}, content_type=JSON, **writer)
    assert made.status_code == 201, made.content
    draft = client.get(f"{API}/drafts/{made.json()['id']}", **writer).json()
    assert draft["organisation_name"] == clerk.organisation.name
    line = _project_line(draft)
    assert (
        client.delete(
            f"{API}/drafts/{draft['id']}/lines/{line['id']}", content_type=JSON, **reader
        ).status_code
        == 403
    )
    assert BudgetLine.objects.filter(pk=line["id"], removed=False).exists()


def test_another_units_draft_is_a_404_problem(user: Any) -> None:
    budget_round = open_round(user)
    draft = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    line = BudgetLine.objects.filter(round=budget_round, organisation=draft.organisation).first()
    assert line is not None
    hospital, csrf = csrf_session(user("hospital_clerk"))
    headers = {"HTTP_X_CSRFTOKEN": csrf}
    body = {"amount": "1", "project_id": line.project_id, "fund_type_code": "111"}
    for response in (
        hospital.get(f"{API}/drafts/{draft.pk}"),
        hospital.post(f"{API}/drafts/{draft.pk}/lines", body, content_type=JSON, **headers),
        hospital.put(
            f"{API}/drafts/{draft.pk}/lines/{line.pk}", body, content_type=JSON, **headers
        ),
        hospital.delete(f"{API}/drafts/{draft.pk}/lines/{line.pk}", **headers),
        hospital.post(f"{API}/drafts/{draft.pk}/submit", content_type=JSON, **headers),
    ):
        assert _problem(response, 404)[0]["code"] == "not_found"
    assert draft.pk not in [d["id"] for d in hospital.get(f"{API}/drafts").json()["items"]]
    draft.refresh_from_db()
    assert draft.state == "draft" and BudgetLine.objects.get(pk=line.pk).removed is False
    # Starting a draft for a unit outside one's scope is a 404 too.
    theirs = hospital.post(
        f"{API}/rounds/{budget_round.pk}/drafts",
        {"stage": "apply_1", "organisation_id": draft.organisation_id},
        content_type=JSON,
        **headers,
    )
    assert _problem(theirs, 404)[0]["code"] == "not_found"


def test_hostile_text_and_absurd_numbers_are_problems_never_500(user: Any) -> None:
    budget_round = open_round(user)
    draft = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    line = BudgetLine.objects.filter(
        round=budget_round, organisation=draft.organisation, part="project"
    ).first()
    assert line is not None
    client, csrf = csrf_session(user("school_clerk"))
    headers = {"HTTP_X_CSRFTOKEN": csrf}
    lines = f"{API}/drafts/{draft.pk}/lines"
    good = {"amount": "1", "project_id": line.project_id, "fund_type_code": "111"}
    before = BudgetLine.objects.filter(organisation=draft.organisation).count()
    huge = "9" * 30
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**good, "amount": 1e20}, 422, "amount"),
        ({**good, "amount": "1e20"}, 422, "amount"),
        ({**good, "amount": "100000000000000000000"}, 422, "amount"),
        ({**good, "amount": "-5"}, 422, "amount"),
        ({**good, "amount": "abc"}, 422, "amount"),
        ({**good, "amount": "1.005"}, 422, "amount"),
        ({**good, "project_id": int(huge)}, 422, "project_id"),
        ({**good, "project_id": -1}, 422, "project_id"),
        ({**good, "fund_type_code": "'; DROP"}, 422, "fund_type_code"),
        ({**good, "exp_func_code": "<script>"}, 422, "exp_func_code"),
        ({**good, "summary": "x" * 201}, 422, "summary"),
        ({**good, "side": "sideways"}, 422, "side"),
        ({**good, "people": 10**12}, 422, "people"),
        (
            {**good, "people": 100_000, "days": 366, "standard": "999,999,999,999.99"},
            422,
            "standard",
        ),
    ]
    for body, status, field in cases:
        response = client.post(lines, body, content_type=JSON, **headers)
        errors = _problem(response, status)
        assert field in {e["field"] for e in errors}, (body, errors)
    for path in (
        f"{API}/drafts/{huge}",
        f"{API}/drafts/{huge}/lines/{huge}",
        f"{API}/rounds/{huge}/control/{huge}",
        f"{API}/replies/{huge}/indicators",
    ):
        assert 400 <= client.get(path).status_code < 500, path
    assert _problem(client.get(f"{API}/drafts", {"stage": "三上"}), 422)[0]["field"] == "stage"
    assert _problem(client.get(f"{API}/drafts", {"page": huge}), 422)[0]["field"] == "page"
    assert _problem(client.get(f"{API}/drafts", {"round_id": "0"}), 422)
    not_json = client.post(lines, "{oops", content_type=JSON, **headers)
    assert _problem(not_json, 400)[0]["code"] == "request.unparseable_body"
    assert BudgetLine.objects.filter(organisation=draft.organisation).count() == before

    # Hostile text where text belongs is kept as typed and comes back as data, not markup.
    text = "<script>alert('x')</script>'; DROP TABLE budgeting_budgetline; --"
    _room(line.project_id, 100)
    kept = client.post(lines, {**good, "summary": text}, content_type=JSON, **headers)
    assert kept.status_code == 201, kept.content
    assert kept.json()["line"]["summary"] == text

    # Finance's bodies too: control numbers and figures.
    finance, csrf = csrf_session(user("wj_budget"))
    control = f"{API}/rounds/{budget_round.pk}/control/{draft.department_id}"
    for body, field in (
        ({"numbers": [{"fund_type_code": "111", "part": "basic", "amount": "1e20"}]}, "amount"),
        ({"numbers": [{"fund_type_code": "999", "part": "x", "amount": "1"}]}, "fund_type_code"),
        (
            {"numbers": [], "figures": [{"line_id": int(huge), "amount": "1"}]},
            "figures[0].line_id",
        ),
        ({"numbers": [], "figures": [{"line_id": 1, "amount": "-1"}]}, "figures[0].amount"),
        ({"numbers": [], "figures": [{"line_id": line.pk, "amount": "1"}] * 2}, "figures"),
    ):
        response = finance.put(control, body, content_type=JSON, HTTP_X_CSRFTOKEN=csrf)
        assert response.status_code == 422, (body, response.content[:300])
        fields = {e["field"] for e in _problem(response, 422)}
        assert any(field in (f or "") for f in fields), (body, fields)


# --- 一下, 二上 and the 批复 ------------------------------------------------------------------------


def _apply_1_approved(user: Any) -> tuple[Any, BudgetDraft]:
    budget_round = open_round(user)
    draft = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    assert approve_draft(user, draft).state == "approved"
    return budget_round, draft


def _issue_control(user: Any, budget_round: Any, draft: BudgetDraft) -> dict[str, Any]:
    """Finance sets the control numbers through the API: basic as requested, projects at half
    of what was asked; fills them in rank order; another officer issues them (R-WF-1)."""
    department = draft.department_id
    path = f"{API}/rounds/{budget_round.pk}/control/{department}"
    budget, csrf = csrf_session(user("wj_budget"))
    shown = budget.get(path).json()
    assert shown["issue"] is None
    asked = {(n["fund_type_code"], n["part"]): n["apply_1_fen"] for n in shown["numbers"]}
    basic, project = asked[("111", "basic")], asked[("111", "project")]
    assert basic > 0 and project > 0
    numbers = [
        {"fund_type_code": "111", "part": "basic", "amount": f"{basic / 100:.2f}"},
        {"fund_type_code": "111", "part": "project", "amount": f"{project // 2 / 100:.2f}"},
    ]
    saved = budget.put(
        path,
        {"doc_no": "吴财预〔2026〕88号", "numbers": numbers},
        content_type=JSON,
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["issue"]["state"] == "draft"
    filled = budget.post(f"{path}/fill", content_type=JSON, HTTP_X_CSRFTOKEN=csrf)
    assert filled.status_code == 200, filled.content
    funded = [x["finance_fen"] for x in filled.json()["lines"] if x["part"] == "project"]
    assert sum(f or 0 for f in funded) == project // 2
    # The officer who entered them may not issue them (R-WF-1).
    own = budget.post(f"{path}/issue", content_type=JSON, HTTP_X_CSRFTOKEN=csrf)
    assert _problem(own, 403)[0]["rule"] == "R-WF-1"
    chief, chief_csrf = csrf_session(user("wj_budget_chief"))
    issued = chief.post(f"{path}/issue", content_type=JSON, HTTP_X_CSRFTOKEN=chief_csrf)
    assert issued.status_code == 200, issued.content
    body: dict[str, Any] = issued.json()
    assert body["issue"]["state"] == "issued" and body["issue"]["issued_by"] == "wj_budget_chief"
    assert all(x["figures"]["control_fen"] is not None for x in body["lines"])
    frozen = budget.put(path, {"numbers": numbers}, content_type=JSON, HTTP_X_CSRFTOKEN=csrf)
    assert _problem(frozen, 409)[0]["code"] == "budgeting.control_issued"
    return body


def test_an_over_control_apply_2_submission_is_a_422_naming_r_bp_1(user: Any) -> None:
    budget_round, first = _apply_1_approved(user)
    control = _issue_control(user, budget_round, first)
    limit = next(
        n["amount_fen"]
        for n in control["numbers"]
        if (n["fund_type_code"], n["part"]) == ("111", "project")
    )
    client, csrf = csrf_session(user("school_clerk"))
    headers = {"HTTP_X_CSRFTOKEN": csrf}
    made = client.post(
        f"{API}/rounds/{budget_round.pk}/drafts",
        {"stage": "apply_2"},
        content_type=JSON,
        **headers,
    )
    assert made.status_code == 201, made.content
    second = made.json()
    projects = [x for x in second["lines"] if x["part"] == "project" and not x["removed"]]
    # 二上 starts from finance's figures: within the control number.
    assert sum(x["amount_fen"] for x in projects) == limit
    line = min(projects, key=lambda x: x["amount_fen"])
    _room(line["project_id"], 1_234_500)
    over = client.put(
        f"{API}/drafts/{second['id']}/lines/{line['id']}",
        _line_body(line, f"{(line['amount_fen'] + 1_234_500) / 100:.2f}"),
        content_type=JSON,
        **headers,
    )
    assert over.status_code == 200, over.content
    shown = over.json()["draft"]["errors"]
    assert [e["rule"] for e in shown] == ["R-BP-1"]

    refused = client.post(f"{API}/drafts/{second['id']}/submit", content_type=JSON, **headers)
    (error,) = _problem(refused, 422)
    assert (error["code"], error["rule"], error["field"]) == (
        "budgeting.over_control",
        "R-BP-1",
        "control.111.project",
    )
    assert error["value"] == f"{(limit + 1_234_500) // 100:,}.{(limit + 1_234_500) % 100:02d}"
    assert error["limit"] == f"{limit // 100:,}.{limit % 100:02d}"
    assert "超过一下控制数" in error["message_zh"]
    assert BudgetDraft.objects.get(pk=second["id"]).state == "draft"


def test_finance_generates_the_schools_indicators_once(user: Any) -> None:
    budget_round, first = _apply_1_approved(user)
    _issue_control(user, budget_round, first)
    second = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_2
    )
    assert approve_draft(user, second).state == "approved"
    year_open(user)
    budget, csrf = csrf_session(user("wj_budget"))
    headers = {"HTTP_X_CSRFTOKEN": csrf}

    # The round: its calendar, the congress approval (recorded by the demo: once) and progress.
    shown = budget.get(f"{API}/rounds/{budget_round.pk}").json()
    assert shown["congress_decision_no"] and shown["congress_date"]
    education = next(p for p in shown["progress"] if p["department_id"] == first.department_id)
    assert education["drafts"] == {"apply_1": {"approved": 1}, "apply_2": {"approved": 1}}
    assert education["control"]["state"] == "issued"
    again = budget.post(
        f"{API}/rounds/{budget_round.pk}/congress",
        {"decision_no": "再次", "decision_date": "2027-01-15"},
        content_type=JSON,
        **headers,
    )
    assert _problem(again, 409)[0]["code"] == "budgeting.congress_recorded"

    # The 批复: entered by one budget officer, approved by another.
    made = budget.post(
        f"{API}/rounds/{budget_round.pk}/replies",
        {"department_id": first.department_id, "doc_no": "吴财预〔2027〕1号"},
        content_type=JSON,
        HTTP_IDEMPOTENCY_KEY="pf-1",
        **headers,
    )
    assert made.status_code == 201, made.content
    reply = made.json()
    assert (reply["kind"], reply["state"], reply["department_id"]) == (
        "first",
        "draft",
        first.department_id,
    )
    assert reply["total_fen"] == sum(x["reply_fen"] for x in reply["lines"]) > 0
    assert all(x["figures"]["apply_2_fen"] == x["reply_fen"] for x in reply["lines"])
    early = budget.post(f"{API}/replies/{reply['id']}/generate", content_type=JSON, **headers)
    assert _problem(early, 409)[0]["code"] == "budgeting.reply_not_approved"
    submitted = budget.post(f"{API}/replies/{reply['id']}/submit", content_type=JSON, **headers)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    assert _decide(user, "budgeting.reply", reply["id"], ("wj_budget_chief",)) == "approved"

    # One click: the indicators, once; a second call creates nothing.
    generated = budget.post(
        f"{API}/replies/{reply['id']}/generate",
        content_type=JSON,
        HTTP_IDEMPOTENCY_KEY="gen-1",
        **headers,
    )
    assert generated.status_code == 200, generated.content
    outcome = generated.json()
    count = GeneratedIndicator.objects.filter(reply_id=reply["id"]).count()
    assert outcome["created"] == count > 0 and outcome["existing"] == 0
    assert outcome["documents"] and outcome["sources"]
    lines_before = IndicatorLine.objects.count()
    second_click = budget.post(
        f"{API}/replies/{reply['id']}/generate", content_type=JSON, **headers
    ).json()
    assert (second_click["created"], second_click["existing"]) == (0, count)
    replay = budget.post(
        f"{API}/replies/{reply['id']}/generate",
        content_type=JSON,
        HTTP_IDEMPOTENCY_KEY="gen-1",
        **headers,
    )
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == outcome
    assert IndicatorLine.objects.count() == lines_before

    # Each line → its indicator: code, id, amount and the document it was posted in.
    listed = budget.get(f"{API}/replies/{reply['id']}/indicators").json()
    assert listed["count"] == count
    figures = {x["id"]: x["reply_fen"] for x in reply["lines"]}
    for item in listed["items"]:
        indicator = IndicatorLine.objects.get(pk=item["indicator_id"])
        assert item["indicator_code"] == indicator.code
        assert item["amount_fen"] == figures[item["line_id"]] == indicator.total
        assert item["document_number"] in outcome["documents"]
    detail = budget.get(f"{API}/replies/{reply['id']}").json()
    assert detail["generated"] == count and detail["generated_at"]
    # The school's clerk sees the 批复's indicators of its own lines only; the hospital none.
    assert client_get(user, "hospital_clerk", f"{API}/replies/{reply['id']}").status_code == 404

    # A changed 批复: new figures for one line, 追加 of the difference.
    line = listed["items"][0]
    new = (line["amount_fen"] + 2_000_000) / 100
    change = budget.post(
        f"{API}/replies/{reply['id']}/changes",
        {
            "doc_no": "吴财预〔2027〕9号",
            "reason": "人大常委会批准预算调整",
            "figures": [{"line_id": line["line_id"], "amount": f"{new:.2f}"}],
        },
        content_type=JSON,
        **headers,
    )
    assert change.status_code == 201, change.content
    assert change.json()["kind"] == "change" and change.json()["total_fen"] == round(new * 100)
    listed_replies = budget.get(
        f"{API}/replies", {"department_id": first.department_id, "kind": "change"}
    ).json()
    assert [r["id"] for r in listed_replies["items"]] == [change.json()["id"]]


def test_the_draft_detail_shows_every_stage_figure(user: Any) -> None:
    """R-BP-9 side by side: after 一上 approval and 一下 each line carries both figures."""
    budget_round, first = _apply_1_approved(user)
    _issue_control(user, budget_round, first)
    client = Client()
    client.force_login(user("school_clerk"))
    shown = client.get(f"{API}/drafts/{first.pk}").json()
    fiscal = [
        x for x in shown["lines"] if x["fund_type_code"] == "111" and x["side"] == "expenditure"
    ]
    assert fiscal and all(x["figures"]["apply_1_fen"] is not None for x in fiscal)
    assert all(x["figures"]["control_fen"] is not None for x in fiscal)
    assert all(x["figures"]["approved_fen"] is None for x in fiscal)
    # The hospital's draft of the demo went to 批复: its figures are in force.
    hospital = Client()
    hospital.force_login(user("hospital_clerk"))
    theirs = hospital.get(f"{API}/drafts", {"round_id": budget_round.pk}).json()["items"]
    assert theirs and {d["organisation_name"] for d in theirs} == {"吴江区第一人民医院"}
    detail = hospital.get(f"{API}/drafts/{theirs[0]['id']}").json()
    assert any(x["figures"]["current_fen"] is not None for x in detail["lines"])


def test_the_round_names_the_calendars_breaches_to_whoever_may_see_them(user: Any) -> None:
    """R-BP-7: a deadline passed without the act (or met late) is listed — to those who see the
    draft or the 批复: the school's late 一上 to its clerk and finance, not to the hospital;
    卫健委's late 批复 to finance, not to the school."""
    budget_round = open_round(user)
    draft_start(actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1)
    today = timezone.localdate()
    BudgetRound.objects.filter(pk=budget_round.pk).update(
        apply_1_due=today - dt.timedelta(days=1), congress_date=today - dt.timedelta(days=60)
    )

    def breaches(username: str) -> list[str]:
        shown = client_get(user, username, f"{API}/rounds/{budget_round.pk}")
        assert shown.status_code == 200, shown.content
        body = shown.json()
        assert body["apply_1_due"] == str(today - dt.timedelta(days=1))
        return [b["what"] for b in body["breaches"]]

    late_apply = f"{SCHOOL} 一上"
    late_reply = "苏州市吴江区卫生健康委员会 批复（人大批准后 20 日内）"
    assert {late_apply, late_reply} <= set(breaches("wj_budget"))
    school = breaches("school_clerk")
    assert late_apply in school and not any("卫生健康委员会" in b for b in school)
    assert late_apply not in breaches("hospital_clerk")


def test_the_workbook_round_trip_and_the_units_reply_through_the_api(user: Any) -> None:
    """An integrator imports a unit's workbook (every bad row named, nothing kept; then clean);
    卫健委 records its 批复 to its units (R-BP-7)."""
    import io

    from openpyxl import load_workbook

    from yusuan.budgeting.exchange import draft_workbook
    from yusuan.budgeting.models import Reply

    clerk = user("school_clerk")
    budget_round = open_round(user)
    draft = draft_start(actor=clerk, round_id=budget_round.pk, stage=DraftStage.APPLY_1)
    book = load_workbook(io.BytesIO(draft_workbook(draft, template=True)))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    amount, summary = header.index("编制数(元)") + 1, header.index("摘要") + 1
    target = next(
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, header.index("基本/项目") + 1).value == "项目支出"
    )
    sheet.cell(target, summary).value = '=HYPERLINK("http://x")'
    sheet.cell(target, amount).value = "abc"
    bad = io.BytesIO()
    book.save(bad)
    client = Client(enforce_csrf_checks=True)
    writer = _token(clerk, "budgeting:read", "budgeting:write")
    path = f"{API}/drafts/{draft.pk}/import"
    before = list(
        BudgetLine.objects.filter(round=budget_round, organisation=clerk.organisation).values_list(
            "pk", "amount_fen"
        )
    )
    refused = client.post(path, {"file": _upload(bad.getvalue())}, **writer)
    errors = _problem(refused, 422)
    assert any(e["row"] == target and e["field"].endswith("amount") for e in errors), errors
    assert (
        list(
            BudgetLine.objects.filter(
                round=budget_round, organisation=clerk.organisation
            ).values_list("pk", "amount_fen")
        )
        == before
    )
    sheet.cell(target, amount).value = 1234.5
    good = io.BytesIO()
    book.save(good)
    done = client.post(path, {"file": _upload(good.getvalue())}, **writer)
    assert done.status_code == 200, done.content[:400]
    assert len(done.json()["changed"]) == 1
    position = sheet.cell(target, header.index("序号") + 1).value
    line = next(x for x in done.json()["draft"]["lines"] if x["position"] == position)
    saved = BudgetLine.objects.get(pk=line["id"])
    assert not saved.summary.startswith("=")  # a formula typed in Excel is never stored as one
    assert line["amount_fen"] == 123_450

    reply = Reply.objects.get(organisation__name="苏州市吴江区卫生健康委员会")
    body = {"units_replied_on": timezone.localdate().isoformat()}
    units = f"{API}/replies/{reply.pk}/units"
    assert (
        client.post(units, body, content_type=JSON, **_token(clerk, "budgeting:write")).status_code
        == 404
    )
    recorded = client.post(
        units, body, content_type=JSON, **_token(user("health_clerk"), "budgeting:write")
    )
    assert recorded.status_code == 200, recorded.content[:400]
    reply.refresh_from_db()
    assert reply.units_replied_on == timezone.localdate()


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "draft.xlsx",
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
