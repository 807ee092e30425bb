"""The document-type kit: what every model-backed document of the approval engine shares.

A document type's handler (``registry.DocumentHandler``) loads one document in the actor's scope,
locks it for the action, refuses a submission of anything but a draft and tells the engine the
document's facts. Those pieces are the same for every model; a handler declares how its model
differs and writes only its hooks (docs/development/adding-a-document-type.md):

    class MemoHandler(ModelHandler[Memo]):
        model = Memo
        not_found = "memo"
        not_draft = NotDraft(code="memos.not_draft", noun_zh="备忘单", noun_en="the memo")
        fact_fields = FactFields(title=("number", "title"), amount="amount_fen")
        lifecycle = Lifecycle(action="memos.memo.state")  # or hooks of its own

A submission of anything but a draft is refused by ``on_submitted`` (``ensure_draft``); a
handler that writes its own ``on_submitted`` calls ``self.ensure_draft(document)`` first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar

from django.db import models
from django.urls import reverse

from yusuan.audit.services import state_change
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.ids import parse_id
from yusuan.core.models.base import ScopedQuerySet
from yusuan.workflow import locks
from yusuan.workflow.registry import BaseHandler, DocumentFacts

if TYPE_CHECKING:
    from yusuan.common.actor import Actor
    from yusuan.workflow.models import WorkflowInstance

M = TypeVar("M", bound=models.Model)

DRAFT = "draft"


def not_draft_error(
    *,
    code: str,
    state: str,
    state_display: str,
    noun_zh: str,
    noun_en: str,
    action_zh: str = "送审",
    action_en: str = "submitted",
) -> BusinessRuleError:
    """The 409 for a document that is not a draft any more: its code, the field ``state`` and
    the state's name as the value, in Chinese and English."""
    return BusinessRuleError.single(
        code=code,
        field="state",
        value=state_display,
        message_zh=f"{noun_zh}处于“{state_display}”状态，不能{action_zh}",
        message_en=f"{noun_en} is {state}; only drafts are {action_en}",
        status=409,
    )


@dataclass(frozen=True)
class NotDraft:
    """How the document names itself when it refuses a submission that is not of a draft."""

    code: str
    noun_zh: str
    noun_en: str
    action_zh: str = "送审"
    action_en: str = "submitted"
    draft_states: frozenset[str] = frozenset({DRAFT})


@dataclass(frozen=True)
class FactFields:
    """Which of the model's fields give the engine its facts (``registry.DocumentFacts``).

    ``title`` joins the named fields with a space; ``flags`` maps a flag code to a boolean field;
    ``url`` is a URL name reversed with the document's pk. The organisation, region and fiscal
    year are the model's ``organisation_id``, ``mof_div_code`` and ``fiscal_year`` (every
    business row carries them, DESIGN §3)."""

    title: tuple[str, ...]
    entered_by: str = "created_by_id"
    amount: str = ""
    subtype: str = ""
    fund_type: str = ""
    project_category: str = ""
    flags: Mapping[str, str] = field(default_factory=dict)
    url: str = ""


@dataclass(frozen=True)
class Lifecycle:
    """The states the engine's hooks move a document to, each change recorded with its reason
    (``audit.services.state_change`` under ``action``). A document type whose hooks do no more
    than that declares this instead of writing them; one with money to freeze or post writes
    its own hooks (they run in the action's transaction)."""

    action: str  # the audit action: "memos.memo.state"
    submitted: str = "submitted"
    approved: str = "approved"
    returned: str = DRAFT  # also withdrawn
    rejected: str = "rejected"


class ComputedFacts(TypedDict, total=False):
    """Facts a handler works out from more than one field (sums over lines, flags of lines)."""

    amount_fen: int | None
    subtype: str
    fund_type: str
    project_category: str
    flags: frozenset[str]
    url: str


class ModelHandler(BaseHandler, Generic[M]):
    """A handler for a document stored as one model row. Subclasses set the class attributes
    and write their hooks; ``queryset`` narrows the scoped rows (one kind of a shared model),
    ``computed_facts`` adds what the fields alone cannot say."""

    model: type[M]
    not_found: str  # NotFoundError's name: "project", "payment request"
    not_draft: NotDraft
    fact_fields: FactFields
    related: tuple[str, ...] = ()  # select_related on load
    lifecycle: Lifecycle | None = None  # None: the hooks are the subclass's own

    def locked(self) -> models.QuerySet[M]:
        """The rows as an action locks them. An app whose ``locks.py`` names the set returns it
        (``locks.project_qs_select_for_update()``); by default the document's row only."""
        return locks.kit_document_qs_select_for_update(self.model)

    def queryset(self, actor: Actor, *, for_update: bool = False) -> models.QuerySet[M]:
        """The documents the actor may see (``visible_to``: region and organisation scope),
        locked when ``for_update``; a subclass narrows it (one kind of a shared model)."""
        rows = self.locked() if for_update else self.model._default_manager.all()
        assert isinstance(rows, ScopedQuerySet), f"{self.model.__name__} needs a ScopedQuerySet"
        return rows.visible_to(actor)

    def load(self, *, actor: Actor, object_id: str, for_update: bool = False) -> M:
        """The document if it is in the actor's scope, locked for an action; a junk id ("abc",
        "²", 30 digits) or another unit's document is a NotFoundError, never a 500."""
        pk = parse_id(object_id)
        if pk is None:
            raise NotFoundError(self.not_found)
        rows = self.queryset(actor, for_update=for_update).filter(pk=pk)
        if self.related:
            rows = rows.select_related(*self.related)
        document = rows.first()
        if document is None:
            raise NotFoundError(self.not_found)
        return document

    def ensure_draft(self, document: M) -> None:
        """Refuse (409) a submission of a document that is not a draft (a stale page, a second
        click, a document approved meanwhile)."""
        state = str(getattr(document, "state"))  # noqa: B009 (every document model has one)
        if state in self.not_draft.draft_states:
            return
        raise not_draft_error(
            code=self.not_draft.code,
            state=state,
            state_display=str(getattr(document, "get_state_display")()),  # noqa: B009
            noun_zh=self.not_draft.noun_zh,
            noun_en=self.not_draft.noun_en,
            action_zh=self.not_draft.action_zh,
            action_en=self.not_draft.action_en,
        )

    def move(self, *, actor: Actor, document: M, state: str, why: str) -> None:
        """Move the document to ``state`` with an audit record (``lifecycle.action``)."""
        assert self.lifecycle is not None, f"{type(self).__name__} declares no lifecycle"
        state_change(action=self.lifecycle.action, actor=actor, obj=document, state=state, why=why)

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        if self.lifecycle is not None:
            self.move(actor=actor, document=document, state=self.lifecycle.submitted, why="submit")

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        if self.lifecycle is not None:
            self.move(actor=actor, document=document, state=self.lifecycle.approved, why="approved")

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        if self.lifecycle is not None:
            self.move(actor=actor, document=document, state=self.lifecycle.returned, why="returned")

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        if self.lifecycle is not None:
            self.move(
                actor=actor, document=document, state=self.lifecycle.returned, why="withdrawn"
            )

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        if self.lifecycle is not None:
            self.move(actor=actor, document=document, state=self.lifecycle.rejected, why="rejected")

    def computed_facts(self, document: M) -> ComputedFacts:
        return {}

    def facts(self, document: Any) -> DocumentFacts:
        assert isinstance(document, self.model)
        spec = self.fact_fields

        def value(name: str) -> Any:
            return getattr(document, name) if name else None

        organisation_field = type(document)._meta.get_field("organisation")
        assert isinstance(organisation_field, models.ForeignKey)
        facts = DocumentFacts(
            organisation_id=value("organisation_id"),
            mof_div_code=value("mof_div_code"),
            fiscal_year=value("fiscal_year"),
            title=" ".join(str(value(name)) for name in spec.title),
            entered_by_id=value(spec.entered_by),
            amount_fen=value(spec.amount),
            subtype=value(spec.subtype) or "",
            fund_type=value(spec.fund_type) or "",
            project_category=value(spec.project_category) or "",
            flags=frozenset(flag for flag, name in spec.flags.items() if value(name)),
            url=reverse(spec.url, args=[document.pk]) if spec.url else "",
            # Loaded with the document already (``related``): the engine need not read it again.
            organisation=(
                document.organisation  # type: ignore[attr-defined]
                if organisation_field.is_cached(document)
                else None
            ),
        )
        return replace(facts, **self.computed_facts(document))
