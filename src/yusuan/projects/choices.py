from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectState(models.TextChoices):
    """DOMAIN §2.3. The declaration workflow moves draft → declared → dept_reviewed →
    finance_reviewed; storing, budgeting and execution belong to later modules."""

    DRAFT = "draft", _("Draft")
    DECLARED = "declared", _("Declared")
    DEPT_REVIEWED = "dept_reviewed", _("Reviewed by department")
    FINANCE_REVIEWED = "finance_reviewed", _("Reviewed by finance")
    STORED = "stored", _("In the library")
    BUDGETED = "budgeted", _("Budgeted")
    EXECUTING = "executing", _("Executing")
    CARRIED_OVER = "carried_over", _("Carried over")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    TERMINATED = "terminated", _("Terminated")
    VOID = "void", _("Void")


EDITABLE_STATES = frozenset({ProjectState.DRAFT})


class ProjectKind(models.TextChoices):
    NEW = "new", _("New")
    CONTINUING = "continuing", _("Continuing")
    CARRIED = "carried", _("Carried over")
