"""The audit log on the data grid (issue 16 item 3; ADR 0034): sorted and paged in the database,
filtered as before, its columns kept per person, the export equal to what is shown (sentences,
not action codes), and the scope unchanged: an auditor of one sector sees none of another's."""

from __future__ import annotations

import io
import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest
from openpyxl import load_workbook

from yusuan.audit.models import AuditRecord

pytestmark = pytest.mark.django_db

AUDIT = "/audit/"
CODE = re.compile(r"\b(?:payments|indicators|workflow|core|identity|security)\.[a-z_.]+\b")


def _table(html: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The grid's header labels and its body rows: (the record's id, each cell's visible text)."""
    table = html.split('data-testid="audit-rows"', 1)[1].split("</table>", 1)[0]
    head = [
        re.sub(r"<[^>]+>|[▲▼]", "", h).strip()
        for h in re.findall(r"<th[^>]*>(.*?)</th>", table.split("</thead>", 1)[0], re.S)
    ]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for key, row in re.findall(r'<tr data-key="(\d+)"[^>]*>(.*?)</tr>', body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append((key, [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]))
    return head, rows


def _export(client: Any, query: str) -> list[list[str]]:
    answer = client.get(f"{AUDIT}?{query}&export=xlsx")
    assert answer.status_code == 200, answer.content[:300]
    sheet = load_workbook(io.BytesIO(answer.content)).active
    return [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]


def _words(text: str) -> str:
    return "".join(text.split())


def _region() -> Any:
    """What the demo region's auditor sees: its region, and the installation's events (one
    region: the installation is theirs, ADR 0016)."""
    return AuditRecord.objects.filter(mof_div_code__in=("320509", ""))


def _local(record: AuditRecord) -> str:
    return timezone.localtime(record.occurred_at).strftime("%Y-%m-%d %H:%M:%S")


def test_the_audit_grid_sorts_by_time_and_pages(client_as: Any) -> None:
    auditor = client_as("wj_auditor")
    head, rows = _table(auditor.get(f"{AUDIT}?kind=change&size=20&sort=time").content.decode())
    assert len(rows) == 20 and head[0] == "时间"
    times = [cells[0] for _key, cells in rows]
    assert times == sorted(times)
    oldest = (
        _region().exclude(action__startswith="security.").exclude(action__startswith="identity.")
    )
    first = oldest.order_by("occurred_at", "-id").first()
    assert first is not None and rows[0][0] == str(first.pk) and times[0] == _local(first)
    # Page 2 goes on where page 1 stopped (no row twice, none skipped).
    _head, second = _table(
        auditor.get(f"{AUDIT}?kind=change&size=20&sort=time&page=2").content.decode()
    )
    expected = [
        str(pk) for pk in oldest.order_by("occurred_at", "-id").values_list("pk", flat=True)
    ]
    assert [k for k, _c in rows + second] == expected[:40]
    # Newest first by default; a page past the last is refused by name, not shown empty.
    _head, newest = _table(auditor.get(f"{AUDIT}?size=50").content.decode())
    assert newest[0][0] == str(_region().order_by("-id").first().pk)  # type: ignore[union-attr]
    assert auditor.get(f"{AUDIT}?size=20&page=99999").status_code == 422


def test_the_audit_grid_filters_by_user_name(client_as: Any) -> None:
    auditor = client_as("wj_auditor")
    _head, rows = _table(auditor.get(f"{AUDIT}?user=school_clerk&size=200").content.decode())
    expected = _region().filter(actor_username="school_clerk")
    assert rows and len(rows) == min(expected.count(), 200)
    assert {k for k, _c in rows} <= {str(pk) for pk in expected.values_list("pk", flat=True)}
    assert all("school_clerk" in cells[1] for _k, cells in rows)  # the account, under the name


def test_the_export_is_exactly_what_is_shown_in_sentences(client_as: Any) -> None:
    auditor = client_as("wj_auditor")
    query = "object_type=payments.paymentrequest&size=20&sort=-time"
    html = auditor.get(f"{AUDIT}?{query}").content.decode()
    head, rows = _table(html)
    assert 'title="payments.request_create"' in html  # the code stays, for auditors, in a title
    exported = _export(auditor, query)
    assert exported[0] == head
    matching = _region().filter(object_type="payments.paymentrequest").count()
    assert len(exported) == 1 + matching  # every page, no total row (nothing to add up)
    what = head.index("事项")
    for (_key, shown), written in zip(rows, exported[1:], strict=False):
        assert written[0] == shown[0]
        assert _words(written[what]) == _words(shown[what]) and "支付申请" in written[what]
    written_text = "\n".join("\t".join(r) for r in exported)
    assert not CODE.findall(written_text), CODE.findall(written_text)[:5]
    # The columns chosen for the page are the export's, in their order.
    assert _export(auditor, f"{query}&cols=what,time")[0] == ["事项", "时间"]


def test_another_units_entries_are_not_visible_to_a_sector_auditor(
    client_as: Any, user: Any
) -> None:
    from yusuan.identity.models import Role, User

    division = user("wj_sector_edu").organisation
    edu_auditor = User.objects.create(
        username="edu_auditor", organisation=division, full_name="教科文审计"
    )
    edu_auditor.roles.add(Role.objects.get(code="auditor"))
    hospital = user("hospital_clerk").organisation
    assert hospital.pk not in edu_auditor.scope.organisation_ids
    theirs = _region().filter(actor_username="hospital_clerk")
    assert theirs.exists(), "the demo has the hospital's records"
    _head, seen = _table(
        client_as("wj_auditor").get(f"{AUDIT}?user=hospital_clerk").content.decode()
    )
    assert seen  # the region's auditor sees them
    sector = client_as("edu_auditor")
    _head, rows = _table(sector.get(f"{AUDIT}?user=hospital_clerk&size=200").content.decode())
    assert rows == []
    assert _export(sector, "user=hospital_clerk")[1:] == []  # nor in the export
    # What the sector auditor sees is of its own organisations only.
    _head, own = _table(sector.get(f"{AUDIT}?size=200").content.decode())
    ids = edu_auditor.scope.organisation_ids
    for record in AuditRecord.objects.filter(pk__in=[int(k) for k, _c in own]):
        assert record.organisation_id in ids or record.subject_organisation_id in ids, record


def test_the_chosen_columns_are_kept_for_the_person(client_as: Any) -> None:
    auditor = client_as("wj_auditor")
    answer = auditor.post(
        "/grid/columns/", {"grid": "audit.log", "cols": ["what", "actor", "time"], "next": AUDIT}
    )
    assert answer.status_code == 302 and answer["Location"] == AUDIT
    head, rows = _table(auditor.get(AUDIT).content.decode())
    assert head == ["事项", "用户", "时间"] and rows
    assert _export(auditor, "size=50")[0] == head
    other, _rows = _table(client_as("wj_admin").get(AUDIT).content.decode())
    assert other[:3] == ["时间", "用户", "事项"]  # another person's grid is theirs


def test_a_bigger_page_costs_no_more_queries(user: Any, client_as: Any) -> None:
    """The page's records are made readable together (a query or two per kind of document on
    the page, never one per row), and the rows are counted once, as the old list did."""
    from yusuan.audit.selectors import audit_record_list_visible_to

    auditor = client_as("wj_auditor")
    scope = user("wj_auditor").scope
    fixed = []
    for size in (20, 200):
        with CaptureQueriesContext(connection) as queries:
            assert auditor.get(f"{AUDIT}?size={size}").status_code == 200
        sql = [q["sql"].upper() for q in queries.captured_queries]
        assert sum("COUNT(" in q and "AUDIT_AUDITRECORD" in q for q in sql) == 1
        shown = audit_record_list_visible_to(scope=scope).order_by("-id")[:size]
        kinds = len({r.object_type for r in shown})
        assert len(shown) == size  # the demo has more records than the bigger page
        fixed.append(len(queries) - 2 * kinds)
    # What does not depend on the kinds shown is the same for 20 rows and for 200.
    assert fixed[1] <= fixed[0], fixed
