"""A region's standards per fiscal year (支出标准 and 定员定额, ADR 0039), with their history.

``Standard`` names one known key (``core.standard_keys``) of a region's year; its values are
``StandardVersion`` rows, append-only (a database trigger rejects UPDATE and DELETE): an edit adds
the next version with the date it takes effect, who, when, why and the basis document. The value
of a standard on a date is its latest version effective on that date (``core.selectors``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.core.choices import StandardUnit
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel


class Standard(TimestampedModel):
    """One standard of a region's year; region-wide reference data (everyone in it reads it)."""

    SCOPE_ORGANISATION_LOOKUP = None

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    key = models.CharField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, choices=StandardUnit.choices)
    rule = models.CharField(_("rule"), max_length=16, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["mof_div_code", "-fiscal_year", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "key"], name="standard_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.name} ({self.key})"


class StandardVersion(models.Model):
    """One value of a standard from a date on (append-only; the latest effective one counts)."""

    SCOPE_ORGANISATION_LOOKUP = None

    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, related_name="versions", verbose_name=_("standard")
    )
    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    version = models.PositiveIntegerField(_("version"))
    value = models.BigIntegerField(_("value"))
    effective_from = models.DateField(_("effective from"))
    basis = models.CharField(_("basis document"), max_length=200, blank=True)
    reason = models.CharField(_("reason for the change"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        ordering = ["standard", "-version"]
        constraints = [
            # Concurrent edits of one standard fail on this (a 409) instead of forking it.
            models.UniqueConstraint(fields=["standard", "version"], name="standard_one_version"),
        ]
        indexes = [
            models.Index(
                fields=["mof_div_code", "fiscal_year", "effective_from"],
                name="standard_version_as_of",
            )
        ]

    def __str__(self) -> str:
        return f"{self.standard_id} v{self.version}: {self.value} from {self.effective_from}"
