from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yusuan.core.models import Region
from yusuan.workflow.services import install_default_definitions


class Command(BaseCommand):
    help = "Install the shipped approval definitions for a region (skips the ones it already has)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mof_div_code", help="财政区划 code, e.g. 320509")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["mof_div_code"]
        if not Region.objects.filter(mof_div_code=code).exists():
            raise CommandError(f"unknown region {code}")
        made = install_default_definitions(mof_div_code=code)
        self.stdout.write(f"installed / 已安装: {made}")
