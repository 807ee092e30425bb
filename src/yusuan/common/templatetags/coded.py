"""``{{ names|coded:code }}``: a classification code with its name ("111 一般公共预算资金"),
so pages never show a bare internal code; the code alone when the name is unknown."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

register = template.Library()


@register.filter
def coded(names: Mapping[str, str] | None, code: str | None) -> str:
    if not code:
        return "—"
    name = (names or {}).get(str(code))
    return f"{code} {name}" if name else str(code)


@register.filter
def named(names: Mapping[str, str] | None, key: str | None) -> str:
    """The name alone, for keys that mean nothing to a reader (``expense.meeting.3``)."""
    if not key:
        return "—"
    return (names or {}).get(str(key), str(key))
