"""Approval definitions (versioned data), workflow instances, their actions, delegations, notices.

A document is submitted into a *round* (``WorkflowInstance``) that follows the definition version
current at submission, with its route (the steps that apply and who sits at each) frozen then:
editing a definition never moves a document already in flight (P8).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yusuan.core.models.base import ScopedQuerySet, TimestampedModel
from yusuan.workflow.choices import ActionKind, InstanceState, NotificationKind


class AppendOnlyError(Exception):
    pass


class ApprovalDefinition(TimestampedModel):
    """Which approval path a kind of document takes, in one region. Its body lives in versions."""

    SCOPE_ORGANISATION_LOOKUP = None

    mof_div_code = models.CharField(_("region code"), max_length=9)
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=100)
    document_type = models.CharField(_("document type"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval definition")
        verbose_name_plural = _("approval definitions")
        ordering = ["document_type", "priority", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "code"], name="workflow_definition_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def current_version(self) -> DefinitionVersion | None:
        # A list reads every definition's newest version in one query (``selectors.
        # definition_list`` prefetches it as ``newest_versions``); a lone definition asks.
        prefetched: list[DefinitionVersion] | None = getattr(self, "newest_versions", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.versions.order_by("-number").first()


class DefinitionVersion(models.Model):
    """One immutable version of a definition's conditions and steps (``rules.DefinitionBody``)."""

    definition = models.ForeignKey(
        ApprovalDefinition, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    body = models.JSONField(_("conditions and steps"))
    note = models.CharField(_("change note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("definition version")
        verbose_name_plural = _("definition versions")
        ordering = ["definition_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "number"], name="workflow_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("a definition version is immutable; publish a new one")
        super().save(*args, **kwargs)


class WorkflowInstance(TimestampedModel):
    """One submission round of one document."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    document_type = models.CharField(_("document type"), max_length=60)
    object_id = models.CharField(_("document id"), max_length=64)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    title = models.CharField(_("title"), max_length=200)
    amount_fen = models.BigIntegerField(_("amount"), null=True, blank=True)
    facts = models.JSONField(_("facts at submission"), default=dict)
    url = models.CharField(max_length=255, blank=True)
    definition = models.ForeignKey(ApprovalDefinition, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(DefinitionVersion, on_delete=models.PROTECT, related_name="+")
    route = models.JSONField(_("route"), default=list)
    state = models.CharField(
        _("state"), max_length=20, choices=InstanceState.choices, default=InstanceState.IN_PROGRESS
    )
    step_index = models.PositiveSmallIntegerField(null=True, blank=True)
    step_key = models.CharField(max_length=40, blank=True)
    assigned_organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_role = models.CharField(max_length=40, blank=True)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    due_exact = models.BooleanField(default=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalation_role = models.CharField(max_length=40, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "object_id", "round"], name="workflow_round_unique"
            ),
            # At most one open round per document, whatever runs concurrently.
            models.UniqueConstraint(
                fields=["document_type", "object_id"],
                condition=Q(state="in_progress"),
                name="workflow_one_open_round",
            ),
            models.CheckConstraint(
                condition=(Q(state="in_progress") & Q(step_index__isnull=False))
                | (~Q(state="in_progress") & Q(step_index__isnull=True)),
                name="workflow_open_round_has_step",
            ),
        ]
        indexes = [
            models.Index(
                fields=["assigned_organisation", "assigned_role", "state"],
                name="workflow_inbox_idx",
            ),
            models.Index(fields=["document_type", "object_id"], name="workflow_document_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == InstanceState.IN_PROGRESS

    @property
    def current_step(self) -> dict[str, Any] | None:
        if self.step_index is None:
            return None
        step: dict[str, Any] = self.route[self.step_index]
        return step

    def is_overdue(self, now: Any = None) -> bool:
        return bool(self.is_open and self.due_at and self.due_at < (now or timezone.now()))


class WorkflowAction(models.Model):
    """What somebody did on a round, and from where. Append-only."""

    instance = models.ForeignKey(WorkflowInstance, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(_("action"), max_length=20, choices=ActionKind.choices)
    step_index = models.PositiveSmallIntegerField(null=True, blank=True)
    step_key = models.CharField(max_length=40, blank=True)
    step_name = models.CharField(_("step"), max_length=60, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acting_role = models.CharField(max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    target_step_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.CharField(max_length=45, blank=True)
    session_hash = models.CharField(max_length=16, blank=True)
    device_hash = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("approval action")
        verbose_name_plural = _("approval actions")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["actor", "created_at"], name="workflow_action_actor_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.step_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("approval actions are append-only")
        super().save(*args, **kwargs)


class WorkflowAttachment(models.Model):
    action = models.ForeignKey(WorkflowAction, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="workflow/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Delegation(TimestampedModel):
    """A person acts for a colleague for a period (代理审批); audited, revocable, not transitive."""

    SCOPE_ORGANISATION_LOOKUP = "delegator__organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_given",
        verbose_name=_("on behalf of"),
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("delegate"),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_period_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")), name="delegation_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    instance = models.ForeignKey(
        WorkflowInstance, on_delete=models.CASCADE, null=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    message_zh = models.CharField(max_length=300)
    message_en = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="workflow_notice_unread_idx")]

    def __str__(self) -> str:
        return self.message_en


class CalendarDay(models.Model):
    """A working-calendar correction: a holiday or a 调休 working weekend the library lacks."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
