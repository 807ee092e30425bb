from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yusuan.workflow.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalate overdue approval steps that name an escalation target (run hourly from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = escalate_overdue()
        self.stdout.write(f"escalated / 已上报: {count}")
