"""备忘单 (memo): one amount a unit asks to be approved and then posts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yusuan.core.models.base import ScopedQuerySet, TimestampedModel


class MemoState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    POSTED = "posted", _("Posted")
    REJECTED = "rejected", _("Rejected")


class Memo(TimestampedModel):
    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    title = models.CharField(_("title"), max_length=200)
    amount_fen = models.BigIntegerField(_("amount"))
    state = models.CharField(
        _("state"), max_length=20, choices=MemoState.choices, default=MemoState.DRAFT
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="memo_amount_positive")
        ]

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id

    def __str__(self) -> str:
        return self.title
