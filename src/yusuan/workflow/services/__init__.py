"""Approval services, one module per concern; import them from here."""

from yusuan.workflow.services.comments import ATTACHMENT_TYPES, instance_comment
from yusuan.workflow.services.common import notifications_mark_read
from yusuan.workflow.services.deadlines import (
    MAX_CALENDAR_RANGE_DAYS,
    calendar_day_remove,
    calendar_days_set,
    escalate_overdue,
)
from yusuan.workflow.services.decisions import (
    MAX_BATCH,
    BatchOutcome,
    instance_approve,
    instance_reject,
    instance_return,
    instance_withdraw,
    instances_approve,
)
from yusuan.workflow.services.definitions import (
    DEFAULTS_FILE,
    definition_create,
    definition_publish,
    install_default_definitions,
)
from yusuan.workflow.services.delegation import (
    MAX_DELEGATION_DAYS,
    delegation_create,
    delegation_revoke,
)
from yusuan.workflow.services.moves import Acting
from yusuan.workflow.services.submission import document_submit

__all__ = [
    "ATTACHMENT_TYPES",
    "DEFAULTS_FILE",
    "MAX_BATCH",
    "MAX_CALENDAR_RANGE_DAYS",
    "MAX_DELEGATION_DAYS",
    "Acting",
    "BatchOutcome",
    "calendar_day_remove",
    "calendar_days_set",
    "definition_create",
    "definition_publish",
    "delegation_create",
    "delegation_revoke",
    "document_submit",
    "escalate_overdue",
    "install_default_definitions",
    "instance_approve",
    "instance_comment",
    "instance_reject",
    "instance_return",
    "instance_withdraw",
    "instances_approve",
    "notifications_mark_read",
]
