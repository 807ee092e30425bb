"""ADR 0017: movements posted before the ledger listed them in audit records get one listing now.

From this release every posting hands its movements' digests to the audit record of the
business action that made it, and ``yusuan audit_verify`` names any movement no record lists.
Movements already in the database were made before that: this migration writes audit records
(``indicators.movements_baseline``, 5,000 movements each) that list them as they are at the
upgrade — they vouch for the content from now on, not for how it came about. Movements some
record lists already are left out, so a database without unlisted movements (a new one) gets no
record.
"""

from django.db import migrations
from django.utils import timezone

from yusuan.indicators.models import (
    MOVEMENT_HASHED_FIELDS,
    MOVEMENTS_AUDIT_KEY,
    movement_digest,
)

PER_RECORD = 5000


def list_movements(apps, schema_editor):
    movement_model = apps.get_model("indicators", "Movement")
    record_model = apps.get_model("audit", "AuditRecord")
    listed = {
        movement_id
        for extra in record_model.objects.filter(extra__has_key=MOVEMENTS_AUDIT_KEY)
        .values_list("extra", flat=True)
        .iterator(500)
        for movement_id, _digest in extra[MOVEMENTS_AUDIT_KEY]
    }
    batch: list[list[object]] = []

    def write() -> None:
        record_model.objects.create(
            occurred_at=timezone.now(),
            action="indicators.movements_baseline",
            object_type="indicators.movement",
            object_id=f"{batch[0][0]}-{batch[-1][0]}",
            object_repr=f"{len(batch)} movements present at the upgrade (ADR 0017)",
            extra={
                "reason": "movements posted before the ledger listed them in audit records",
                MOVEMENTS_AUDIT_KEY: batch,
            },
        )

    for values in (
        movement_model.objects.order_by("id").values(*MOVEMENT_HASHED_FIELDS).iterator(2000)
    ):
        if values["id"] in listed:
            continue
        batch.append([values["id"], movement_digest(values).hex()])
        if len(batch) == PER_RECORD:
            write()
            batch = []
    if batch:
        write()


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0005_ordering_by_column"),
        ("audit", "0003_append_only_triggers"),
    ]

    operations = [
        # Not reversible by deleting: the audit trail is append-only.
        migrations.RunPython(list_movements, migrations.RunPython.noop, elidable=False),
    ]
