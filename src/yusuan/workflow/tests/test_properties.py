"""Property: whatever sequence of submit / approve / return / reject / withdraw anyone tries,
nobody decides two steps of one document, nobody decides a document they entered or submitted,
every round ends in exactly one final state, and a closed document stays closed (P6, P8).

The machine is steered (see docs/development/testing.md, "Property tests that bite"): most of the
time the person acting is one the current step waits for (the inbox offers them the round) or,
for a withdrawal, the submitter; otherwise a person the step must refuse (a holder of the step's
seat barred by separation of duties, the entrant, the submitter) or anyone. Every outcome is
counted (``event()`` and ``Approvals.seen``), and the test checks afterwards that approvals,
returns, rejections, withdrawals and each kind of separation-of-duties refusal really happened.
``test_the_machine_catches_a_broken_separation_of_duties`` keeps the mutant that motivated this:
with ``rules.sod_violation`` always None the machine must fail.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any, ClassVar

from django.db import transaction

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import IncompatibleRolePair, Role, User
from yusuan.workflow import rules, selectors, services
from yusuan.workflow.choices import STEP_ACTIONS, InstanceState
from yusuan.workflow.models import WorkflowAction, WorkflowInstance
from yusuan.workflow.tests.documents import Paper, PaperHandler, attached

TYPE = "payments.request"
_ids = itertools.count(50_000)
PAPER_STATE = {
    InstanceState.IN_PROGRESS: "submitted",
    InstanceState.APPROVED: "effective",
    InstanceState.REJECTED: "void",
    InstanceState.WITHDRAWN: "draft",
    InstanceState.RETURNED: "draft",
}
# Who acts on an open round, drawn with these weights: mostly someone the step waits for, often
# someone separation of duties must refuse (see ``Approvals._pool``).
WHO = ["eligible"] * 5 + ["decided"] * 2 + ["own", "seat", "anyone"]
MAX_PAPERS = 3
# What each run must have seen at least once (the machine's own steps, not its teardown):
# decisions that took effect and the separation-of-duties refusals. R-WF-2 (a second step) is
# met without the matrix; with it, the people who hold two steps' roles are barred from both by
# R-WF-3 (incompatible roles) first, so they never decide a step a second step could follow.
MUST_HAPPEN = (
    "submit",
    "approve",
    "return",
    "return_entry",
    "reject",
    "withdraw",
    "workflow.own_document",  # R-WF-1
)


def _people() -> list[User]:
    """The school's staff plus two people holding several roles, and the treasury officer."""
    names = ["school_clerk", "school_reviewer", "school_approver", "school_cashier", "wj_treasury"]
    people = list(User.objects.filter(username__in=names).order_by("username"))
    school = User.objects.get(username="school_clerk").organisation
    roles = {r.code: r for r in Role.objects.all()}
    for username, codes in (
        ("multi_clerk_reviewer", ("unit_clerk", "unit_reviewer")),
        ("multi_reviewer_approver", ("unit_reviewer", "unit_approver")),
    ):
        user, _ = User.objects.get_or_create(username=username, defaults={"organisation": school})
        user.roles.set([roles[c] for c in codes])
        people.append(user)
    return people


class Approvals(RuleBasedStateMachine):
    people: ClassVar[list[User]] = []
    roles: ClassVar[dict[int, frozenset[str]]] = {}
    handler: ClassVar[PaperHandler]
    # Outcomes over every example of a run: an action that took effect, or the refusal's code.
    seen: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        # Each example starts from the same database: everything it writes is rolled back.
        self.savepoint = transaction.savepoint()
        self.papers: list[Paper] = []

    def _try(self, kind: str, call: Any) -> None:
        records = AuditRecord.objects.count()
        actions = WorkflowAction.objects.count()
        try:
            call()
        except BusinessRuleError as exc:
            # A refusal writes nothing: no action, no audit record.
            assert AuditRecord.objects.count() == records
            assert WorkflowAction.objects.count() == actions
            outcome = exc.errors[0].code
        else:
            outcome = kind
        event(f"{kind}: {outcome}")
        self.seen[outcome] += 1

    def _open(self, paper: Paper) -> WorkflowInstance | None:
        return WorkflowInstance.objects.filter(
            document_type=TYPE, object_id=str(paper.pk), state=InstanceState.IN_PROGRESS
        ).first()

    def _pool(self, instance: WorkflowInstance, action: str, who: str) -> list[User]:
        """The people ``who`` names for ``action`` on the round (empty when there is none).

        For a withdrawal "eligible" is the submitter. For a decision: "eligible", the people
        whose inbox offers the round (the inbox's own reading of R-WF-1/2/3, not the services');
        "decided", those who decided another step of the document (R-WF-2); "own", its entrant
        and submitters (R-WF-1); "seat", anyone holding the step's role where it waits (R-WF-3
        bars some of them).
        """
        if who == "anyone":
            return self.people
        if action == "withdraw":
            mine = [p for p in self.people if p.pk == instance.submitted_by_id]
            return mine if who == "eligible" else []
        seat = [
            p
            for p in self.people
            if p.organisation_id == instance.assigned_organisation_id
            and instance.assigned_role in self.roles[p.pk]
        ]
        if who == "seat":
            return seat
        if who == "eligible":
            return [p for p in seat if selectors.inbox_contains(actor=p, pk=instance.pk)]
        rounds = WorkflowInstance.objects.filter(document_type=TYPE, object_id=instance.object_id)
        if who == "own":
            ids = {instance.entered_by_id, *rounds.values_list("submitted_by_id", flat=True)}
        else:
            ids = set(
                WorkflowAction.objects.filter(instance__in=rounds, kind__in=list(STEP_ACTIONS))
                .exclude(step_key=instance.step_key)
                .values_list("actor_id", flat=True)
            )
        return [p for p in self.people if p.pk in ids]

    # A few documents at a time, each taken through many actions, rather than many documents
    # never acted on; a new one when the others are closed.
    @precondition(
        lambda self: sum(p.state in ("draft", "submitted") for p in self.papers) < MAX_PAPERS
    )
    @rule(entrant=st.sampled_from(["school_clerk", "multi_clerk_reviewer"]), big=st.booleans())
    def enter(self, entrant: str, big: bool) -> None:
        person = next(p for p in self.people if p.username == entrant)
        paper = Paper(
            pk=next(_ids),
            organisation_id=person.organisation_id,
            title=f"单据{len(self.papers)}",
            entered_by_id=person.pk,
            subtype="ordinary",
            amount_fen=80_000_000 if big else 10_000,
        )
        self.papers.append(self.handler.add(paper))

    @precondition(lambda self: any(p.state == "draft" for p in self.papers))
    @rule(data=st.data())
    def submit(self, data: Any) -> None:
        # Mostly a draft (a submission that may take effect), sometimes any document.
        drafts = [p for p in self.papers if p.state == "draft"]
        paper = data.draw(st.sampled_from(drafts * 3 + self.papers))
        # Mostly a clerk (the entry role), sometimes anyone.
        clerks = [p for p in self.people if "unit_clerk" in self.roles[p.pk]]
        person = data.draw(st.sampled_from(clerks * 3 + self.people))
        self._try(
            "submit",
            lambda: services.document_submit(
                actor=person, document_type=TYPE, object_id=str(paper.pk)
            ),
        )

    @precondition(lambda self: any(p.state == "submitted" for p in self.papers))
    @rule(
        data=st.data(),
        action=st.sampled_from(["approve", "return", "return_entry", "reject", "withdraw"]),
    )
    def act(self, data: Any, action: str) -> None:
        # A document in approval (acting on a closed round is refused before anything else).
        paper = data.draw(st.sampled_from([p for p in self.papers if p.state == "submitted"]))
        instance = self._open(paper)
        assert instance is not None
        who = data.draw(st.sampled_from(WHO))
        pool = self._pool(instance, action, who) or self.people
        person = data.draw(st.sampled_from(pool))
        calls = {
            "approve": lambda: services.instance_approve(actor=person, instance_id=instance.pk),
            "return": lambda: services.instance_return(
                actor=person, instance_id=instance.pk, reason="补充材料"
            ),
            "return_entry": lambda: services.instance_return(
                actor=person, instance_id=instance.pk, reason="重新填报", to_entry=True
            ),
            "reject": lambda: services.instance_reject(
                actor=person, instance_id=instance.pk, reason="不同意"
            ),
            "withdraw": lambda: services.instance_withdraw(actor=person, instance_id=instance.pk),
        }
        self._try(action, calls[action])

    @invariant()
    def separation_of_duties(self) -> None:
        for paper in self.papers:
            rounds = WorkflowInstance.objects.filter(document_type=TYPE, object_id=str(paper.pk))
            submitters = set(rounds.values_list("submitted_by_id", flat=True))
            steps_by_person: dict[int, set[str]] = {}
            for actor_id, behalf_id, step_key in WorkflowAction.objects.filter(
                instance__in=rounds, kind__in=list(STEP_ACTIONS)
            ).values_list("actor_id", "on_behalf_of_id", "step_key"):
                for person in (actor_id, behalf_id):
                    if person is not None:
                        steps_by_person.setdefault(person, set()).add(step_key)
                assert actor_id != paper.entered_by_id, "SoD broken: the entrant decided a step"
                assert actor_id not in submitters, "SoD broken: a submitter decided a step"
            assert all(len(keys) == 1 for keys in steps_by_person.values()), (
                f"SoD broken: one person decided two steps: {steps_by_person}"
            )

    @invariant()
    def rounds_are_well_formed(self) -> None:
        for paper in self.papers:
            rounds = list(
                WorkflowInstance.objects.filter(
                    document_type=TYPE, object_id=str(paper.pk)
                ).order_by("round")
            )
            assert [r.round for r in rounds] == list(range(1, len(rounds) + 1))
            assert sum(r.state == InstanceState.IN_PROGRESS for r in rounds) <= 1
            for r in rounds[:-1]:
                # Only a withdrawn or returned round is followed by another one.
                assert r.state in (InstanceState.WITHDRAWN, InstanceState.RETURNED)
            for r in rounds:
                assert (r.state == InstanceState.IN_PROGRESS) == (r.step_index is not None)
                final_actions = r.actions.filter(kind__in=["reject", "withdraw"]).count()
                if r.state == InstanceState.IN_PROGRESS:
                    assert final_actions == 0 and r.finished_at is None
                else:
                    assert r.finished_at is not None
            if rounds:
                assert paper.state == PAPER_STATE[InstanceState(rounds[-1].state)]
            else:
                assert paper.state == "draft"

    def teardown(self) -> None:
        """Drive every open round to its end: it must end approved, with each step decided by a
        different eligible person, or nobody eligible is left (and the inbox shows it to nobody)."""
        try:
            for paper in self.papers:
                for _ in range(5):
                    instance = self._open(paper)
                    if instance is None:
                        break
                    decider = next(iter(self._pool(instance, "approve", "eligible")), None)
                    if decider is None:
                        break
                    services.instance_approve(actor=decider, instance_id=instance.pk)
                self.separation_of_duties()
                self.rounds_are_well_formed()
        finally:
            transaction.savepoint_rollback(self.savepoint)


def _run(matrix: bool, **overrides: Any) -> Counter[str]:
    """Run the machine (with or without the incompatible-role matrix); what it saw."""
    if not matrix:
        IncompatibleRolePair.objects.all().delete()
    Approvals.people = _people()
    Approvals.roles = {p.pk: frozenset(p.role_codes) for p in Approvals.people}
    Approvals.seen = Counter()
    with attached(TYPE) as handler:
        Approvals.handler = handler
        run_state_machine_as_test(
            Approvals,
            settings=settings(
                **{
                    "max_examples": 20,
                    # Fixed examples: the counts checked afterwards are the same on every run.
                    "derandomize": True,
                    "database": None,
                    "stateful_step_count": 25,
                    "deadline": None,
                    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
                    **overrides,
                }
            ),
        )
    return Approvals.seen


@pytest.mark.parametrize(
    "matrix",
    [pytest.param(True, id="with_matrix_case"), pytest.param(False, id="without_matrix_case")],
)
def test_no_sequence_of_actions_breaks_separation_of_duties(db: Any, matrix: bool) -> None:
    seen = _run(matrix)
    # The machine proved something: decisions took effect and SoD refusals were met.
    missing = [outcome for outcome in MUST_HAPPEN if seen[outcome] == 0]
    assert missing == [], f"never happened: {missing}; seen: {dict(seen)}"
    if matrix:
        assert seen["workflow.incompatible_roles"] > 0, dict(seen)  # R-WF-3
    else:
        assert seen["workflow.second_step"] > 0, dict(seen)  # R-WF-2
        assert seen["workflow.incompatible_roles"] == 0, dict(seen)


@pytest.mark.parametrize(
    "matrix",
    [pytest.param(True, id="with_matrix_case"), pytest.param(False, id="without_matrix_case")],
)
def test_the_machine_catches_a_broken_separation_of_duties(
    db: Any, matrix: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutant: ``sod_violation`` never objects. The machine must find a step decided by the
    entrant, a submitter, or a person who decided another step (fixed seed, no shrinking)."""
    monkeypatch.setattr(rules, "sod_violation", lambda **kwargs: None)
    with pytest.raises(AssertionError, match="SoD broken"):
        _run(matrix, phases=[Phase.explicit, Phase.generate])
