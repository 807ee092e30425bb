from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.core.choices import CodeKind, EconomicGroup
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel


class ClassificationCode(TimestampedModel):
    """One element value (要素) of a year's code set: functional, economic, fund nature, …

    Versioned per fiscal year (R-MD-4): a new year gets its own rows; business rows store the code
    and resolve the name through (region, year, kind, code).
    """

    SCOPE_ORGANISATION_LOOKUP = None

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    kind = models.CharField(_("code set"), max_length=24, choices=CodeKind.choices)
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    parent_code = models.CharField(_("parent code"), max_length=16, blank=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("classification code")
        verbose_name_plural = _("classification codes")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "kind", "code"],
                name="classification_code_unique",
            )
        ]
        indexes = [
            models.Index(fields=["mof_div_code", "fiscal_year", "kind"], name="code_set_idx")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EconomicMapping(TimestampedModel):
    """R-MD-3: government economic code = map(department economic code, unit type group)."""

    SCOPE_ORGANISATION_LOOKUP = None

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    department_economic_code = models.CharField(_("department economic code"), max_length=16)
    group = models.CharField(_("unit group"), max_length=12, choices=EconomicGroup.choices)
    government_economic_code = models.CharField(_("government economic code"), max_length=16)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("economic classification mapping")
        verbose_name_plural = _("economic classification mappings")
        ordering = ["department_economic_code", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "department_economic_code", "group"],
                name="economic_mapping_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_economic_code} → {self.government_economic_code} ({self.group})"
