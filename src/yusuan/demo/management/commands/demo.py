"""``yusuan demo``: create or upgrade the database, load the demo district, then serve it."""

from __future__ import annotations

import datetime as dt
import json
import time
import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from yusuan.audit.chain import seal
from yusuan.core.models import Region
from yusuan.demo.generator import MAIN_REGION, SCALES, as_json, generate


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns: a Chinese character takes two."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


class Command(BaseCommand):
    help = "Create/upgrade the database, load the demo district and serve it (unless --no-serve)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="district")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help="Business date the demo year has reached (default: today, moved into the demo year).",
        )
        parser.add_argument("--no-serve", action="store_true", help="Load the data and exit.")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Address to serve on.")
        parser.add_argument(
            "--logins-file", default=None, help="Where to write the demo logins (JSON)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        logins_path = Path(options["logins_file"] or settings.VAR_DIR / "demo-logins.json")
        if Region.objects.filter(mof_div_code=MAIN_REGION[0]).exists():
            self.stdout.write(
                "Demo data already loaded; keeping it. (Delete the database file to start over.)"
            )
        else:
            result = generate(scale=options["scale"], seed=options["seed"], as_of=options["as_of"])
            sealed = seal(lag_seconds=0, batch_size=settings.YUSUAN_AUDIT_SEAL_BATCH_SIZE)
            logins_path.parent.mkdir(parents=True, exist_ok=True)
            logins_path.write_text(
                json.dumps(as_json(result), ensure_ascii=False, indent=2), encoding="utf-8"
            )
            self.stdout.write(
                f"Loaded scale '{result.scale}' as of {result.as_of}: {len(result.regions)} region(s), {result.organisations} organisations "
                f"({result.agencies} departments/units), {result.bank_accounts} bank accounts, {result.payees} payees, "
                f"{result.users} users, {result.people} people, {result.indicator_lines} indicator lines, {result.budget_lines} budget lines, "
                f"{result.payment_requests} payment requests, {result.vouchers_posted} vouchers posted, "
                f"{result.scan_findings} findings of the after-the-fact monitoring scan "
                f"in {result.seconds:.1f} s; "
                f"{sealed.records_sealed} audit records sealed."
            )
        self._print_logins(logins_path, options["addr"])
        self.stdout.write(f"Total: {time.perf_counter() - started:.1f} s")
        if not options["no_serve"]:
            call_command("runserver", options["addr"], use_reloader=False, use_threading=True)

    def _print_logins(self, path: Path, addr: str) -> None:
        if not path.exists():
            return
        data = json.loads(path.read_text(encoding="utf-8"))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Yusuan demo: http://{addr}/"))
        self.stdout.write(f"Password for every demo login: {data['password']}")
        for login in data["logins"]:
            note = f"  ({login['note']})" if login.get("note") else ""
            self.stdout.write(
                f"  {pad(login['username'], 18)} {pad(login['role'], 30)} "
                f"{login['organisation']}{note}"
            )
        self.stdout.write(f"Logins (and the bank's API token) are also in {path}")
