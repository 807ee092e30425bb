"""Exactly-once submissions (P11): the same key with the same body has effect once.

Used by every mutating API endpoint (``Idempotency-Key`` header) and by forms (a hidden field).
The record is inserted in the same transaction as the business change, so a failed attempt
leaves no record and may be retried; a concurrent duplicate waits on the unique index and then
replays the stored result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from yusuan.audit.models import IdempotencyRecord
from yusuan.common.errors import BusinessRuleError, ErrorDetail

if TYPE_CHECKING:
    from ninja import Status

KEY_LENGTH_MAX = 128


@dataclass(frozen=True)
class StoredResult:
    status: int
    body: Any
    replayed: bool


def _canonical(value: Any) -> str:
    # An uploaded file counts by its bytes: the same name and size with other content is
    # another request (a salary sheet with other amounts is not a retry).
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    return str(value)


def request_digest(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_key(key: str) -> None:
    if not key or len(key) > KEY_LENGTH_MAX or not key.isprintable():
        raise BusinessRuleError.single(
            code="idempotency.invalid_key",
            rule="P11",
            field="Idempotency-Key",
            value=key[:40],
            limit=f"1–{KEY_LENGTH_MAX} printable characters",
            message_zh="幂等键无效（1–128 个可打印字符）",
            message_en="Invalid idempotency key (1–128 printable characters)",
        )


def run_once(
    *,
    key: str | None,
    actor_id: int,
    scope: str,
    body: Mapping[str, Any],
    execute: Callable[[], tuple[int, Any]],
) -> StoredResult:
    """Run ``execute`` once per (actor, scope, key); replay its stored result afterwards."""
    if key is None:
        status, result = execute()
        return StoredResult(status, result, replayed=False)
    _check_key(key)
    digest = request_digest(body)
    # The API call's own transaction: the key's record commits with what the call wrote.
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    key=key, actor_id=actor_id, scope=scope, request_digest=digest
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(actor_id=actor_id, scope=scope, key=key)
            if existing.request_digest != digest:
                raise BusinessRuleError(
                    [
                        ErrorDetail(
                            code="idempotency.key_reused",
                            rule="P11",
                            field="Idempotency-Key",
                            value=key,
                            message_zh="该幂等键已用于另一份不同的提交，请使用新的幂等键",
                            message_en="This idempotency key was used for a different request body; use a new key",
                        )
                    ],
                    status=409,
                ) from None
            assert existing.status_code is not None  # the first attempt committed with its result
            return StoredResult(existing.status_code, existing.response_body, replayed=True)
        status, result = execute()
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=status, response_body=result
        )
    return StoredResult(status, result, replayed=False)


def stored_json(value: Any) -> Any:
    """What a replay will return: the body as JSON text would carry it (datetimes as ISO text)."""
    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def write_once(
    request: Any,
    response: Any,
    *,
    api_scope: str,
    key: str | None,
    scope: str,
    body: Mapping[str, Any],
    status: int,
    render: Callable[[Any], Any],
    permission: str | None = None,
) -> Status[Any]:
    """Every mutating API endpoint goes through here: the caller's role permission and token
    scope checked (on a replay too), then ``render(actor)`` — which performs the change and
    returns the answer's body, or a ``ninja.Status`` when the status depends on the outcome —
    run once per ``Idempotency-Key`` (the header, ``yusuan.common.api.IdempotencyKey``). A replay
    returns the stored answer, marked ``Idempotent-Replayed: true``; the same key with another
    ``body`` (uploaded bytes included) or another query string is a 409
    ``idempotency.key_reused``."""
    from ninja import Status

    from yusuan.common.api import idempotency_inputs, require

    actor = require(request, permission, api_scope)
    body = idempotency_inputs(request, body)  # the query string is an input too

    def execute() -> tuple[int, Any]:
        answer = render(actor)
        if isinstance(answer, Status):
            return answer.status_code, stored_json(answer.value)
        return status, stored_json(answer)

    result = run_once(key=key, actor_id=actor.pk, scope=scope, body=body, execute=execute)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(result.status, result.body)
