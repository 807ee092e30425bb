"""Choices of the payroll module (R-PY-4, ADR 0012)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PayrollState(models.TextChoices):
    IMPORTED = "imported", _("Imported, to be matched")
    REQUESTED = "requested", _("Payment request generated")
    VOID = "void", _("Void")
