from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentSequence(models.Model):
    """The last number handed out per (region, year, series): numbers come from a locked counter,
    never from ``max() + 1`` (DESIGN §5)."""

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    series = models.CharField(_("series"), max_length=40)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("document number sequence")
        verbose_name_plural = _("document number sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "series"], name="document_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mof_div_code}/{self.fiscal_year}/{self.series}: {self.last_value}"
