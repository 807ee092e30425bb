"""Row locks of accounting, one function per locked set (Saleor's ``lock_objects``)."""

from __future__ import annotations

from django.db.models import QuerySet

from yusuan.accounting.models import Account, Book, Period, PostingRule, Voucher
from yusuan.core.models.base import ScopedQuerySet


def book_qs_select_for_update() -> ScopedQuerySet[Book]:
    """A book: closing and reopening its periods."""
    return Book.objects.order_by("pk").select_for_update()


def period_qs_select_for_update() -> QuerySet[Period]:
    """A month: a posting into it holds it (share) against a concurrent closing."""
    return Period.objects.order_by("pk").select_for_update()


def voucher_qs_select_for_update() -> ScopedQuerySet[Voucher]:
    """Vouchers, in id order: review, posting and reversal take them one state at a time."""
    return Voucher.objects.order_by("pk").select_for_update()


def account_qs_select_for_update() -> ScopedQuerySet[Account]:
    """A parent account while a sub-account is added under it."""
    return Account.objects.order_by("pk").select_for_update()


def rule_qs_select_for_update() -> QuerySet[PostingRule]:
    """A rule's versions while the next is numbered."""
    return PostingRule.objects.order_by("pk").select_for_update()
