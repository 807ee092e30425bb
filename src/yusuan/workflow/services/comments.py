"""Remarks on a round, with attachments; they move nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.uploads import megabytes
from yusuan.identity.services import ensure_not_read_only
from yusuan.workflow.choices import ActionKind
from yusuan.workflow.models import WorkflowAction, WorkflowAttachment, WorkflowInstance
from yusuan.workflow.services.common import as_user
from yusuan.workflow.services.moves import _record

ATTACHMENT_TYPES = (
    ".pdf",
    ".jpg",
    ".jpeg",
    ".png",
    ".xlsx",
    ".xls",
    ".docx",
    ".doc",
    ".ofd",
    ".zip",
)


@transaction.atomic
def instance_comment(
    *,
    actor: Actor,
    instance_id: int,
    comment: str,
    files: Sequence[UploadedFile] = (),
) -> WorkflowAction:
    """A remark, with optional attachments, by anyone who can see the round and writes at all
    (a read-only role such as the auditor does not: a 403). Moves nothing."""
    ensure_not_read_only(actor, "workflow comment")
    instance = WorkflowInstance.objects.visible_to(actor).filter(pk=instance_id).first()
    if instance is None:
        raise NotFoundError("approval")
    text = comment.strip()
    errors: list[ErrorDetail] = []
    if not text and not files:
        errors.append(
            ErrorDetail(
                code="workflow.empty_comment",
                rule="R-WF-6",
                field="comment",
                message_zh="请填写意见或上传附件",
                message_en="write a comment or attach a file",
            )
        )
    for i, upload in enumerate(files):
        name = upload.name or ""
        if not name.lower().endswith(ATTACHMENT_TYPES):
            errors.append(
                ErrorDetail(
                    code="workflow.attachment_type",
                    rule="R-WF-7",
                    field=f"files[{i}]",
                    value=name,
                    limit=list(ATTACHMENT_TYPES),
                    message_zh=f"附件 {name} 的类型不允许",
                    message_en=f"attachment {name}: file type not allowed",
                )
            )
        # The one upload limit: past it the upload handler stopped storing the file.
        limit = settings.YUSUAN_UPLOAD_MAX_BYTES
        if (upload.size or 0) > limit:
            errors.append(
                ErrorDetail(
                    code="workflow.attachment_size",
                    rule="R-WF-7",
                    field=f"files[{i}]",
                    value=upload.size,
                    limit=limit,
                    message_zh=f"附件 {name} 超过 {megabytes(limit)}",
                    message_en=f"attachment {name} exceeds {megabytes(limit)}",
                )
            )
    raise_if_any(errors)
    now = timezone.now()
    action = _record(instance, ActionKind.COMMENT, None, now, comment=text, actor=as_user(actor))
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        WorkflowAttachment.objects.create(
            action=action,
            file=upload,
            name=(upload.name or "")[:200],
            size=upload.size or 0,
            sha256=digest.hexdigest(),
            content_type=(upload.content_type or "")[:100],
        )
    audit_record(
        action="workflow.comment",
        actor=actor,
        obj=instance,
        extra={"comment": text[:500], "files": [u.name for u in files]},
    )
    return action
