"""Row locks of the core app (master data), one function per locked set (Saleor's
``lock_objects``): each locks in pk order."""

from __future__ import annotations

from yusuan.core.models import BankAccount, ClassificationCode, Organisation, Payee, Standard
from yusuan.core.models.base import ScopedQuerySet


def organisation_qs_select_for_update() -> ScopedQuerySet[Organisation]:
    return Organisation.objects.order_by("pk").select_for_update()


def bank_account_qs_select_for_update() -> ScopedQuerySet[BankAccount]:
    return BankAccount.objects.order_by("pk").select_for_update()


def payee_qs_select_for_update() -> ScopedQuerySet[Payee]:
    return Payee.objects.order_by("pk").select_for_update()


def classification_code_qs_select_for_update() -> ScopedQuerySet[ClassificationCode]:
    """Code-set codes, locked in pk order (an import locks a whole year's set)."""
    return ClassificationCode.objects.order_by("pk").select_for_update()


def standard_qs_select_for_update() -> ScopedQuerySet[Standard]:
    """A region's standards (an edit locks the one it versions; seeding a year, the year's)."""
    return Standard.objects.order_by("pk").select_for_update()
