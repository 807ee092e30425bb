"""The document summary (issue 16 item 1): what an approver must see to decide, in one shape for
every document type, rendered by one template (``workflow/_summary.html``).

A document type's handler builds it (``DocumentHandler.summary``) from what it owns: its lines
(who is paid, from which account and indicator, the indicator's available balance before and
after), its findings and a link to the document. The approval page, batch approval and the
document's own page show the same component; the approval round's attachments are added by the
engine, which owns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, an optional link, and a second, quieter line."""

    text: str
    url: str = ""
    note: str = ""
    numeric: bool = False
    # "short": the figure falls short of what is asked (an available balance below zero after).
    tone: str = ""


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    url: str = ""


@dataclass(frozen=True)
class Finding:
    """A check's finding as the approver reads it: the rule, how serious, the sentence."""

    rule: str
    severity: str  # translated: 阻断 / 预警 · 红色 …
    text: str
    status: str = ""
    url: str = ""
    blocking: bool = False


@dataclass(frozen=True)
class DocumentSummary:
    title: str
    url: str
    facts: tuple[Fact, ...] = ()
    columns: tuple[Column, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    total: tuple[Cell, ...] = ()
    # A salary batch has thousands of lines: the first ``len(rows)`` are shown, with the count.
    row_count: int = 0
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def truncated(self) -> bool:
        return self.row_count > len(self.rows)
