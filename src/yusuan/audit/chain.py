"""Sealing and verifying the audit trail (ADR 0005).

Writers never touch a shared row: each record is hashed only when a seal is made. A seal covers a
contiguous run of record ids that are older than the seal lag, stores every record's digest and
chains to the previous seal: ``digest = sha256(previous_digest || record_digest_1 || ...)``. Any
edit, deletion or back-dated insertion inside a sealed range, or an edit of a seal, is detected by
:func:`verify`, offline and with nothing but the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yusuan.audit import locks
from yusuan.audit.models import AuditRecord, AuditSeal

GENESIS_DIGEST = "0" * 64
DIGEST_BYTES = 32
HASHED_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "organisation_id",
    "organisation_code",
    "role_codes",
    "ip_address",
    "session_hash",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "subject_organisation_id",
    "mof_div_code",
    "fiscal_year",
    "changes",
    "extra",
)


def _canonical_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def content_digest(values: Mapping[str, Any], fields: Sequence[str]) -> bytes:
    """SHA-256 of a row's canonical JSON (sorted keys, UTC microsecond timestamps, UUIDs as
    text): the audit records here, the ledger's movements in the records that account for them."""
    canonical = {name: _canonical_value(values[name]) for name in fields}
    payload = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).digest()


def record_digest(values: dict[str, Any]) -> bytes:
    """SHA-256 of a record's canonical JSON."""
    return content_digest(values, HASHED_FIELDS)


def chain_digest(previous_digest: str, digests: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(previous_digest) + digests).hexdigest()


def _records(first_id: int, last_id: int | None = None) -> Iterator[dict[str, Any]]:
    queryset = AuditRecord.objects.filter(id__gte=first_id).order_by("id")
    if last_id is not None:
        queryset = queryset.filter(id__lte=last_id)
    yield from queryset.values(*HASHED_FIELDS).iterator(chunk_size=2000)


@dataclass(frozen=True)
class SealResult:
    seals_made: int
    records_sealed: int
    records_left: int


def seal(*, lag_seconds: int, batch_size: int = 1000) -> SealResult:
    """Seal every record older than ``lag_seconds`` that no seal covers yet.

    The lag must exceed the longest transaction: a record whose id was drawn earlier but committed
    later would otherwise land inside a sealed range and be reported as an insertion.
    """
    made = 0
    sealed = 0
    with transaction.atomic(durable=True):
        # One sealer at a time; writers of audit records are never blocked by this lock.
        last = locks.last_seal_select_for_update()
        previous = last.digest if last else GENESIS_DIGEST
        next_id = (last.last_record_id + 1) if last else 0
        cutoff = timezone.now() - dt.timedelta(seconds=lag_seconds)
        batch: list[bytes] = []
        # Ranges are contiguous (each starts right after the previous one), so every id up to the
        # last seal belongs to exactly one seal and verify() notices a record slipped into a gap.
        first_id = next_id
        last_id = 0
        for values in _records(next_id):
            if values["occurred_at"] > cutoff:
                break
            batch.append(record_digest(values))
            last_id = values["id"]
            if len(batch) >= batch_size:
                previous = _write_seal(first_id, last_id, batch, previous)
                made += 1
                sealed += len(batch)
                batch, first_id = [], last_id + 1
        if batch:
            previous = _write_seal(first_id, last_id, batch, previous)
            made += 1
            sealed += len(batch)
    sealed_up_to = last_id if sealed else next_id - 1
    left = AuditRecord.objects.filter(id__gt=sealed_up_to).count()
    return SealResult(seals_made=made, records_sealed=sealed, records_left=left)


def _write_seal(first_id: int, last_id: int, digests: list[bytes], previous: str) -> str:
    joined = b"".join(digests)
    digest = chain_digest(previous, joined)
    AuditSeal(
        first_record_id=first_id,
        last_record_id=last_id,
        record_count=len(digests),
        record_digests=joined,
        previous_digest=previous,
        digest=digest,
        sealed_at=timezone.now(),
    ).save(force_insert=True)
    return digest


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    seals_checked: int
    records_checked: int
    records_unsealed: int
    failure: str = ""
    failed_record_id: int | None = None
    failed_seal_id: int | None = None
    latest_seal_id: int | None = None
    latest_digest: str = GENESIS_DIGEST


def verify(*, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute every seal; report the first record or seal that does not match.

    ``anchor`` is a (seal id, digest) pair kept outside the database (printed by an earlier run):
    a consistent rewrite of records *and* seals passes the chain but not the anchor.
    """
    previous = GENESIS_DIGEST
    latest_id: int | None = None
    expected_first = 0
    seals = 0
    records = 0
    for seal_row in AuditSeal.objects.order_by("first_record_id").iterator():
        seals += 1
        digests = bytes(seal_row.record_digests)
        if seal_row.previous_digest != previous:
            return _fail(
                seals,
                records,
                f"seal {seal_row.pk}: chain broken (previous digest)",
                seal=seal_row.pk,
            )
        if chain_digest(previous, digests) != seal_row.digest:
            return _fail(
                seals, records, f"seal {seal_row.pk}: digest does not match", seal=seal_row.pk
            )
        if len(digests) != DIGEST_BYTES * seal_row.record_count:
            return _fail(
                seals, records, f"seal {seal_row.pk}: record count altered", seal=seal_row.pk
            )
        if seal_row.first_record_id < expected_first:
            return _fail(
                seals, records, f"seal {seal_row.pk}: overlaps the previous seal", seal=seal_row.pk
            )
        stray = (
            AuditRecord.objects.filter(id__gte=expected_first, id__lt=seal_row.first_record_id)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        if stray is not None:
            return _fail(
                seals,
                records,
                f"record {stray}: covered by no seal, below seal {seal_row.pk} "
                "(inserted into sealed history)",
                record=stray,
                seal=seal_row.pk,
            )
        sealed = [digests[i : i + DIGEST_BYTES] for i in range(0, len(digests), DIGEST_BYTES)]
        sealed_set = set(sealed)
        found: set[bytes] = set()
        for values in _records(seal_row.first_record_id, seal_row.last_record_id):
            records += 1
            actual = record_digest(values)
            if actual not in sealed_set:
                return _fail(
                    seals,
                    records,
                    f"record {values['id']}: content differs from seal {seal_row.pk} "
                    "(edited, or inserted into a sealed range)",
                    record=values["id"],
                    seal=seal_row.pk,
                )
            found.add(actual)
        if len(found) != seal_row.record_count:
            missing = seal_row.record_count - len(found)
            return _fail(
                seals,
                records,
                f"seal {seal_row.pk}: {missing} record(s) deleted between "
                f"#{seal_row.first_record_id} and #{seal_row.last_record_id}",
                seal=seal_row.pk,
            )
        if anchor is not None and seal_row.pk == anchor[0] and seal_row.digest != anchor[1]:
            return _fail(
                seals,
                records,
                f"seal {seal_row.pk}: digest differs from the kept anchor {anchor[1][:16]}…",
                seal=seal_row.pk,
            )
        previous = seal_row.digest
        latest_id = seal_row.pk
        expected_first = seal_row.last_record_id + 1
    if anchor is not None and not AuditSeal.objects.filter(pk=anchor[0]).exists():
        return _fail(seals, records, f"seal {anchor[0]}: the kept anchor's seal is missing")
    unsealed = AuditRecord.objects.filter(id__gte=expected_first).count()
    return VerifyResult(
        True, seals, records, unsealed, latest_seal_id=latest_id, latest_digest=previous
    )


def _fail(
    seals: int, records: int, message: str, *, record: int | None = None, seal: int | None = None
) -> VerifyResult:
    return VerifyResult(False, seals, records, 0, message, record, seal)


# --- Rows of other apps that audit records account for (ADR 0017) ------------------------------


@dataclass(frozen=True)
class Coverage:
    """What one registered check found: rows accounted for by sealed records, by records not
    yet sealed, and each failure (bilingual, naming the row)."""

    label: str
    checked: int
    sealed: int
    unsealed: int
    failures: tuple[str, ...] = ()


CoverageCheck = Callable[[], Coverage]
_COVERAGE: dict[str, CoverageCheck] = {}


def register_coverage(name: str, check: CoverageCheck) -> None:
    """Called by an app's ``ready()``: the audit layer cannot import the apps above it."""
    _COVERAGE[name] = check


def sealed_up_to() -> int | None:
    """The id of the last sealed record, ``None`` before the first seal (seal ranges are
    contiguous from the first record: every id up to it is sealed)."""
    last: int | None = AuditSeal.objects.aggregate(last=Max("last_record_id"))["last"]
    return last


def verify_coverage() -> list[Coverage]:
    """Run every registered check: rows the audit records must account for (the indicator
    ledger's movements), each recomputed against the digest its record holds."""
    return [check() for check in _COVERAGE.values()]
