"""The district picture's execution figures (issue 16 item 2): by department, what the year's
executable indicators hold and what was paid, read in one grouped query per bucket."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from yusuan.common.actor import Actor
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine


@dataclass(frozen=True)
class DepartmentExecution:
    organisation_id: int
    name: str
    total: int  # fen of executable lines
    frozen: int
    paid: int

    @property
    def rate(self) -> float:
        """Paid over total, for the bar's length only (figures are shown in fen → 元)."""
        return self.paid / self.total if self.total else 0.0

    @property
    def percent(self) -> str:
        return f"{self.rate * 100:.1f}%"


def execution_by_department(*, actor: Actor, fiscal_year: int) -> list[DepartmentExecution]:
    """Each department (一级预算单位) with its own and its units' executable lines of the year,
    in the actor's scope, the largest budget first."""
    rows = (
        IndicatorLine.objects.visible_to(actor)
        .filter(fiscal_year=fiscal_year, kind=LineKind.EXECUTABLE)
        .values("organisation__path")
        .annotate(total=Sum("total"), frozen=Sum("frozen"), paid=Sum("paid"))
    )
    sums: dict[int, list[int]] = {}
    for row in rows:
        # The department is the first agency on the unit's path (/<department>/<unit>/…).
        head = int(row["organisation__path"].strip("/").split("/")[0])
        figures = sums.setdefault(head, [0, 0, 0])
        figures[0] += row["total"] or 0
        figures[1] += row["frozen"] or 0
        figures[2] += row["paid"] or 0
    names = dict(
        Organisation.objects.filter(pk__in=sums, kind=OrganisationKind.DEPARTMENT).values_list(
            "pk", "name"
        )
    )
    found = [
        DepartmentExecution(pk, names.get(pk, "—"), total, frozen, paid)
        for pk, (total, frozen, paid) in sums.items()
    ]
    return sorted(found, key=lambda d: (-d.total, d.name))
