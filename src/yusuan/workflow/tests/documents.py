"""A document type for engine tests: plain objects kept in memory, hooks that record each call.

The shipped definitions for 预算调剂 and 支付申请 are exercised through it until the indicators and
payments modules attach their own handlers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from yusuan.common.errors import NotFoundError
from yusuan.workflow import registry
from yusuan.workflow.registry import BaseHandler, DocumentFacts


@dataclass
class Paper:
    pk: int
    organisation_id: int
    title: str
    entered_by_id: int
    amount_fen: int = 0
    subtype: str = ""
    flags: frozenset[str] = frozenset()
    state: str = "draft"
    hooks: list[str] = field(default_factory=list)


class PaperHandler(BaseHandler):
    def __init__(self) -> None:
        self.papers: dict[str, Paper] = {}

    def add(self, paper: Paper) -> Paper:
        self.papers[str(paper.pk)] = paper
        return paper

    def load(self, *, actor: Any, object_id: str, for_update: bool = False) -> Paper:
        paper = self.papers.get(object_id)
        if paper is None or not actor.scope.covers(
            mof_div_code="320509", organisation_id=paper.organisation_id
        ):
            raise NotFoundError("paper")
        return paper

    def facts(self, document: Any) -> DocumentFacts:
        return DocumentFacts(
            organisation_id=document.organisation_id,
            mof_div_code="320509",
            fiscal_year=2026,
            title=document.title,
            entered_by_id=document.entered_by_id,
            amount_fen=document.amount_fen,
            subtype=document.subtype,
            fund_type="111",
            flags=document.flags,
        )

    def _hook(self, document: Any, name: str, state: str | None = None) -> None:
        document.hooks.append(name)
        if state:
            document.state = state

    def on_submitted(self, *, actor: Any, document: Any, instance: Any) -> None:
        self._hook(document, "submitted", "submitted")

    def on_step_approved(
        self, *, actor: Any, document: Any, instance: Any, step: Mapping[str, Any]
    ) -> None:
        self._hook(document, f"step:{step['key']}")

    def on_approved(self, *, actor: Any, document: Any, instance: Any) -> None:
        self._hook(document, "approved", "effective")

    def on_returned(self, *, actor: Any, document: Any, instance: Any) -> None:
        self._hook(document, "returned", "draft")

    def on_rejected(self, *, actor: Any, document: Any, instance: Any) -> None:
        self._hook(document, "rejected", "void")

    def on_withdrawn(self, *, actor: Any, document: Any, instance: Any) -> None:
        self._hook(document, "withdrawn", "draft")


@contextmanager
def attached(code: str) -> Iterator[PaperHandler]:
    handler = PaperHandler()
    declared = registry.get(code)
    previous = declared.handler if declared is not None else None
    registry.attach(code, handler)
    try:
        yield handler
    finally:
        # Put the owning module's handler back (indicators attaches the adjustment's).
        if previous is not None:
            registry.attach(code, previous)
        else:
            registry.detach(code)
