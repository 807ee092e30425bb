"""R-IN-7 (ADR 0027): source draws are append-only, and money issued before sources existed gets
an opening source.

For every region and year with postings that moved money across the indicator system's edge
(``d_outside``: 下达, 追加, 追减, 收回 to finance), one ``legacy`` source is opened, held by the
region's finance bureau, with amount = Σ of what those postings brought in; each such posting
gets its draw row (``d_drawn = −Σ d_outside``), so ``yusuan reconcile`` holds at once. Lines and
their 下达/追加 documents name the source. An audit record (``indicators.sources_baseline``) per
source lists the draws' digests, as 0006 did for movements. A new database gets nothing.
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import Sum
from django.utils import timezone

from yusuan.common.append_only import create_triggers, drop_triggers
from yusuan.indicators.models import (
    SOURCE_DRAW_HASHED_FIELDS,
    SOURCE_DRAWS_AUDIT_KEY,
    source_draw_digest,
)

TABLES = ("indicators_sourcedraw",)


def open_legacy_sources(apps, schema_editor):
    movement_model = apps.get_model("indicators", "Movement")
    document_model = apps.get_model("indicators", "IndicatorDocument")
    line_model = apps.get_model("indicators", "IndicatorLine")
    source_model = apps.get_model("indicators", "IndicatorSource")
    draw_model = apps.get_model("indicators", "SourceDraw")
    organisation_model = apps.get_model("core", "Organisation")
    record_model = apps.get_model("audit", "AuditRecord")
    # Postings a source draw already matches are left alone (a second run adds nothing).
    matched = draw_model.objects.exclude(posting=None).values("posting")
    per_posting = (
        movement_model.objects.exclude(d_outside=0)
        .exclude(posting__in=matched)
        .values("line__mof_div_code", "line__fiscal_year", "posting", "document_id")
        .annotate(outside=Sum("d_outside"))
        .order_by("line__mof_div_code", "line__fiscal_year", "posting")
    )
    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for row in per_posting:
        groups[(row["line__mof_div_code"], row["line__fiscal_year"])].append(row)
    now = timezone.now()
    for (region, year), postings in groups.items():
        holder = (
            organisation_model.objects.filter(mof_div_code=region, kind="finance_bureau")
            .order_by("pk")
            .first()
        )
        first = (
            document_model.objects.filter(mof_div_code=region, fiscal_year=year)
            .order_by("pk")
            .first()
        )
        if holder is None or first is None:
            continue
        brought_in = sum(-p["outside"] for p in postings if p["outside"] < 0)
        drawn = sum(-p["outside"] for p in postings)
        source = source_model.objects.create(
            mof_div_code=region,
            fiscal_year=year,
            code=f"LY{year}000000"
            if not source_model.objects.filter(mof_div_code=region, code=f"LY{year}000000").exists()
            else f"LY{year}0{postings[0]['posting'].hex[:5].upper()}",
            kind="legacy",
            name=f"{year} 年期初指标来源（启用指标来源前已下达）",
            holder_id=holder.pk,
            amount=brought_in,
            drawn=drawn,
            created_by_id=first.created_by_id,
        )
        draws = [draw_model(source=source, kind="OPEN", d_amount=brought_in, created_at=now)]
        draws += [
            draw_model(
                source=source,
                kind="DRAW" if p["outside"] < 0 else "RETURN",
                posting=p["posting"],
                document_id=p["document_id"],
                d_drawn=-p["outside"],
                created_at=now,
            )
            for p in postings
        ]
        made = draw_model.objects.bulk_create(draws)
        line_model.objects.filter(mof_div_code=region, fiscal_year=year, budget_source=None).update(
            budget_source=source
        )
        document_model.objects.filter(
            mof_div_code=region,
            fiscal_year=year,
            kind__in=["issue", "increase"],
            budget_source=None,
            pk__in={p["document_id"] for p in postings},
        ).update(budget_source=source)
        record_model.objects.create(
            occurred_at=now,
            action="indicators.sources_baseline",
            object_type="indicators.indicatorsource",
            object_id=str(source.pk),
            object_repr=f"{source.code} {source.name}",
            extra={
                "reason": "money issued before sources existed (R-IN-7, ADR 0027)",
                SOURCE_DRAWS_AUDIT_KEY: [
                    [
                        draw.pk,
                        source_draw_digest(
                            {name: getattr(draw, name) for name in SOURCE_DRAW_HASHED_FIELDS}
                        ).hex(),
                    ]
                    for draw in made
                ],
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0011_indicator_sources"),
        ("audit", "0003_append_only_triggers"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: create_triggers(schema_editor, TABLES),
            lambda apps, schema_editor: drop_triggers(schema_editor, TABLES),
            elidable=False,
        ),
        migrations.RunPython(open_legacy_sources, migrations.RunPython.noop, elidable=False),
    ]
