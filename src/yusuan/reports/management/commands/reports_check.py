"""``yusuan reports_check [--region C] [--year Y] [--rebuild]``: recompute the execution
aggregates from the indicator ledger and compare them with what the money events kept (ADR
0053); list any (line, day) or (line, month) that differs and any movement no event announced. Exit status 1
when anything differs. ``--rebuild`` then replaces the aggregates by the recomputation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yusuan.reports.models import MEASURES
from yusuan.reports.services.aggregates import check, rebuild

SHOWN = 20  # differences printed in full; the count says how many more


class Command(BaseCommand):
    help = "Recompute the execution aggregates from the ledger and compare (or --rebuild)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="region code (mof_div_code); all when omitted")
        parser.add_argument("--year", type=int, help="fiscal year; all when omitted")
        parser.add_argument(
            "--rebuild", action="store_true", help="replace the aggregates by the recomputation"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region, year = options["region"], options["year"]
        found = check(region=region, year=year)
        out = self.stdout
        out.write(
            f"recomputed (line, day) rows: {found.rows}; differences: {len(found.differences)}; "
            f"movements without a money event: {len(found.unannounced)}"
        )
        for diff in found.differences[:SHOWN]:
            changed = {
                name: (a, b)
                for name, a, b in zip(MEASURES, diff.kept, diff.computed, strict=True)
                if a != b
            }
            out.write(f"  line {diff.line_id} {diff.period} {diff.day}: kept → ledger {changed}")
        for move in found.unannounced[:SHOWN]:
            out.write(
                f"  movement {move.movement_id} ({move.kind}, line {move.line_id}): "
                f"{move.source_type or 'indicators.document'} "
                f"{move.source_no or move.document_id or move.source_id}"
            )
        hidden = max(0, len(found.differences) - SHOWN) + max(0, len(found.unannounced) - SHOWN)
        if hidden > 0:
            out.write(f"  … and {hidden} more")
        if options["rebuild"]:
            written = rebuild(actor=None, region=region, year=year)
            out.write(f"rebuilt: {written} rows")
            return
        if not found.ok:
            raise CommandError("the aggregates differ from the ledger")
