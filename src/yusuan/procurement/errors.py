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


def unknown_pur_item(rule: str, code: str, fiscal_year: int) -> ErrorDetail:
    """A 品目 the region's code set of the year does not have (intentions, the catalogue)."""
    return procurement_error(
        rule,
        "pur_item_code",
        "pur_item_unknown",
        f"采购品目“{code}”不在本地区 {fiscal_year} 年政府采购品目目录中",
        f"procurement item '{code}' is not in the region's {fiscal_year} catalogue",
        code,
    )


def text_value(
    rule: str,
    value: str,
    field: str,
    name_zh: str,
    name_en: str,
    limit: int,
    errors: list[ErrorDetail],
    *,
    required: bool = True,
) -> str:
    """``value`` stripped; a missing (if ``required``) or too long text is added to ``errors``
    naming the field, the length and the limit."""
    text = value.strip()
    if not text:
        if required:
            errors.append(
                procurement_error(
                    rule,
                    field,
                    f"{field}_required",
                    f"{name_zh}不能为空",
                    f"the {name_en} is required",
                )
            )
    elif len(text) > limit:
        errors.append(
            procurement_error(
                rule,
                field,
                f"{field}_too_long",
                f"{name_zh}最多 {limit} 个字（当前 {len(text)} 个）",
                f"the {name_en} takes at most {limit} characters ({len(text)} given)",
                len(text),
                limit,
            )
        )
    return text
