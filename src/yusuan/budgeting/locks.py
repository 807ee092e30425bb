"""Row locks of budget preparation, one function per locked set (Saleor's ``lock_objects``)."""

from __future__ import annotations

from yusuan.budgeting.models import BudgetDraft, BudgetLine, BudgetRound, ControlIssue, Reply
from yusuan.core.models.base import ScopedQuerySet


def round_qs_select_for_update() -> ScopedQuerySet[BudgetRound]:
    """Budget rounds: the congress approval is recorded once."""
    return BudgetRound.objects.order_by("pk").select_for_update()


def draft_qs_select_for_update() -> ScopedQuerySet[BudgetDraft]:
    """Drafts, locked before their lines: one edit or decision of a unit's draft at a time."""
    return BudgetDraft.objects.order_by("pk").select_for_update()


def line_qs_select_for_update() -> ScopedQuerySet[BudgetLine]:
    return BudgetLine.objects.order_by("pk").select_for_update()


def control_qs_select_for_update() -> ScopedQuerySet[ControlIssue]:
    return ControlIssue.objects.order_by("pk").select_for_update()


def reply_qs_select_for_update() -> ScopedQuerySet[Reply]:
    """批复: locked for its approval and for the one-click generation (R-BP-12)."""
    return Reply.objects.order_by("pk").select_for_update()
