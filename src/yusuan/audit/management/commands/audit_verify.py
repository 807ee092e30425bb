from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yusuan.audit.chain import verify


class Command(BaseCommand):
    help = "Verify the sealed audit trail; names the first record or seal that fails (P5)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if not result.ok:
            raise CommandError(
                f"AUDIT TRAIL FAILED / 审计链校验失败: {result.failure} "
                f"(after {result.seals_checked} seals, {result.records_checked} records)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"audit trail OK / 审计链校验通过: {result.seals_checked} seals, "
                f"{result.records_checked} sealed records verified, "
                f"{result.records_unsealed} records not yet sealed"
            )
        )
