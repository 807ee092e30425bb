"""The audit log as sentences a person reads (issue 16 item 4).

A record stores codes: its action (``payments.request_create``), its object (model label and id),
state codes (``draft`` → ``submitted``) and role codes (``unit_clerk``). The log shows the action's
label, the object by its name and number linked where the reader may open it
(:mod:`yusuan.common.documents`), recorded values by their choices' labels, roles by their names
(registered by identity, which sits above us) and where the record came from (来源). The codes stay
in ``title`` attributes for auditors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yusuan.audit.actions import action_label
from yusuan.audit.models import AuditRecord
from yusuan.common import documents, masking
from yusuan.common.money import Money

_ROLE_NAMES: dict[str, tuple[str, str]] = {}
# (object type, field) -> labeller(object ids) -> {object id: {code: label}}: values whose names
# live with the object (an approval's step codes, named in its frozen route).
ValueLabels = Callable[[list[str]], dict[str, dict[str, str]]]
_VALUE_LABELS: dict[tuple[str, str], ValueLabels] = {}
WORKFLOW_INSTANCE = "workflow.workflowinstance"


def register_role_names(names: Mapping[str, tuple[str, str]]) -> None:
    """``{code: (Chinese name, English name)}``, from identity's role catalogue."""
    _ROLE_NAMES.update(names)


def register_value_labels(object_type: str, field: str, labeller: ValueLabels) -> None:
    _VALUE_LABELS[object_type, field] = labeller


# object type -> (recorded name -> its label, or None): changes keyed by something other than
# a model field (a year's standards, keyed by the standard's key).
FieldLabels = Callable[[str], str | None]
_FIELD_LABELS: dict[str, FieldLabels] = {}


def register_field_labels(object_type: str, labeller: FieldLabels) -> None:
    _FIELD_LABELS[object_type] = labeller


def role_name(code: str) -> str:
    names = _ROLE_NAMES.get(code)
    if names is None:
        return code
    return names[1] if (get_language() or "").startswith("en") else names[0]


@dataclass(frozen=True)
class Change:
    field: str  # the code, for the title attribute
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Entry:
    record: AuditRecord
    action: str
    document: documents.DocumentRef
    roles: list[tuple[str, str]]  # (code, name)
    source: str
    source_detail: str
    changes: list[Change]


def _field(object_type: str, name: str) -> Any:
    app_label, _dot, model_name = object_type.partition(".")
    try:
        field = apps.get_model(app_label, model_name)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    # A reverse relation (``project.plans``) is no field a change is recorded on.
    return field if hasattr(field, "verbose_name") else None


def _value(field: Any, name: str, value: Any) -> Any:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name.endswith("_fen") and isinstance(value, int):
        return Money(value).format()  # fen as yuan, the unit the pages use
    if name == "roles" and isinstance(value, list):
        return "、".join(role_name(str(code)) for code in value)
    choices = dict(getattr(field, "flatchoices", None) or ())
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    return value


def _changes(
    viewer: Any, record: AuditRecord, named: Mapping[tuple[str, str, str], dict[str, str]]
) -> list[Change]:
    rows = []
    for name, pair in (record.changes or {}).items():
        before, after = (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        field = _field(record.object_type, name)
        labeller = _FIELD_LABELS.get(record.object_type)
        label = (
            str(field.verbose_name)
            if field is not None
            else (labeller(name) if labeller is not None else None) or name
        )
        if name == "roles":
            label = _("roles")
        elif name == "step":
            label = _("approval step")
        names = named.get((record.object_type, name, record.object_id), {})
        values = [
            names.get(str(v), v) if names else _value(field, name, v)
            for v in (
                masking.field_value_for(viewer, name, before),
                masking.field_value_for(viewer, name, after),
            )
        ]
        rows.append(Change(name, label, values[0], values[1]))
    return rows


def source_of(record: AuditRecord) -> tuple[str, str]:
    """来源: an API token (named), the API, a page of the site, or the system itself."""
    extra = record.extra if isinstance(record.extra, dict) else {}
    if extra.get("api_token"):
        return _("API token “%(name)s”") % {"name": extra["api_token"]}, record.ip_address
    if str(extra.get("path", "")).startswith("/api/"):
        return _("API"), record.ip_address
    if record.session_hash or record.ip_address or record.request_id:
        return _("Web page"), record.ip_address
    return _("System"), ""


def _target(record: AuditRecord) -> tuple[str, str, str]:
    """What the record is about: an approval's record names the document it approves."""
    extra = record.extra if isinstance(record.extra, dict) else {}
    if record.object_type == WORKFLOW_INSTANCE and extra.get("document_type"):
        number = record.object_repr.split(" ", 1)[0] if record.object_repr else ""
        return str(extra["document_type"]), str(extra.get("object_id", "")), number
    number = record.object_repr
    return record.object_type, record.object_id, number


def readable(viewer: Any, records: Iterable[AuditRecord]) -> list[Entry]:
    records = list(records)
    targets = {record.pk: _target(record) for record in records}
    refs = documents.resolve(viewer, targets.values())
    named: dict[tuple[str, str, str], dict[str, str]] = {}
    for (object_type, field), labeller in _VALUE_LABELS.items():
        ids = [
            r.object_id
            for r in records
            if r.object_type == object_type and field in (r.changes or {})
        ]
        if ids:
            for object_id, labels in labeller(ids).items():
                named[object_type, field, object_id] = labels
    entries = []
    for record in records:
        code, object_id, _number = targets[record.pk]
        source, detail = source_of(record)
        roles = [(c, role_name(c)) for c in record.role_codes.split(",") if c]
        entries.append(
            Entry(
                record,
                action_label(record.action),
                refs[code, object_id],
                roles,
                source,
                detail,
                _changes(viewer, record, named),
            )
        )
    return entries
