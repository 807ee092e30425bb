"""``yusuan demo_stats``: the demo's realism figures (DOMAIN-2 §1 C10) for the loaded database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yusuan.demo.generator import CURRENT_YEAR, MAIN_REGION
from yusuan.demo.stats import figures, report


class Command(BaseCommand):
    help = "Print the top 10 functional codes by line count and the spread of project totals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", default=MAIN_REGION[0])
        parser.add_argument("--year", type=int, default=CURRENT_YEAR)

    def handle(self, *args: Any, **options: Any) -> None:
        for line in report(figures(mof_div_code=options["region"], year=options["year"])):
            self.stdout.write(line)
