"""The audit log as a data grid (``common.grid``; issue 16 item 3): each record as a sentence a
person reads (:mod:`yusuan.audit.readable`), paged and sorted in the database, the columns chosen
per person, and an Excel export of exactly what is shown: the same columns, order and filters,
every page, the sentences rather than the action codes.

A row of this grid is a readable :class:`~yusuan.audit.readable.Entry`; the page's records are
made readable together (``prepare``), one query per kind of document linked."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yusuan.audit.actions import SECURITY, action_kind
from yusuan.audit.readable import Change, Entry
from yusuan.common.grid import Cell, Grid, GridColumn


def _time(entry: Entry) -> Cell:
    return Cell(timezone.localtime(entry.record.occurred_at).strftime("%Y-%m-%d %H:%M:%S"))


def _full_name(entry: Entry) -> str:
    actor = entry.record.actor
    return actor.full_name if actor is not None else ""


def actor_name(entry: Entry) -> str:
    return _full_name(entry) or entry.record.actor_username or "—"


def actor_detail(entry: Entry) -> str:
    """Under the person's name: the account (when the name is shown), the unit's code, the roles."""
    record = entry.record
    account = record.actor_username if _full_name(entry) else ""
    roles = "、".join(name for _code, name in entry.roles)
    return " ".join(part for part in (account, record.organisation_code, roles) if part)


def sentence(entry: Entry) -> str:
    """What happened, in words: 新建支付申请：支付申请 ZF2026000054."""
    document = entry.document
    if not (document.number or document.noun):
        return entry.action
    return f"{entry.action}：{document.noun} {document.number}".rstrip()


def _change(change: Change) -> str:
    before = "∅" if change.before is None else change.before
    after = "∅" if change.after is None else change.after
    return f"{change.label} {before} → {after}"


def changes_text(entry: Entry) -> str:
    """The recorded changes, one a line (a security event's details instead)."""
    lines = [_change(c) for c in entry.changes]
    record = entry.record
    if record.action.startswith("security.") and isinstance(record.extra, dict):
        lines += [f"{key} {value}" for key, value in record.extra.items()]
    return "\n".join(lines)


def kind_label(entry: Entry) -> str:
    if action_kind(entry.record.action) == SECURITY:
        return str(_("Security event"))
    return str(_("State change"))


def _cell(template: str, text: str) -> Cell:
    return Cell(text, template=f"audit/cells/{template}.html")


AUDIT_GRID = Grid(
    name="audit.log",
    sheet_title="审计日志",
    default_order=("-id",),  # the trail's own order (the primary key's index)
    row_key=lambda entry: str(entry.record.pk),
    row_testid="audit-entry",
    columns=(
        GridColumn(
            "number",
            pgettext_lazy("audit record", "No."),
            lambda e: Cell(str(e.record.pk)),
            order_by="id",
            visible=False,
        ),
        GridColumn("time", _("Time"), _time, order_by="occurred_at"),
        GridColumn(
            "actor",
            _("User"),
            lambda e: _cell("actor", " ".join(p for p in (actor_name(e), actor_detail(e)) if p)),
            order_by="actor_username",
        ),
        GridColumn(
            "what", _("What happened"), lambda e: _cell("what", sentence(e)), order_by="action"
        ),
        GridColumn(
            "object",
            _("Object"),
            lambda e: _cell("object", e.document.noun or "—"),
            order_by="object_type",
            visible=False,  # the sentence names it; chosen to sort by the kind of object
        ),
        GridColumn(
            "source",
            pgettext_lazy("where an audit record came from", "Source"),
            lambda e: _cell("source", f"{e.source} {e.source_detail}".strip()),
        ),
        GridColumn("kind", _("Kind of event"), lambda e: Cell(kind_label(e))),
        GridColumn("changes", _("Changes"), lambda e: _cell("changes", changes_text(e))),
    ),
)
