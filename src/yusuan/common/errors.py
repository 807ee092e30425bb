"""Errors users can act on (DESIGN §6, promise P7).

A business-rule failure carries a stable ``code``, the ``rule`` id from DOMAIN.md, the ``field``
path (``lines[2].amount``), the offending ``value`` and the ``limit``, with a message in Chinese
and English. Pages outline the field, the API renders RFC 9457 problem details, imports list
every bad row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class ErrorDetail:
    code: str
    message_zh: str
    message_en: str
    field: str | None = None
    rule: str | None = None
    value: Any = None
    limit: Any = None
    row: int | None = None

    def message(self, language: str | None) -> str:
        if language and language.lower().startswith("en"):
            return self.message_en
        return self.message_zh

    def as_dict(self, language: str | None = None) -> dict[str, Any]:
        return {
            "code": self.code,
            "rule": self.rule,
            "field": self.field,
            "row": self.row,
            "message": self.message(language),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "value": _jsonable(self.value),
            "limit": _jsonable(self.limit),
        }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


# A problem body lists at most this many errors (the first ones) and says how many there were:
# a 20,000-line body with an error on every line is answered with 100 of them, not 11 MB.
MAX_PROBLEM_ERRORS = 100

# The titles problem bodies carry, in Chinese for a Chinese caller (``problem_body``).
TITLES_ZH = {
    "Bad request": "请求无效",
    "Business rule violated": "违反业务规则",
    "Conflict": "冲突",
    "Content too large": "请求内容过大",
    "CSRF check failed": "CSRF 校验失败",
    "Forbidden": "无权访问",
    "Invalid input": "输入无效",
    "Method not allowed": "不支持此请求方法",
    "Not found": "不存在",
    "Too many requests": "请求过于频繁",
    "Unauthorized": "未认证",
    "Unsupported media type": "不支持的内容类型",
    "Validation failed": "校验未通过",
}


def problem_title(title: str, language: str | None) -> str:
    if language and language.lower().startswith("en"):
        return title
    return TITLES_ZH.get(title, title)


def problem_body(
    *,
    instance: str,
    status: int,
    title: str,
    errors: list[ErrorDetail],
    code: str,
    language: str | None,
    total: int | None = None,
) -> dict[str, Any]:
    """RFC 9457 problem details as the API answers every error (DESIGN §6). At most
    ``MAX_PROBLEM_ERRORS`` errors are listed; when there were more (``total``, or the length of
    ``errors``), ``errors_total`` says how many and ``detail`` how many were left out."""
    total = max(total or 0, len(errors))
    shown = errors[:MAX_PROBLEM_ERRORS]
    detail = "; ".join(e.message(language) for e in shown) or problem_title(title, language)
    body: dict[str, Any] = {
        "type": f"urn:yusuan:error:{code}",
        "title": problem_title(title, language),
        "status": status,
        "detail": detail,
        "instance": instance,
        "errors": [e.as_dict(language) for e in shown],
    }
    if total > len(shown):
        left = total - len(shown)
        english = bool(language and language.lower().startswith("en"))
        body["detail"] = (
            f"{detail}; … and {left} more errors ({total} in all; the first {len(shown)} are listed)"
            if english
            else f"{detail}；……另有 {left} 项错误未列出（共 {total} 项，列出前 {len(shown)} 项）"
        )
        body["errors_total"] = total
    return body


@dataclass
class BusinessRuleError(Exception):
    """One or more rule violations; raised by services, never half-applied."""

    errors: list[ErrorDetail] = field(default_factory=list)
    status: int = 422

    def __post_init__(self) -> None:
        super().__init__("; ".join(e.message_en for e in self.errors))

    @classmethod
    def single(cls, *, status: int = 422, **kwargs: Any) -> BusinessRuleError:
        return cls([ErrorDetail(**kwargs)], status=status)


def err(code: str, field: str, zh: str, en: str, **kwargs: Any) -> ErrorDetail:
    """A violation of ``field``, in Chinese and English (``rule``, ``value``, ``limit``, ``row``
    as keywords): the services' short form of :class:`ErrorDetail`."""
    return ErrorDetail(code=code, field=field, message_zh=zh, message_en=en, **kwargs)


def refuse(
    code: str, field: str, zh: str, en: str, *, status: int = 422, **kw: Any
) -> BusinessRuleError:
    """One violation, to raise."""
    return BusinessRuleError([err(code, field, zh, en, **kw)], status=status)


class NotFoundError(BusinessRuleError):
    """Missing, or outside the actor's scope: the two are indistinguishable on purpose (a 404)."""

    def __init__(self, what: str = "object") -> None:
        super().__init__(
            [
                ErrorDetail(
                    code="not_found",
                    message_zh="对象不存在或无权访问",
                    message_en=f"{what} not found",
                )
            ],
            status=404,
        )


def raise_if_any(errors: Iterable[ErrorDetail]) -> None:
    collected = list(errors)
    if collected:
        raise BusinessRuleError(collected)


def field_error(
    *,
    code: str,
    field: str,
    message_zh: str,
    message_en: str,
    rule: str | None = None,
    value: Any = None,
    limit: Any = None,
    row: int | None = None,
) -> ErrorDetail:
    return ErrorDetail(
        code=code,
        field=field,
        message_zh=message_zh,
        message_en=message_en,
        rule=rule,
        value=value,
        limit=limit,
        row=row,
    )


def on_row(detail: ErrorDetail, row: int) -> ErrorDetail:
    """The same error, placed on a file row: batch imports name the row in every message."""
    zh = (
        detail.message_zh
        if detail.message_zh.startswith("第 ")
        else f"第 {row} 行：{detail.message_zh}"
    )
    en = (
        detail.message_en
        if detail.message_en.startswith("Row ")
        else f"Row {row}: {detail.message_en}"
    )
    return replace(detail, row=row, message_zh=zh, message_en=en)


def first_per_field(errors: Iterable[ErrorDetail]) -> list[ErrorDetail]:
    """One error per (row, field): a wrong value should not also be reported as missing."""
    seen: set[tuple[int | None, str | None]] = set()
    kept = []
    for detail in errors:
        key = (detail.row, detail.field)
        if key in seen and detail.field is not None:
            continue
        seen.add(key)
        kept.append(detail)
    return kept


def row_amount(text: str, index: int, errors: list[ErrorDetail], name: str = "amount") -> Any:
    """The amount typed on row ``index`` of a document (``Money``); an unreadable one is added to
    ``errors`` as ``lines[index].amount`` with the row and what was typed, and counts as 0."""
    from yusuan.common.money import Money, MoneyParseError

    try:
        return Money.parse(text)
    except MoneyParseError as exc:
        errors.append(
            ErrorDetail(
                code=exc.code,
                field=f"lines[{index}].{name}",
                row=index,
                value=text,
                limit=exc.limit,
                message_zh=f"第 {index + 1} 行：{exc.message_zh}",
                message_en=f"row {index + 1}: {exc.message_en}",
            )
        )
        return Money(0)


def field_amount(text: str, name: str) -> Any:
    """The amount typed in the single field ``name`` (``Money``), or ``BusinessRuleError`` naming
    that field and what was typed (one amount: no row in the message)."""
    from yusuan.common.money import Money, MoneyParseError

    try:
        return Money.parse(text)
    except MoneyParseError as exc:
        raise BusinessRuleError(
            [
                ErrorDetail(
                    code=exc.code,
                    field=name,
                    value=text,
                    limit=exc.limit,
                    message_zh=exc.message_zh,
                    message_en=exc.message_en,
                )
            ]
        ) from exc
