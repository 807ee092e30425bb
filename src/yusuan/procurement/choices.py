"""Choices of the procurement module."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractState(models.TextChoices):
    """A filed contract reserves its indicator money until it is closed (R-GP-9)."""

    FILED = "filed", _("Filed (reserving)")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")
