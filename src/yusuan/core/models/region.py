from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.core.choices import FiscalYearStatus, RegionLevel
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel

mof_div_code_validator = RegexValidator(
    r"^\d{6}(\d{3})?$", _("A region code (财政区划) has 6 or 9 digits.")
)


class Region(TimestampedModel):
    """财政区划: the tenant of every business row (``mof_div_code``)."""

    SCOPE_ORGANISATION_LOOKUP = None

    mof_div_code = models.CharField(
        _("region code"), max_length=9, unique=True, validators=[mof_div_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent region"), null=True, blank=True, on_delete=models.PROTECT
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["mof_div_code"]

    def __str__(self) -> str:
        return f"{self.mof_div_code} {self.name}"


class FiscalYear(TimestampedModel):
    """A region's fiscal year; a closed year accepts no new business (R-PY-7)."""

    SCOPE_ORGANISATION_LOOKUP = None

    mof_div_code = models.CharField(_("region code"), max_length=9)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=FiscalYearStatus.choices, default=FiscalYearStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        ordering = ["mof_div_code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "year"], name="fiscal_year_unique"),
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100), name="fiscal_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}"

    @property
    def is_open(self) -> bool:
        return self.status == FiscalYearStatus.OPEN
