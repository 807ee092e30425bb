from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yusuan.audit.chain import verify


class Command(BaseCommand):
    help = "Verify the sealed audit trail; names the first record or seal that fails (P5)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            metavar="SEAL_ID:DIGEST",
            help="a seal id and digest printed by an earlier run and kept outside the database",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = None
        if options["anchor"]:
            seal_id, _, digest = options["anchor"].partition(":")
            if not seal_id.isdigit() or len(digest) != 64:
                raise CommandError("--anchor must be SEAL_ID:DIGEST (64 hex characters)")
            anchor = (int(seal_id), digest.lower())
        result = verify(anchor=anchor)
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
        if result.latest_seal_id is not None:
            # Kept outside the database (printed, filed), this pair detects a rewrite of the
            # whole chain: pass it back with --anchor.
            self.stdout.write(f"anchor / 锚点: {result.latest_seal_id}:{result.latest_digest}")
