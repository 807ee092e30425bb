"""The contract registry of the double control (合同备案, R-PY-3, R-GP-4): what a procurement
indicator line may pay, to whom, and how much of it payments have taken. Payment requests cite a
contract (``payments.PaymentRequest.contract``), so procurement sits below payments."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yusuan.core.models.base import ScopedQuerySet, TimestampedModel
from yusuan.procurement.choices import ContractState


class Contract(TimestampedModel):
    """A filed procurement contract (合同备案): what a procurement line may pay, to whom."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    number = models.CharField(_("contract number"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    supplier = models.ForeignKey(
        "core.Payee", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    amount = models.BigIntegerField(_("contract amount"))
    # Σ of the contract's payment lines in flight or paid; changed only by conditional updates.
    committed = models.BigIntegerField(_("committed by payments"), default=0)
    filed_on = models.DateField(_("filed on"))
    # R-GP-9: a filed contract reserves its amount on its lines (ContractLine) until closed.
    state = models.CharField(
        _("state"), max_length=12, choices=ContractState.choices, default=ContractState.FILED
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    indicator_lines = models.ManyToManyField(
        "indicators.IndicatorLine", related_name="contracts", verbose_name=_("indicator lines")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "number"], name="contract_no_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=models.F("amount")),
                name="contract_committed_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def remaining(self) -> int:
        return self.amount - self.committed


class ContractLine(models.Model):
    """R-GP-9: the share of a contract reserved on one indicator line at filing (``amount``),
    what the contract's payments took from it (``consumed``: frozen in flight or paid) and what
    closing the contract gave back to the line's available money (``released``). What the
    contract still holds on the line is ``amount − consumed − released``; the line's
    ``reserved`` bucket is the sum of that over the open contracts on it. ``consumed`` and
    ``released`` change only by conditional updates, under the contract's row lock."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="lines", verbose_name=_("contract")
    )
    row = models.PositiveSmallIntegerField(_("row"))
    indicator_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        related_name="contract_lines",
        verbose_name=_("indicator line"),
    )
    amount = models.BigIntegerField(_("reserved at filing"))
    consumed = models.BigIntegerField(_("consumed by payments"), default=0)
    released = models.BigIntegerField(_("released"), default=0)

    class Meta:
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "indicator_line"], name="contract_line_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_line_amount_positive"),
            models.CheckConstraint(
                condition=Q(consumed__gte=0)
                & Q(released__gte=0)
                & Q(amount__gte=models.F("consumed") + models.F("released")),
                name="contract_line_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.indicator_line_id}"

    @property
    def remaining(self) -> int:
        return self.amount - self.consumed - self.released
