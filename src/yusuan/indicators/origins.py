"""Where an indicator line's money was decided, as told by the apps above the ledger (ADR 0035's
shape): budget preparation knows the budget line, the 批复 and the people's-congress approval an
indicator came from (R-BP-12). They register a provider; the line's page shows what they say in
its trace, never importing up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yusuan.indicators.models import IndicatorLine


@dataclass(frozen=True)
class Origin:
    label: str
    text: str
    url: str = ""  # only where the reader may open it
    testid: str = ""


OriginProvider = Callable[[Any, "IndicatorLine"], list[Origin]]
_PROVIDERS: list[OriginProvider] = []


def register_origin(provider: OriginProvider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def origins_of(actor: Any, line: IndicatorLine) -> list[Origin]:
    found: list[Origin] = []
    for provider in _PROVIDERS:
        found += provider(actor, line)
    return found
