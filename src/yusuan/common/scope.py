"""Data scope (DESIGN §2): which regions and organisations a user may see.

Computed once per user by :mod:`yusuan.identity.scopes` and applied by every scoped queryset's
``visible_to(actor)``. ``organisation_ids`` of ``None`` means "every organisation in the regions".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Scope:
    mof_div_codes: frozenset[str]
    organisation_ids: frozenset[int] | None
    label: str = ""

    @property
    def is_region_wide(self) -> bool:
        return self.organisation_ids is None

    @classmethod
    def nothing(cls) -> Scope:
        return cls(frozenset(), frozenset(), "none")

    def covers(self, *, mof_div_code: str, organisation_id: int | None) -> bool:
        if mof_div_code not in self.mof_div_codes:
            return False
        if self.organisation_ids is None:
            return True
        return organisation_id in self.organisation_ids


class ScopedActor(Protocol):
    """Anything that can say what it may see: a user (identity) or a system account."""

    @property
    def scope(self) -> Scope: ...
