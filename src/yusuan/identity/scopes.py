"""The one place that decides a user's data scope (DESIGN §2).

- a budget unit sees itself and any units below it; a department (主管部门) its whole subtree;
- a sector division (业务处室) the departments it supervises, with their subtrees;
- the budget, treasury, procurement, performance and administration divisions, the bureau itself
  and audit offices see their whole region (财政区划);
- an agent bank sees only itself (payment instructions reach it through its own endpoints).
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr

from yusuan.common.scope import Scope
from yusuan.core.choices import DivisionType, OrganisationKind
from yusuan.core.models import Organisation


class ScopedUser(Protocol):
    """What the scope reads of a user (``identity.models.User`` has it): named here so that this
    module does not import the models that call it (no circle between the two)."""

    @property
    def is_active(self) -> bool: ...

    @property
    def organisation_id(self) -> int | None: ...

    @property
    def organisation(self) -> Organisation | None: ...


REGION_WIDE_DIVISIONS = frozenset(
    {
        DivisionType.BUDGET,
        DivisionType.TREASURY,
        DivisionType.PROCUREMENT,
        DivisionType.PERFORMANCE,
        DivisionType.APPRAISAL,
        DivisionType.ADMINISTRATION,
    }
)


def scope_for_organisation(organisation: Organisation) -> Scope:
    region = frozenset({organisation.mof_div_code})
    kind = organisation.kind
    if kind in (OrganisationKind.FINANCE_BUREAU, OrganisationKind.AUDIT_OFFICE):
        return Scope(region, None, "region")
    if kind == OrganisationKind.FINANCE_DIVISION:
        if organisation.division_type in REGION_WIDE_DIVISIONS:
            return Scope(region, None, "region")
        return _supervised_scope(organisation)
    if kind in (OrganisationKind.DEPARTMENT, OrganisationKind.UNIT):
        ids = Organisation.objects.subtree_of(organisation).values_list("pk", flat=True)
        return Scope(region, frozenset(ids), "subtree")
    return Scope(region, frozenset({organisation.pk}), "self")


def _supervised_scope(division: Organisation) -> Scope:
    """The division and every organisation under a department it supervises, in one query (a
    row is in when some supervised root's path is a prefix of its own): every page of a sector
    division computes it, and one query per supervised department cost ~100 on a district."""
    root_is_prefix = Organisation.objects.filter(
        supervising_division=division, path=Substr(OuterRef("path"), 1, Length("path"))
    )
    ids = Organisation.objects.filter(Q(pk=division.pk) | Exists(root_is_prefix)).values_list(
        "pk", flat=True
    )
    return Scope(frozenset({division.mof_div_code}), frozenset(ids), "supervised")


def scope_for_user(user: ScopedUser) -> Scope:
    if not user.is_active or not user.organisation_id:
        return Scope.nothing()
    organisation = user.organisation
    if organisation is None:  # pragma: no cover - organisation_id names one
        return Scope.nothing()
    return scope_for_organisation(organisation)
