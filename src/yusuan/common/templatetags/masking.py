"""Account and identity numbers in templates, by the rule of :mod:`yusuan.common.masking`.

``{{ number|masked_account }}`` in lists (masked for everyone); ``{% account_no number %}`` and
``{% id_number number %}`` on one record's page (whole for roles that may see personal data).
"""

from __future__ import annotations

from typing import Any

from django import template

from yusuan.common import masking

register = template.Library()


def _viewer(context: Any) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.filter
def masked_account(value: str | None) -> str:
    return masking.mask_account_no(value or "")


@register.simple_tag(takes_context=True)
def account_no(context: Any, value: str | None) -> str:
    return masking.account_no_for(_viewer(context), value or "")


@register.simple_tag(takes_context=True)
def id_number(context: Any, value: str | None) -> str:
    return masking.id_number_for(_viewer(context), value or "")


@register.simple_tag(takes_context=True)
def recorded_value(context: Any, field: str, value: Any) -> Any:
    """A value in an audit record's changes, masked if it is a number the viewer may not see."""
    return masking.field_value_for(_viewer(context), field, value)
