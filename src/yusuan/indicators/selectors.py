"""Reading indicators: scoped lists, a line's movements with a running balance, reconciliation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import F, Q, QuerySet, Sum, Window

from yusuan.audit.chain import Coverage, sealed_up_to
from yusuan.audit.models import AuditRecord
from yusuan.common.actor import Actor
from yusuan.common.documents import DocumentRef
from yusuan.common.documents import resolve as resolve_documents
from yusuan.common.errors import NotFoundError
from yusuan.common.money import Money
from yusuan.core.models import ClassificationCode
from yusuan.indicators.choices import LineKind
from yusuan.indicators.elements import LEDGER_CODES, LEDGER_FLAGS
from yusuan.indicators.models import (
    BUCKETS,
    MOVEMENT_HASHED_FIELDS,
    MOVEMENTS_AUDIT_KEY,
    SOURCE_DRAW_HASHED_FIELDS,
    SOURCE_DRAWS_AUDIT_KEY,
    BudgetAdjustment,
    IndicatorDocument,
    IndicatorLine,
    IndicatorSource,
    Movement,
    SourceDraw,
    SupplementRequest,
    movement_digest,
    source_draw_digest,
)

COLUMNS = ("total", *BUCKETS)


@dataclass(frozen=True)
class Difference:
    """One reconciliation finding: what, where, expected and found."""

    line_code: str
    check: str
    expected: int
    found: int

    def __str__(self) -> str:
        return f"{self.line_code}: {self.check} expected {self.expected} found {self.found}"


def reconcile(
    *, mof_div_code: str | None = None, fiscal_year: int | None = None
) -> list[Difference]:
    """Buckets = Σ movements per line; Σ children allocated = parent's allocated (R-IN-2);
    every posting balances. Empty list when the ledger is consistent."""
    lines = IndicatorLine.objects.all()
    if mof_div_code:
        lines = lines.filter(mof_div_code=mof_div_code)
    if fiscal_year:
        lines = lines.filter(fiscal_year=fiscal_year)
    sums = {
        row["line_id"]: row
        for row in Movement.objects.filter(line__in=lines)
        .values("line_id")
        .annotate(**{c: Sum(f"d_{c}") for c in COLUMNS})
    }
    differences: list[Difference] = []
    for line in lines.values("id", "code", "kind", *COLUMNS):
        moved: dict[str, Any] = dict(sums.get(line["id"], {}))
        for column in COLUMNS:
            if int(moved.get(column) or 0) != line[column]:
                differences.append(
                    Difference(
                        line["code"],
                        f"{column} = Σ movements",
                        int(moved.get(column) or 0),
                        line[column],
                    )
                )
    # R-IN-2: what a pending line says it passed down is what its children received, net of
    # reclaims back to it.
    net_children = dict(
        Movement.objects.filter(line__in=lines, kind__in=["ALLOCATE_OUT", "RECLAIM_IN"])
        .values("line_id")
        .annotate(n=Sum("d_allocated"))
        .values_list("line_id", "n")
    )
    received = dict(
        Movement.objects.filter(line__parent__in=lines.filter(kind=LineKind.PENDING))
        .filter(Q(kind="ALLOCATE_IN") | Q(kind="RECLAIM", d_outside=0))
        .values("line__parent_id")
        .annotate(n=Sum("d_total"))
        .values_list("line__parent_id", "n")
    )
    for line in lines.filter(kind=LineKind.PENDING).values("id", "code", "total", "allocated"):
        given = int(received.get(line["id"]) or 0)
        if given != line["allocated"] or int(net_children.get(line["id"]) or 0) != given:
            differences.append(
                Difference(
                    line["code"], "allocated = Σ children (R-IN-2)", given, line["allocated"]
                )
            )
        if line["allocated"] > line["total"]:
            differences.append(
                Difference(
                    line["code"], "allocated ≤ total (R-IN-2)", line["total"], line["allocated"]
                )
            )
    unbalanced = (
        Movement.objects.filter(line__in=lines)
        .values("posting")
        .annotate(n=Sum(F("d_total") - F("d_allocated") + F("d_outside")))
        .exclude(n=0)
    )
    for row in unbalanced:
        differences.append(Difference(str(row["posting"]), "posting balances", 0, int(row["n"])))
    return differences + source_reconcile(mof_div_code=mof_div_code, fiscal_year=fiscal_year)


def source_reconcile(
    *, mof_div_code: str | None = None, fiscal_year: int | None = None
) -> list[Difference]:
    """R-IN-7 (ADR 0027): per source, amount = Σ opened, drawn = Σ draws ≤ amount, decreased =
    Σ authorised decreases used ≤ authorised (R-AJ-7); per posting, the money that crossed the
    indicator system's edge (``d_outside``) is what its source draws took or gave back — so Σ
    indicators issued per source = drawn (``source_draw_proof`` checks the rows against the
    audit records)."""
    sources = IndicatorSource.objects.all()
    movements = Movement.objects.exclude(d_outside=0)
    if mof_div_code:
        sources = sources.filter(mof_div_code=mof_div_code)
        movements = movements.filter(line__mof_div_code=mof_div_code)
    if fiscal_year:
        sources = sources.filter(fiscal_year=fiscal_year)
        movements = movements.filter(line__fiscal_year=fiscal_year)
    draws = SourceDraw.objects.filter(source__in=sources)
    sums: dict[int, dict[str, int]] = {
        int(row["source_id"]): {
            "amount": int(row["a"] or 0),
            "drawn": int(row["d"] or 0),
            "decreased": int(row["c"] or 0),
        }
        for row in draws.values("source_id").annotate(
            a=Sum("d_amount"), d=Sum("d_drawn"), c=Sum("d_decreased")
        )
    }
    differences: list[Difference] = []
    for source in sources.values("id", "code", "amount", "drawn", "decreased", "decrease_amount"):
        found = sums.get(source["id"], {})
        code = source["code"]
        now = {
            "amount": source["amount"],
            "drawn": source["drawn"],
            "decreased": source["decreased"],
        }
        for column, value in now.items():
            if found.get(column, 0) != value:
                differences.append(
                    Difference(
                        code, f"{column} = Σ source draws (R-IN-7)", found.get(column, 0), value
                    )
                )
        if source["drawn"] > source["amount"]:
            differences.append(
                Difference(code, "drawn ≤ amount (R-IN-7)", source["amount"], source["drawn"])
            )
        if source["decreased"] > source["decrease_amount"]:
            differences.append(
                Difference(
                    code,
                    "decreased ≤ authorised (R-AJ-7)",
                    source["decrease_amount"],
                    source["decreased"],
                )
            )
    outside = {
        row["posting"]: -int(row["n"])
        for row in movements.values("posting").annotate(n=Sum("d_outside"))
    }
    taken: dict[Any, int] = {}
    for row in (
        draws.exclude(posting=None)
        .values("posting")
        .annotate(n=Sum(F("d_drawn") - F("d_decreased")))
    ):
        taken[row["posting"]] = int(row["n"])
    for posting in sorted(set(outside) | set(taken), key=str):
        if outside.get(posting, 0) != taken.get(posting, 0):
            differences.append(
                Difference(
                    str(posting),
                    "money into indicators = drawn from sources (R-IN-7)",
                    outside.get(posting, 0),
                    taken.get(posting, 0),
                )
            )
    return differences


def source_draw_proof(
    *, mof_div_code: str | None = None, fiscal_year: int | None = None
) -> list[Difference]:
    """Every source draw (of the region and year, if given) is listed, with its content digest,
    by the audit record of the action that made it (R-IN-7, as ADR 0017 for movements): an
    edited or forged draw is named. Run by ``yusuan reconcile`` with the movements' proof."""
    draws = SourceDraw.objects.all()
    if mof_div_code:
        draws = draws.filter(source__mof_div_code=mof_div_code)
    if fiscal_year:
        draws = draws.filter(source__fiscal_year=fiscal_year)
    state: dict[int, bytes] = {
        values["id"]: source_draw_digest(values)
        for values in draws.order_by("id").values(*SOURCE_DRAW_HASHED_FIELDS).iterator(2000)
    }
    differences: list[Difference] = []
    listed: set[int] = set()
    records = AuditRecord.objects.filter(extra__has_key=SOURCE_DRAWS_AUDIT_KEY).values_list(
        "id", "extra"
    )
    for record_id, extra in records.iterator(chunk_size=500):
        for draw_id, digest in extra.get(SOURCE_DRAWS_AUDIT_KEY, ()):
            found = state.get(draw_id)
            if found is None:
                continue
            listed.add(draw_id)
            if found.hex() != digest:
                differences.append(
                    Difference(
                        f"source draw {draw_id}", f"content = audit record {record_id}", 0, 1
                    )
                )
    for draw_id in state.keys() - listed:
        differences.append(Difference(f"source draw {draw_id}", "listed by an audit record", 1, 0))
    return differences


# --- Provability of movements (ADR 0017) -------------------------------------------------------

UNACCOUNTED = "unaccounted"
ALTERED = "altered"
MISSING = "missing"
CLAIMED_TWICE = "claimed twice"


@dataclass(frozen=True)
class MovementFinding:
    """A movement that no audit record accounts for, or not as it is now."""

    movement_id: int
    problem: str
    record_id: int | None = None
    other_record_id: int | None = None
    what: str = ""  # line code, movement kind and amount, when the movement is there

    def __str__(self) -> str:
        m, r, what = self.movement_id, self.record_id, f" ({self.what})" if self.what else ""
        if self.problem == UNACCOUNTED:
            return (
                f"movement {m}{what}: no audited business action accounts for it (no audit record "
                f"lists it: forged, or written outside the services) / 指标账流水 {m}{what}"
                "无任何审计记录对应（无业务操作留痕：伪造或绕过业务服务写入）"
            )
        if self.problem == ALTERED:
            return (
                f"movement {m}{what}: content differs from audit record {r} (edited after it was "
                f"written) / 指标账流水 {m}{what}与审计记录 {r} 所记内容不符（写入后被修改）"
            )
        if self.problem == MISSING:
            return (
                f"movement {m}: listed by audit record {r} but missing (deleted) / "
                f"审计记录 {r} 所列指标账流水 {m} 不存在（已被删除）"
            )
        return (
            f"movement {m}{what}: listed by audit records {self.other_record_id} and {r} / "
            f"指标账流水 {m}{what}被审计记录 {self.other_record_id} 与 {r} 重复列出"
        )


@dataclass(frozen=True)
class MovementProof:
    """Movements checked; accounted for by sealed records, by records not yet sealed; findings."""

    checked: int
    sealed: int
    unsealed: int
    findings: list[MovementFinding]


def movement_proof(
    *, mof_div_code: str | None = None, fiscal_year: int | None = None
) -> MovementProof:
    """Every movement (of the region and year, if given) must be listed, with its content
    digest, by the audit record of the business action that made it (ADR 0017).

    Movements are read before the records: a movement seen has committed, and with it the
    record of its transaction. Memory: one digest per movement in scope (about 200 bytes).
    Records after the last seal are counted as not yet sealed (the next ``audit_seal`` covers
    them; until then only the append-only trigger protects them, ADR 0005)."""
    movements = Movement.objects.all()
    if mof_div_code:
        movements = movements.filter(line__mof_div_code=mof_div_code)
    if fiscal_year:
        movements = movements.filter(line__fiscal_year=fiscal_year)
    scoped = bool(mof_div_code or fiscal_year)
    last_sealed = sealed_up_to()
    # Per movement: its digest while unclaimed, then the id of the record that claimed it.
    state: dict[int, bytes | int] = {
        values["id"]: movement_digest(values)
        for values in movements.order_by("id")
        .values(*MOVEMENT_HASHED_FIELDS)
        .iterator(chunk_size=2000)
    }
    checked = len(state)
    findings: list[MovementFinding] = []
    claims_elsewhere: dict[int, tuple[int, str]] = {}
    sealed = unsealed = 0
    records = (
        AuditRecord.objects.filter(extra__has_key=MOVEMENTS_AUDIT_KEY)
        .order_by("id")
        .values_list("id", "extra")
    )
    for record_id, extra in records.iterator(chunk_size=500):
        for movement_id, digest in extra.get(MOVEMENTS_AUDIT_KEY, ()):
            found = state.get(movement_id)
            if found is None:
                if not scoped:
                    claims_elsewhere[movement_id] = (record_id, digest)
                continue
            state[movement_id] = record_id
            if isinstance(found, int):
                findings.append(MovementFinding(movement_id, CLAIMED_TWICE, record_id, found))
                continue
            if found.hex() != digest:
                findings.append(MovementFinding(movement_id, ALTERED, record_id))
            elif last_sealed is not None and record_id <= last_sealed:
                sealed += 1
            else:
                unsealed += 1
    findings += [
        MovementFinding(movement_id, UNACCOUNTED)
        for movement_id, value in state.items()
        if isinstance(value, bytes)
    ]
    if claims_elsewhere:
        # Listed but not read: deleted, or committed after the movements were read.
        listed = list(claims_elsewhere)
        late = {
            values["id"]: movement_digest(values)
            for start in range(0, len(listed), 1000)
            for values in Movement.objects.filter(id__in=listed[start : start + 1000]).values(
                *MOVEMENT_HASHED_FIELDS
            )
        }
        for movement_id, (record_id, digest) in claims_elsewhere.items():
            if movement_id not in late:
                findings.append(MovementFinding(movement_id, MISSING, record_id))
            elif late[movement_id].hex() != digest:
                findings.append(MovementFinding(movement_id, ALTERED, record_id))
            else:
                checked, unsealed = checked + 1, unsealed + 1
    findings.sort(key=lambda f: (f.movement_id, f.problem))
    return MovementProof(checked, sealed, unsealed, _described(findings))


def _described(findings: list[MovementFinding]) -> list[MovementFinding]:
    """Name each found movement's line, kind and amount (the ones still there)."""
    ids = [f.movement_id for f in findings if f.problem != MISSING]
    movements = Movement.objects.select_related("line").in_bulk(ids) if ids else {}
    return [
        replace(f, what=f"{m.line.code} {m.kind} {Money(m.amount).format()}")
        if (m := movements.get(f.movement_id)) is not None
        else f
        for f in findings
    ]


def movement_coverage() -> Coverage:
    """The proof as ``yusuan audit_verify`` reports it (registered in ``IndicatorsConfig``)."""
    proof = movement_proof()
    return Coverage(
        label="indicator movements / 指标账流水",
        checked=proof.checked,
        sealed=proof.sealed,
        unsealed=proof.unsealed,
        failures=tuple(str(f) for f in proof.findings),
    )


# The ledger's text filters (pages and API): parameter → lookup on the line.
LINE_FILTER_LOOKUPS = {
    "organisation": "organisation__code",
    "project": "project__code",
    **{e.name: f"{e.name}__startswith" if e.hierarchical else e.name for e in LEDGER_CODES},
    "doc_no": "doc_no__icontains",
}
LINE_FLAGS = tuple(e.name for e in LEDGER_FLAGS)


def name_filter(name: str, value: str) -> Q | None:
    """A ledger filter typed as a name: a unit or project by its code or part of its name, a
    class by its code prefix or part of its name (the year's code set). ``None``: the code alone."""
    if name == "organisation":
        return Q(organisation__code=value) | Q(organisation__name__contains=value)
    if name == "project":
        return Q(project__code=value) | Q(project__name__contains=value)
    element = next((e for e in LEDGER_CODES if e.name == name), None)
    if element is None or value.isdigit() or not element.code_kind:
        return None
    codes = ClassificationCode.objects.filter(
        kind=element.code_kind, name__contains=value
    ).values_list("code", flat=True)
    return Q(**{f"{element.attribute}__in": codes})


def line_list(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[IndicatorLine]:
    queryset = IndicatorLine.objects.visible_to(actor).select_related("organisation", "project")
    for key, value in (filters or {}).items():
        if isinstance(value, Q):
            queryset = queryset.filter(value)
        elif value not in (None, ""):
            queryset = queryset.filter(**{key: value})
    return queryset.order_by("code")


def line_get(*, actor: Actor, line_id: int) -> IndicatorLine:
    line = (
        IndicatorLine.objects.visible_to(actor)
        .select_related("organisation", "project", "parent", "origin_document", "manage_division")
        .filter(pk=line_id)
        .first()
    )
    if line is None:
        raise NotFoundError("indicator line")
    return line


def line_movements(*, actor: Actor, line_id: int) -> QuerySet[Movement]:
    """Movements oldest first, each with the running total and available after it."""
    line = line_get(actor=actor, line_id=line_id)
    order = [F("id").asc()]
    return (
        Movement.objects.filter(line=line)
        .select_related("document", "actor")
        .annotate(
            total_after=Window(Sum("d_total"), order_by=order),
            available_after=Window(Sum("d_available"), order_by=order),
        )
        .order_by("id")
    )


def document_list(
    *, actor: Actor, kind: str = "", state: str = "", text: str = "", organisation: str = ""
) -> QuerySet[IndicatorDocument]:
    """The documents ``actor`` may see; ``text`` finds a document by its number, 文号 or part of
    its title, ``organisation`` by the entering unit's code or part of its name."""
    queryset = IndicatorDocument.objects.visible_to(actor).select_related(
        "organisation", "created_by", "posted_by", "budget_source"
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    if state:
        queryset = queryset.filter(state=state)
    if text:
        queryset = queryset.filter(
            Q(number__icontains=text) | Q(doc_no__icontains=text) | Q(title__contains=text)
        )
    if organisation:
        queryset = queryset.filter(
            Q(organisation__code=organisation) | Q(organisation__name__contains=organisation)
        )
    return queryset


def document_get(*, actor: Actor, document_id: int) -> IndicatorDocument:
    document = (
        IndicatorDocument.objects.visible_to(actor)
        .select_related("organisation", "created_by", "posted_by")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise NotFoundError("indicator document")
    return document


def line_by_code(*, actor: Actor, code: str) -> IndicatorLine | None:
    return (
        IndicatorLine.objects.visible_to(actor)
        .select_related("organisation", "project")
        .filter(code=code)
        .first()
    )


def with_code_names(lines: Iterable[IndicatorLine]) -> list[IndicatorLine]:
    """Set ``exp_func_name`` and ``dep_bgt_eco_name`` on each line from its year's code set
    (one query per region, year and code kind: a page of the ledger, not a query per row)."""
    from yusuan.core.choices import CodeKind
    from yusuan.core.validation import code_names

    lines = list(lines)
    groups: dict[tuple[str, int], list[IndicatorLine]] = {}
    for line in lines:
        groups.setdefault((line.mof_div_code, line.fiscal_year), []).append(line)
    for (region, year), members in groups.items():
        functional = code_names(
            mof_div_code=region,
            fiscal_year=year,
            kind=CodeKind.FUNCTIONAL,
            codes=[x.exp_func_code for x in members],
        )
        economic = code_names(
            mof_div_code=region,
            fiscal_year=year,
            kind=CodeKind.DEPARTMENT_ECONOMIC,
            codes=[x.dep_bgt_eco_code for x in members],
        )
        for line in members:
            line.exp_func_name = functional.get(line.exp_func_code, "")  # type: ignore[attr-defined]
            line.dep_bgt_eco_name = economic.get(line.dep_bgt_eco_code, "")  # type: ignore[attr-defined]
    return lines


PICKER_LIMIT = 30


def line_search(
    *, actor: Actor, fiscal_year: int | None, kind: str, text: str, limit: int = PICKER_LIMIT
) -> list[IndicatorLine]:
    """Lines a picker offers for what the clerk typed: part of the code, the summary, the unit or
    project name, or the leading digits of the economic class; best first (code prefix)."""
    queryset = IndicatorLine.objects.visible_to(actor)
    if fiscal_year:
        queryset = queryset.filter(fiscal_year=fiscal_year)
    if kind == "allocate":
        queryset = queryset.filter(kind=LineKind.PENDING)
    elif kind in ("adjust", "pay"):
        queryset = queryset.filter(kind=LineKind.EXECUTABLE)
    text = text.strip()
    if text:
        queryset = queryset.filter(
            Q(code__icontains=text)
            | Q(summary__icontains=text)
            | Q(organisation__name__icontains=text)
            | Q(project__name__icontains=text)
            | Q(dep_bgt_eco_code__startswith=text)
        )
    return list(queryset.select_related("organisation").order_by("code")[:limit])


def unit_options(*, actor: Actor) -> list[tuple[str, str]]:
    from yusuan.core.models import Organisation

    scope = actor.scope
    return list(
        Organisation.objects.filter(mof_div_code__in=scope.mof_div_codes)
        .exclude(kind__in=["bank", "audit_office"])
        .order_by("code")
        .values_list("code", "name")
    )


def project_options(*, actor: Actor, fiscal_year: int) -> list[tuple[str, str, str]]:
    from yusuan.projects.models import Project

    scope = actor.scope
    queryset = Project.objects.filter(mof_div_code__in=scope.mof_div_codes)
    if scope.organisation_ids is not None:
        queryset = queryset.filter(organisation_id__in=scope.organisation_ids)
    return list(queryset.order_by("code").values_list("code", "name", "organisation__name")[:3000])


@dataclass(frozen=True)
class AdjustmentFacts:
    fund_type: str
    project_category: str
    flags: frozenset[str]


def adjustment_facts(*, actor: Actor, lines: Any) -> AdjustmentFacts:
    """What routing tests (R-AJ-2, R-AJ-3) for adjustment rows not yet saved."""
    ids = {x.source_id for x in lines if x.source_id} | {x.target_id for x in lines if x.target_id}
    found = {
        line.pk: line
        for line in IndicatorLine.objects.visible_to(actor)
        .filter(pk__in=ids)
        .select_related("project")
    }
    flags: set[str] = set()
    fund_type = category = ""
    for item in lines:
        target = found.get(item.target_id) if item.target_id else None
        if (target is not None and target.thr_exp_code) or (
            item.spec is not None and item.spec.thr_exp_code
        ):
            flags.add("three_public_increase")
        source = found.get(item.source_id) if item.source_id else None
        if source is not None:
            fund_type = fund_type or source.fund_type_code
            if source.project is not None:
                category = category or source.project.category
                if source.project.is_research:
                    flags.add("research")
    return AdjustmentFacts(fund_type, category, frozenset(flags))


@dataclass(frozen=True)
class Trace:
    """P4: where a line came from and what changed it; up to its source (R-IN-7): the source its
    money was issued from, and the sources each 下达/追加 of the line drew from."""

    origin: IndicatorDocument
    parent: IndicatorLine | None
    documents: list[IndicatorDocument]
    sources: list[dict[str, str]]  # as recorded (the API's trace)
    budget_source: IndicatorSource | None = None
    budget_sources: list[IndicatorSource] = field(default_factory=list)
    # The page's: each document once by name and number, linked where the reader may open it;
    # and (source_type, source_id) → the document, for the movements' rows.
    source_documents: list[DocumentRef] = field(default_factory=list)
    source_refs: dict[tuple[str, str], DocumentRef] = field(default_factory=dict)
    # The indicator documents and the parent line the reader may open (the others are named,
    # not linked: a unit's clerk cannot open the bureau's 下达 of every unit's lines).
    openable: frozenset[int] = frozenset()
    parent_openable: bool = False


def line_trace(*, actor: Actor, line: IndicatorLine) -> Trace:
    document_ids = (
        Movement.objects.filter(line=line, document__isnull=False)
        .values_list("document_id", flat=True)
        .distinct()
    )
    origin_documents = list(
        IndicatorDocument.objects.filter(pk__in=document_ids).order_by("created_at", "pk")
    )
    sources: list[dict[str, str]] = [
        {key: str(value) for key, value in row.items()}
        for row in Movement.objects.filter(line=line, document__isnull=True)
        .exclude(source_type="")
        .values("source_type", "source_id", "source_no")
        .distinct()
    ]
    # Each document once: a request's freeze, its payment and its lines' bank results are one.
    refs = resolve_documents(
        actor, ((s["source_type"], s["source_id"], s["source_no"]) for s in sources)
    )
    named = sorted({ref.key: ref for ref in refs.values()}.values(), key=lambda r: r.number)
    drawn_from = {d.budget_source_id for d in origin_documents if d.budget_source_id} | (
        {line.budget_source_id} if line.budget_source_id else set()
    )
    budget_sources = list(
        IndicatorSource.objects.visible_to(actor)
        .filter(pk__in=drawn_from)
        .select_related("adjustment")
        .order_by("code")
    )
    budget_source = next((s for s in budget_sources if s.pk == line.budget_source_id), None)
    named_ids = {d.pk for d in origin_documents} | {line.origin_document_id}
    openable = frozenset(
        IndicatorDocument.objects.visible_to(actor)
        .filter(pk__in=named_ids)
        .values_list("pk", flat=True)
    )
    parent_openable = (
        line.parent_id is not None
        and IndicatorLine.objects.visible_to(actor).filter(pk=line.parent_id).exists()
    )
    return Trace(
        line.origin_document,
        line.parent,
        origin_documents,
        sources,
        budget_source,
        budget_sources,
        named,
        refs,
        openable,
        parent_openable,
    )


def supplement_list(
    *, actor: Actor, state: str = "", text: str = ""
) -> QuerySet[SupplementRequest]:
    """追加申请 in the actor's scope (R-AJ-7), newest first."""
    queryset = SupplementRequest.objects.visible_to(actor).select_related(
        "organisation", "line", "project", "answer"
    )
    if state:
        queryset = queryset.filter(state=state)
    if text:
        queryset = queryset.filter(
            Q(number__icontains=text)
            | Q(title__icontains=text)
            | Q(organisation__name__icontains=text)
        )
    return queryset.order_by("-created_at", "-id")


def supplement_get(*, actor: Actor, request_id: int) -> SupplementRequest:
    """One request in scope; another unit's is a 404 like a missing one."""
    request = supplement_list(actor=actor).filter(pk=request_id).first()
    if request is None:
        raise NotFoundError("supplement request")
    return request


# --- Sources (R-IN-7) and 预算调整 records (R-AJ-7) ------------------------------------------


def sources_list(*, actor: Actor, fiscal_year: int | None = None) -> QuerySet[IndicatorSource]:
    queryset = IndicatorSource.objects.visible_to(actor).select_related("holder", "adjustment")
    if fiscal_year:
        queryset = queryset.filter(fiscal_year=fiscal_year)
    return queryset.order_by("fiscal_year", "code")


def source_get(*, actor: Actor, pk: int) -> IndicatorSource:
    source = sources_list(actor=actor).filter(pk=pk).first()
    if source is None:
        raise NotFoundError("indicator source")
    return source


def source_draws(*, source: IndicatorSource) -> QuerySet[SourceDraw]:
    return source.draws.select_related("document").order_by("id")


def adjustments_list(*, actor: Actor, fiscal_year: int | None = None) -> QuerySet[BudgetAdjustment]:
    queryset = BudgetAdjustment.objects.visible_to(actor).prefetch_related("rows")
    if fiscal_year:
        queryset = queryset.filter(fiscal_year=fiscal_year)
    return queryset.order_by("-fiscal_year", "number")


def adjustment_get(*, actor: Actor, pk: int) -> BudgetAdjustment:
    record = adjustments_list(actor=actor).filter(pk=pk).first()
    if record is None:
        raise NotFoundError("budget adjustment")
    return record
