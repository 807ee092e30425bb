"""Execution aggregates kept from the money events (ADR 0053).

``PostingDay`` gives each ledger posting its business day (the bank's value date of a
settlement, the day a document took effect …), which the ledger itself does not hold.
``ExecutionDay`` is the sum of the ledger's movements per indicator line and business day,
``ExecutionMonth`` the same per calendar month; a report groups these rows (lines × whole months,
then lines × the days of the last month), never payments. Both are derived: the command
``yusuan reports_check`` recomputes them from the ledger and ``--rebuild`` replaces them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.core.models.base import ScopedQuerySet
from yusuan.indicators.models import IndicatorLine

# The measures of an ExecutionDay row, in fen. The first seven are the sums of the ledger's
# bucket deltas (``d_total`` …); the last three split them by what moved them.
BUCKET_MEASURES = ("total", "available", "allocated", "reserved", "frozen", "held", "paid")
KIND_MEASURES = ("issued", "payments", "refunds")
MEASURES = BUCKET_MEASURES + KIND_MEASURES


class PostingDay(models.Model):
    """The business day of one ledger posting, written by the event that announced it."""

    posting = models.UUIDField(_("posting"), unique=True)
    day = models.DateField(_("business day"))

    class Meta:
        verbose_name = _("posting day")
        verbose_name_plural = _("posting days")

    def __str__(self) -> str:
        return f"{self.posting} {self.day}"


class ExecutionFigures(models.Model):
    """Σ of the ledger's movements on one indicator line over one period (fen); the period
    starts on ``day``.

    ``issued`` is Σ (d_total − d_allocated) of the movements that issue or pass money down
    (下达, 分解 out and in): over all lines it is what the region issued, on a unit's line what
    it received. ``total − allocated − issued`` is what adjustments added or took. ``payments``
    is what the bank paid (PAY), ``refunds`` what same-year refunds gave back (REFUND_RESTORE);
    ``paid`` is net of both and of corrections (更正).
    """

    SCOPE_ORGANISATION_LOOKUP = "line__organisation_id"

    line = models.ForeignKey(
        IndicatorLine, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    day = models.DateField(_("business day"))
    # The line's, copied for the index a report filters by.
    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    total = models.BigIntegerField(default=0)
    available = models.BigIntegerField(default=0)
    allocated = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    frozen = models.BigIntegerField(default=0)
    held = models.BigIntegerField(default=0)
    paid = models.BigIntegerField(default=0)
    issued = models.BigIntegerField(default=0)
    payments = models.BigIntegerField(default=0)
    refunds = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.line_id} {self.day}"


class ExecutionDay(ExecutionFigures):
    """The figures of one indicator line on one business day."""

    class Meta:
        verbose_name = _("execution by day")
        verbose_name_plural = _("execution by day")
        constraints = [
            models.UniqueConstraint(fields=["line", "day"], name="execution_day_line_day"),
        ]
        indexes = [
            models.Index(fields=["mof_div_code", "fiscal_year", "day"], name="execution_day_scope"),
        ]


class ExecutionMonth(ExecutionFigures):
    """The figures of one indicator line in one calendar month (``day`` is its first day): the
    sum of its ``ExecutionDay`` rows, kept by the same events, so a report up to a day reads
    whole months here and only the days of the last month there (bench/execution.py)."""

    class Meta:
        verbose_name = _("execution by month")
        verbose_name_plural = _("execution by month")
        constraints = [
            models.UniqueConstraint(fields=["line", "day"], name="execution_month_line_day"),
        ]
        indexes = [
            models.Index(
                fields=["mof_div_code", "fiscal_year", "day"], name="execution_month_scope"
            ),
        ]
