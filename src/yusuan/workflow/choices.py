"""Choices of the approval engine: states, actions, organisation levels and condition operators."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InstanceState(models.TextChoices):
    """One submission round of a document. Only ``in_progress`` is open; the rest are final."""

    IN_PROGRESS = "in_progress", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    RETURNED = "returned", _("Returned for revision")


# A document whose last round ended so is closed for good; after withdraw or return it may be
# revised and submitted again (a new round).
DOCUMENT_CLOSED_STATES = frozenset({InstanceState.APPROVED, InstanceState.REJECTED})


class ActionKind(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    REJECT = "reject", _("Rejected")
    WITHDRAW = "withdraw", _("Withdrawn")
    COMMENT = "comment", _("Commented")
    ESCALATE = "escalate", _("Escalated")


# Actions that decide a step: separation of duties counts these (R-WF-2).
STEP_ACTIONS = frozenset({ActionKind.APPROVE, ActionKind.RETURN, ActionKind.REJECT})


class Level(models.TextChoices):
    """Where a step's approvers sit, relative to the document's organisation."""

    SAME_UNIT = "same_unit", _("The document's own unit")
    PARENT = "parent", _("The unit's parent organisation")
    DEPARTMENT = "department", _("The unit's department (主管部门)")
    SUPERVISING_DIVISION = "supervising_division", _("The supervising finance division")
    BUDGET_DIVISION = "budget_division", _("The budget division")
    TREASURY_DIVISION = "treasury_division", _("The treasury / payment centre")
    PROCUREMENT_DIVISION = "procurement_division", _("The procurement division")
    PERFORMANCE_DIVISION = "performance_division", _("The performance division")
    APPRAISAL_CENTRE = "appraisal_centre", _("The appraisal centre (评审中心)")


# Finance divisions found by type in the document's region.
DIVISION_LEVELS = {
    Level.BUDGET_DIVISION: "budget",
    Level.TREASURY_DIVISION: "treasury",
    Level.PROCUREMENT_DIVISION: "procurement",
    Level.PERFORMANCE_DIVISION: "performance",
    Level.APPRAISAL_CENTRE: "appraisal",
}


class NotificationKind(models.TextChoices):
    TASK = "task", _("Waiting for you")
    FINISHED = "finished", _("Your document was decided")
    RETURNED = "returned", _("Your document was returned")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated to you")
