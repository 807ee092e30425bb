"""``yusuan monitoring_scan [--region C] [--year Y] [--as-of D]``: the after-the-fact monitoring
rules (事后, DOMAIN §3.9) over a region's year up to a day; run it nightly (cron). Each region
when none is named. Prints what each rule found and how many findings are new."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yusuan.core.models import Region
from yusuan.monitoring.services.scans import scan


class Command(BaseCommand):
    help = "Run the after-the-fact monitoring rules (事后监控) over a region's year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="region code (mof_div_code); every region if omitted")
        parser.add_argument("--year", type=int, help="fiscal year; the as-of day's if omitted")
        parser.add_argument("--as-of", help="YYYY-MM-DD; today if omitted")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = (
                dt.date.fromisoformat(options["as_of"])
                if options["as_of"]
                else timezone.localdate()
            )
        except ValueError as exc:
            raise CommandError(f"--as-of {options['as_of']!r} is not a date (2026-06-30)") from exc
        year = options["year"] or as_of.year
        regions = (
            [options["region"]]
            if options["region"]
            else list(Region.objects.values_list("mof_div_code", flat=True))
        )
        if options["region"] and not Region.objects.filter(mof_div_code=options["region"]).exists():
            raise CommandError(f"no region {options['region']!r}")
        for region in regions:
            result = scan(actor=None, region=region, year=year, as_of=as_of)
            found = ", ".join(f"{code} {n}" for code, n in result.found.items())
            self.stdout.write(
                f"{region} {year} as of {as_of}: {result.total_created} new findings ({found})"
            )
