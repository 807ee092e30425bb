"""The procurement module's error details: ``procurement.<code>``, the rule, the field."""

from __future__ import annotations

from typing import Any

from yusuan.common.errors import ErrorDetail


def procurement_error(
    rule: str, field: str, code: str, zh: str, en: str, value: Any = None, limit: Any = None
) -> ErrorDetail:
    return ErrorDetail(
        code=f"procurement.{code}",
        rule=rule,
        field=field,
        value=value,
        limit=limit,
        message_zh=zh,
        message_en=en,
    )
