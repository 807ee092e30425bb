from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.reconcile_hooks import reconcilers
from yusuan.indicators.selectors import movement_proof, reconcile, source_draw_proof


class Command(BaseCommand):
    help = (
        "Reconcile the indicator ledger (P2): every line's buckets = Σ its movements, every "
        "pending line's allocated = Σ its children (R-IN-2), every posting balances, every "
        "source's drawn = Σ its draws ≤ its amount and matches the postings' money in (R-IN-7), "
        "and every movement and source draw is the one an audit record lists (ADR 0017, 0026). Exits non-zero and prints each "
        "difference when anything is off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="mof_div_code (default: every region)")
        parser.add_argument("--year", type=int, help="fiscal year (default: every year)")

    def handle(self, *args: Any, **options: Any) -> None:
        region, year = options.get("region"), options.get("year")
        # Movements first: any found later committed with its audit record (see movement_proof).
        proof = movement_proof(mof_div_code=region, fiscal_year=year)
        differences = [
            *reconcile(mof_div_code=region, fiscal_year=year),
            *proof.findings,
            # R-IN-7: every source draw is the one its audit record lists (ADR 0027).
            *source_draw_proof(mof_div_code=region, fiscal_year=year),
        ]
        lines = IndicatorLine.objects.all()
        if region:
            lines = lines.filter(mof_div_code=region)
        if year:
            lines = lines.filter(fiscal_year=year)
        checked = lines.count()
        extra: list[str] = []
        for reconciler in reconcilers():  # the books (accounting), registered from above
            failed, warnings, rows = reconciler.check(region, year)
            differences += failed
            for warning in warnings:
                self.stdout.write(f"WARNING / 提示: {warning}")
            extra.append(f"{reconciler.name}: {rows}")
        if differences:
            for difference in differences:
                self.stderr.write(f"DIFFERENCE / 不符: {difference}")
            raise CommandError(
                f"indicator ledger does NOT reconcile / 指标账不平: {len(differences)} "
                f"differences in {checked} lines"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"indicator ledger reconciles / 指标账平衡: {checked} lines, {proof.checked} "
                f"movements, each listed by its audit record / 每笔流水均有审计记录 "
                f"({proof.unsealed} not yet sealed / 尚未封存)"
                + "".join(f"; {line}" for line in extra)
            )
        )
