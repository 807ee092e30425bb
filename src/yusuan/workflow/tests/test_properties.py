"""Property: whatever sequence of submit / approve / return / reject / withdraw anyone tries,
nobody decides two steps of one document, nobody decides a document they entered or submitted,
every round ends in exactly one final state, and a closed document stays closed (P6, P8)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import IncompatibleRolePair, Role, User
from yusuan.workflow import selectors, services
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


def _people() -> list[User]:
    """The school's staff plus two people holding several roles, and the treasury officer."""
    names = ["school_clerk", "school_reviewer", "school_approver", "school_cashier", "wj_treasury"]
    people = list(User.objects.filter(username__in=names).order_by("username"))
    school = people[0].organisation if people[0].organisation.name.endswith("小学") else None
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
    people: list[User] = []
    handler: PaperHandler

    def __init__(self) -> None:
        super().__init__()
        self.papers: list[Paper] = []

    def _try(self, call: Any) -> None:
        records = AuditRecord.objects.count()
        actions = WorkflowAction.objects.count()
        try:
            call()
        except BusinessRuleError:
            # A refusal writes nothing: no action, no audit record.
            assert AuditRecord.objects.count() == records
            assert WorkflowAction.objects.count() == actions

    def _open(self, paper: Paper) -> WorkflowInstance | None:
        return WorkflowInstance.objects.filter(
            document_type=TYPE, object_id=str(paper.pk), state=InstanceState.IN_PROGRESS
        ).first()

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

    @rule(data=st.data())
    def submit(self, data: Any) -> None:
        if not self.papers:
            return
        paper = data.draw(st.sampled_from(self.papers))
        person = data.draw(st.sampled_from(self.people))
        self._try(
            lambda: services.document_submit(
                actor=person, document_type=TYPE, object_id=str(paper.pk)
            )
        )

    @rule(
        data=st.data(),
        action=st.sampled_from(["approve", "return", "return_entry", "reject", "withdraw"]),
    )
    def act(self, data: Any, action: str) -> None:
        if not self.papers:
            return
        paper = data.draw(st.sampled_from(self.papers))
        person = data.draw(st.sampled_from(self.people))
        instance = self._open(paper)
        if instance is None:
            return
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
        self._try(calls[action])

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
                assert actor_id != paper.entered_by_id, "the entrant decided a step"
                assert actor_id not in submitters, "a submitter decided a step"
            assert all(len(keys) == 1 for keys in steps_by_person.values()), steps_by_person

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
        for paper in self.papers:
            for _ in range(5):
                instance = self._open(paper)
                if instance is None:
                    break
                decider = next(
                    (p for p in self.people if selectors.inbox_contains(actor=p, pk=instance.pk)),
                    None,
                )
                if decider is None:
                    break
                services.instance_approve(actor=decider, instance_id=instance.pk)
            self.separation_of_duties()
            self.rounds_are_well_formed()


@pytest.mark.parametrize(
    "matrix",
    [pytest.param(True, id="with_matrix_case"), pytest.param(False, id="without_matrix_case")],
)
def test_no_sequence_of_actions_breaks_separation_of_duties(db: Any, matrix: bool) -> None:
    if not matrix:
        IncompatibleRolePair.objects.all().delete()
    Approvals.people = _people()
    with attached(TYPE) as handler:
        Approvals.handler = handler
        run_state_machine_as_test(
            Approvals,
            settings=settings(
                max_examples=25,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
