"""Approval definitions: create, publish a new version, install the shipped ones (R-WF-4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import raise_if_any
from yusuan.workflow import locks, registry, routing, rules
from yusuan.workflow.models import (
    ApprovalDefinition,
    DefinitionVersion,
)
from yusuan.workflow.services.common import (
    as_user,
    error,
)

DEFAULTS_FILE = Path(__file__).parent.parent / "data" / "definitions.json"

# --- definitions ---------------------------------------------------------------------------------


def _validated_body(document_type: str, raw: Any) -> rules.DefinitionBody:
    doc_type = registry.get(document_type)
    if doc_type is None:
        raise error(
            "unknown_document_type",
            "R-WF-4",
            f"未知单据类型 {document_type}",
            f"unknown document type {document_type}",
            field="document_type",
            value=document_type,
            limit=[t.code for t in registry.all_types()],
        )
    body, errors = rules.parse_body(raw)
    raise_if_any(errors)
    assert body is not None
    raise_if_any(
        rules.validate_body(
            body,
            subtypes=doc_type.subtype_codes,
            flags=doc_type.flag_codes,
            roles=routing.role_infos(),
        )
    )
    return body


@transaction.atomic
def definition_create(
    *,
    actor: Actor | None,
    mof_div_code: str,
    code: str,
    name: str,
    document_type: str,
    body: Any,
    description: str = "",
    priority: int = 100,
    note: str = "",
) -> ApprovalDefinition:
    if actor is not None:
        ensure_permission(actor, "workflow.add_approvaldefinition")
    parsed = _validated_body(document_type, body)
    if ApprovalDefinition.objects.filter(mof_div_code=mof_div_code, code=code).exists():
        raise error(
            "duplicate_definition",
            "R-WF-4",
            f"审批定义代码 {code} 已存在",
            f"an approval definition {code} already exists",
            field="code",
            value=code,
        )
    definition = ApprovalDefinition.objects.create(
        mof_div_code=mof_div_code,
        code=code,
        name=name,
        document_type=document_type,
        description=description,
        priority=priority,
    )
    version = DefinitionVersion(
        definition=definition,
        number=1,
        body=parsed.model_dump(exclude_none=True),
        note=note or "初始版本",
        created_by=as_user(actor) if actor is not None else None,
    )
    version.save(force_insert=True)
    audit_record(
        action="workflow.definition_create",
        actor=actor,
        obj=definition,
        changes={"version": [None, 1], "body": [None, version.body]},
    )
    return definition


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def definition_publish(
    *,
    actor: Actor,
    definition: ApprovalDefinition,
    body: Any,
    note: str,
    name: str | None = None,
    priority: int | None = None,
    is_active: bool | None = None,
) -> DefinitionVersion:
    """A new version; documents already submitted keep the version and route they started with."""
    ensure_permission(actor, "workflow.change_approvaldefinition")
    locked = locks.definition_qs_select_for_update().get(pk=definition.pk)
    parsed = _validated_body(locked.document_type, body)
    if not note.strip():
        raise error(
            "note_required",
            "R-WF-4",
            "请填写变更说明",
            "say what changed and why",
            field="note",
        )
    current = locked.current_version()
    number = (current.number if current else 0) + 1
    before = {"name": locked.name, "priority": locked.priority, "is_active": locked.is_active}
    locked.name = name if name is not None else locked.name
    locked.priority = priority if priority is not None else locked.priority
    locked.is_active = is_active if is_active is not None else locked.is_active
    locked.save()
    version = DefinitionVersion(
        definition=locked,
        number=number,
        body=parsed.model_dump(exclude_none=True),
        note=note.strip(),
        created_by=as_user(actor),
    )
    version.save(force_insert=True)
    after = {"name": locked.name, "priority": locked.priority, "is_active": locked.is_active}
    changes: dict[str, Any] = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    changes["version"] = [current.number if current else None, number]
    changes["body"] = [current.body if current else None, version.body]
    audit_record(
        action="workflow.definition_publish",
        actor=actor,
        obj=locked,
        changes=changes,
        extra={"note": version.note},
    )
    return version


def install_default_definitions(*, mof_div_code: str) -> int:
    """Load the shipped definitions (data/definitions.json) for a region; skips codes it has."""
    data = json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    made = 0
    for item in data["definitions"]:
        if ApprovalDefinition.objects.filter(mof_div_code=mof_div_code, code=item["code"]).exists():
            continue
        definition_create(
            actor=None,
            mof_div_code=mof_div_code,
            code=item["code"],
            name=item["name"],
            document_type=item["document_type"],
            description=item.get("description", ""),
            priority=item.get("priority", 100),
            body=item["body"],
            note="系统预置 / shipped default",
        )
        made += 1
    return made
