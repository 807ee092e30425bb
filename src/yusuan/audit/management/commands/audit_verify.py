from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yusuan.audit.chain import verify, verify_coverage

# Rows named in the error message itself; stderr lists every failure.
NAMED_IN_ERROR = 10


class Command(BaseCommand):
    help = (
        "Verify the sealed audit trail; names the first record or seal that fails (P5), and every "
        "indicator movement that no audited action accounts for or that changed (ADR 0017)."
    )

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
        coverage = verify_coverage()
        failures = [f"{c.label}: {failure}" for c in coverage for failure in c.failures]
        for failure in failures:
            self.stderr.write(f"FAILED / 不符: {failure}")
        if not result.ok or failures:
            problems = (
                [
                    f"{result.failure} (after {result.seals_checked} seals, "
                    f"{result.records_checked} records)"
                ]
                if not result.ok
                else []
            )
            if failures:
                named = "; ".join(failures[:NAMED_IN_ERROR])
                more = len(failures) - NAMED_IN_ERROR
                problems.append(
                    f"{len(failures)} row(s) not accounted for by the audit trail / "
                    f"{len(failures)} 条记录与审计链不符: {named}"
                    + (f"; … and {more} more / 另有 {more} 条" if more > 0 else "")
                )
            raise CommandError("AUDIT TRAIL FAILED / 审计链校验失败: " + " | ".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"audit trail OK / 审计链校验通过: {result.seals_checked} seals, "
                f"{result.records_checked} sealed records verified, "
                f"{result.records_unsealed} records not yet sealed"
            )
        )
        for c in coverage:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{c.label}: {c.checked} verified / 已核对, {c.sealed} accounted for by "
                    f"sealed records / 由已封存记录证明, {c.unsealed} by records not yet sealed / "
                    "所属记录尚未封存"
                )
            )
        if result.latest_seal_id is not None:
            # Kept outside the database (printed, filed), this pair detects a rewrite of the
            # whole chain: pass it back with --anchor.
            self.stdout.write(f"anchor / 锚点: {result.latest_seal_id}:{result.latest_digest}")
