"""``{{ amount_fen|yuan }}`` → ``1,234.56``: templates never do arithmetic on money."""

from __future__ import annotations

from django import template

from yusuan.common.money import Money

register = template.Library()


@register.filter
def yuan(fen: int | str | None) -> str:
    if fen is None or fen == "":
        return "—"
    return Money(int(fen)).format()
