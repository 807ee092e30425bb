"""Document types that use the approval engine.

A module *declares* a document type (its name, subtypes and flags: the vocabulary that approval
definitions may test) and *attaches* a handler (how to load one document in the actor's scope, its
facts, and the hooks that freeze or release money when the workflow moves). Declaration and handler
are separate so that approval rules can ship before the module that owns the document (ADR 0008).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from yusuan.common.actor import Actor
    from yusuan.core.models import Organisation
    from yusuan.workflow.models import WorkflowInstance
    from yusuan.workflow.summary import DocumentSummary


@dataclass(frozen=True)
class Term:
    """One subtype or flag value: code and names."""

    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class DocumentFacts:
    """What the engine needs to know of a document: where it belongs and what routing may test."""

    organisation_id: int
    mof_div_code: str
    fiscal_year: int
    title: str
    entered_by_id: int | None
    amount_fen: int | None = None
    subtype: str = ""
    fund_type: str = ""
    project_category: str = ""
    flags: frozenset[str] = field(default_factory=frozenset)
    url: str = ""
    # The organisation itself when the handler has it loaded already (saves the engine a read).
    organisation: Organisation | None = field(default=None, compare=False, repr=False)

    def condition_values(self, *, agency_type: str) -> dict[str, Any]:
        return {
            "subtype": self.subtype,
            "amount": self.amount_fen,
            "fund_type": self.fund_type,
            "agency_type": agency_type,
            "project_category": self.project_category,
            "flag": self.flags,
        }

    def snapshot(self) -> dict[str, Any]:
        return {
            "amount_fen": self.amount_fen,
            "subtype": self.subtype,
            "fund_type": self.fund_type,
            "project_category": self.project_category,
            "flags": sorted(self.flags),
        }


class DocumentHandler(Protocol):
    """What the owning module provides. Hooks run inside the action's transaction."""

    def load(self, *, actor: Actor, object_id: str, for_update: bool = False) -> Any:
        """The document if it is in the actor's scope; raises NotFoundError otherwise."""

    def facts(self, document: Any) -> DocumentFacts: ...

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None: ...

    def on_step_approved(
        self, *, actor: Actor, document: Any, instance: WorkflowInstance, step: Mapping[str, Any]
    ) -> None: ...

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None: ...

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None: ...

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None: ...

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None: ...

    def reopened(self, document: Any) -> bool:
        """Whether an approved document was sent back for revision after its approval (a payment
        blocked by monitoring) and may start a new round."""

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary | None:
        """What the approver sees of the document (``workflow.summary``), as ``actor`` may see
        it (accounts masked per policy); ``None``: the engine's facts only."""


class BaseHandler:
    """No-op hooks; a handler overrides the ones its document needs."""

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        return None

    def on_step_approved(
        self, *, actor: Actor, document: Any, instance: WorkflowInstance, step: Mapping[str, Any]
    ) -> None:
        return None

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        return None

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        return None

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        return None

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        return None

    def reopened(self, document: Any) -> bool:
        return False

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary | None:
        return None


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    name_en: str
    entry_role: str = "unit_clerk"
    subtypes: tuple[Term, ...] = ()
    flags: tuple[Term, ...] = ()
    handler: DocumentHandler | None = None

    @property
    def subtype_codes(self) -> frozenset[str]:
        return frozenset(t.code for t in self.subtypes)

    @property
    def flag_codes(self) -> frozenset[str]:
        return frozenset(t.code for t in self.flags)

    def subtype_name(self, code: str) -> str:
        return next((t.name for t in self.subtypes if t.code == code), code)


_TYPES: dict[str, DocumentType] = {}


def declare(document_type: DocumentType) -> DocumentType:
    existing = _TYPES.get(document_type.code)
    if existing is not None and existing.handler is not None and document_type.handler is None:
        document_type = replace(document_type, handler=existing.handler)
    _TYPES[document_type.code] = document_type
    return document_type


def attach(code: str, handler: DocumentHandler) -> None:
    """The owning module supplies its handler (its AppConfig.ready)."""
    _TYPES[code] = replace(_TYPES[code], handler=handler)


def detach(code: str) -> None:
    """Tests only: forget a handler attached for a scenario."""
    if code in _TYPES:
        _TYPES[code] = replace(_TYPES[code], handler=None)


def get(code: str) -> DocumentType | None:
    return _TYPES.get(code)


def all_types() -> list[DocumentType]:
    return sorted(_TYPES.values(), key=lambda t: t.code)
