from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from yusuan.audit.chain import seal
from yusuan.audit.services import summarise_suppressed_security_events


class Command(BaseCommand):
    help = (
        "Seal audit records older than the seal lag into hash-chained batches (run every minute)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lag", type=int, default=None, help="Seconds; default YUSUAN_AUDIT_SEAL_LAG_SECONDS."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Closed windows of rate-limited anonymous events get their summary record (ADR 0016).
        summarised = summarise_suppressed_security_events()
        lag = (
            options["lag"] if options["lag"] is not None else settings.YUSUAN_AUDIT_SEAL_LAG_SECONDS
        )
        result = seal(lag_seconds=lag, batch_size=settings.YUSUAN_AUDIT_SEAL_BATCH_SIZE)
        self.stdout.write(
            f"sealed {result.records_sealed} records in {result.seals_made} seals; "
            f"{result.records_left} left for the next run; "
            f"{summarised} summaries of rate-limited security events"
        )
