"""What monitoring found on payment requests (DOMAIN §2.12). A finding belongs to a request, so
monitoring sits above payments and reaches it through payments' release-check hook (ADR 0025)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MonitoringFinding(models.Model):
    """What a monitoring rule found on a request before its voucher (DOMAIN §2.12), kept with the
    outcome and, for a warning, the unit's written explanation (on the request)."""

    request = models.ForeignKey(
        "payments.PaymentRequest", on_delete=models.CASCADE, related_name="findings"
    )
    round = models.PositiveIntegerField(_("approval round"))
    rule = models.CharField(_("rule"), max_length=12)
    outcome = models.CharField(_("outcome"), max_length=8)
    level = models.CharField(_("level"), max_length=8)
    row = models.IntegerField(_("row"), null=True, blank=True)
    value = models.CharField(_("value"), max_length=40, blank=True)
    limit = models.CharField(_("limit"), max_length=40, blank=True)
    message_zh = models.CharField(max_length=300)
    message_en = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("monitoring finding")
        ordering = ["request_id", "round", "pk"]

    def __str__(self) -> str:
        return f"{self.rule} {self.outcome}"
