"""Choices of the payroll module (R-PY-4, ADR 0012)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PayrollState(models.TextChoices):
    IMPORTED = "imported", _("Imported, to be matched")
    REQUESTED = "requested", _("Payment request generated")
    VOID = "void", _("Void")


class PersonnelCheck(models.TextChoices):
    """How a batch's sheet was checked against the personnel database (R-PS-5, ADR 0045)."""

    ENFORCED = "enforced", _("Checked: a mismatch blocks")
    TRIAL = "trial", _("Checked on trial: mismatches are warnings")
    NO_DATABASE = "no_database", _("Not checked: the region's personnel database is empty")
