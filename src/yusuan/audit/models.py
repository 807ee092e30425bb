"""Append-only audit records and the sealed batches that make editing them detectable."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


class AuditRecord(models.Model):
    """Who, from where, when, what: one row per state change, written in the change's transaction.

    Snapshots (user name, organisation code, roles) are stored as text so that the record keeps
    saying what was true at the time, whatever happens to the user or organisation later.
    """

    # Three secondary indexes (issue 20: there were eight, on a table every payment writes a
    # dozen times): the object's history, the action (= and prefix), the region. The list pages
    # by id; time filters go by date, which no index on the timestamp serves.
    occurred_at = models.DateTimeField(_("occurred at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True, blank=True)
    organisation_code = models.CharField(_("organisation code"), max_length=32, blank=True)
    role_codes = models.CharField(_("roles"), max_length=255, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    session_hash = models.CharField(_("session"), max_length=16, blank=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    subject_organisation_id = models.BigIntegerField(
        _("owning organisation id"), null=True, blank=True
    )
    mof_div_code = models.CharField(_("region code"), max_length=9, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # varchar_pattern_ops serves both ``action = x`` and ``action LIKE 'x%'`` (PostgreSQL).
            models.Index(
                fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["mof_div_code"], name="audit_region_idx"),
        ]
        permissions = [("view_all_audit", "Can search the audit log of the whole scope")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit records are append-only")


class AuditSeal(models.Model):
    """A sealed batch: the digests of a contiguous run of records, chained to the previous seal.

    ``record_digests`` holds each record's SHA-256 (32 bytes per record, in id order), so a
    verifier names the exact record that changed even if the attacker also rewrote neighbours.
    """

    first_record_id = models.BigIntegerField()
    last_record_id = models.BigIntegerField()
    record_count = models.PositiveIntegerField()
    record_digests = models.BinaryField()
    previous_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_record_id__gte=models.F("first_record_id")),
                name="audit_seal_range_ordered",
            ),
            models.UniqueConstraint(fields=["first_record_id"], name="audit_seal_first_unique"),
        ]

    def __str__(self) -> str:
        return f"seal {self.pk}: #{self.first_record_id}–#{self.last_record_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit seals are append-only")
        super().save(*args, **kwargs)


class IdempotencyRecord(models.Model):
    """Exactly-once submissions (P11): the first result of a key is replayed for retries.

    Kept here, in the lowest platform app, because forms and API endpoints of every app use it.
    """

    key = models.CharField(max_length=128)
    actor_id = models.BigIntegerField()
    scope = models.CharField(max_length=120, help_text="Endpoint or form the key belongs to.")
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["actor_id", "scope", "key"], name="idempotency_key_unique_per_actor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class SecurityEventTally(models.Model):
    """How many security events naming no account one address caused with one action in one
    window (ADR 0016): the first few are audit records, the rest only counted here, and one
    summary record names how many there were once the window has closed."""

    action = models.CharField(max_length=80)
    ip_address = models.CharField(max_length=45, blank=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    summarised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action", "ip_address", "window_start"], name="security_tally_unique"
            )
        ]
        indexes = [
            models.Index(fields=["summarised_at", "window_start"], name="security_tally_open_idx")
        ]

    def __str__(self) -> str:
        return f"{self.action} from {self.ip_address or '?'} at {self.window_start}: {self.count}"
