"""Issue 16 item 4: the main pages, as the demo's people see them, name no internal code
(``tests/plain_words.py`` says what counts as one); the audit log reads in words."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

import pytest
from tests.plain_words import PAGES, USERS, internal_codes, visible_text

from yusuan.indicators.models import Movement
from yusuan.payments.models import PaymentRequest


def main_pages() -> list[str]:
    """The fixed pages, a request with monitoring findings and a line whose trace names payments."""
    request = (
        PaymentRequest.objects.filter(findings__isnull=False).order_by("pk").first()
        or PaymentRequest.objects.order_by("pk").first()
    )
    movement = (
        Movement.objects.filter(
            source_type__startswith="payments.", line__organisation__name="吴江区松陵实验小学"
        )
        .order_by("pk")
        .first()
    )
    assert request is not None and movement is not None
    return [*PAGES, f"/payments/{request.pk}/", f"/indicators/lines/{movement.line_id}/"]


@pytest.mark.parametrize("username", USERS)
def test_main_pages_name_no_internal_code(
    client_as: Callable[[str], Client], username: str
) -> None:
    client = client_as(username)
    shown, found = 0, []
    for path in main_pages():
        response = client.get(path)
        if response.status_code != 200:  # a page the role may not open (403) is not read
            continue
        shown += 1
        found += [(path, *hit) for hit in internal_codes(visible_text(response.content.decode()))]
    assert shown >= 3, f"{username} saw too few pages to check"
    assert not found, "\n".join(
        f"{path}: {rule}: {code!r} in …{around}…" for path, rule, code, around in found
    )


def test_the_lint_finds_what_the_issue_found() -> None:
    page = (
        "<td>payments.request_create</td><td>payments.paymentrequest:54</td><td>unit_clerk</td>"
        "<td>draft → submitted</td><td>R-MO-2 · block</td><p>pain.001</p>"
    )
    assert [rule for rule, _code, _around in internal_codes(visible_text(page))] == [
        "action id or model label",
        "action id or model label",
        "role code",
        "outcome code",
        "state transition in codes",
        "ISO message name outside a detail",
    ]


def test_the_lint_leaves_attributes_details_and_ordinary_text_alone() -> None:
    page = (
        '<a href="/payments/54/" title="payments.paymentrequest:54" data-action="payments.x">'
        "支付申请 ZF2026000054</a><script>var a = 'payments.request_create';</script>"
        "<details><summary>ISO 20022</summary>pain.001 · pain.002</details>"
        "<p>wj_auditor a@payments.gov.cn 3.14 元 voucher.pdf 127.0.0.1</p>"
    )
    assert internal_codes(visible_text(page)) == []


def test_audit_log_reads_in_words_linking_only_what_the_reader_may_open(
    client_as: Callable[[str], Client],
) -> None:
    auditor = client_as("wj_auditor")
    payments = auditor.get("/audit/?object_type=payments.paymentrequest").content.decode()
    assert "支付申请" in payments and 'title="payments.request_create"' in payments  # code kept
    assert "审计日志" in payments and "经办" in payments  # a role by its name
    assert 'data-testid="audit-object"' not in payments  # an auditor may not open requests
    projects = auditor.get("/audit/?object_type=projects.project").content.decode()
    assert 'data-testid="audit-object" ' not in projects or "/projects/" in projects
    assert 'href="/projects/' in projects  # projects are in the auditor's reading


def test_trace_names_each_document_once_linked_for_its_unit(
    user: Callable[[str], object],
) -> None:
    from yusuan.indicators.models import IndicatorLine
    from yusuan.indicators.selectors import line_trace

    line_id = main_pages()[-1].rstrip("/").rsplit("/", 1)[-1]
    line = IndicatorLine.objects.get(pk=line_id)
    numbers = set(
        Movement.objects.filter(line=line, source_type="payments.request").values_list(
            "source_no", flat=True
        )
    )
    refs = line_trace(actor=user("school_clerk"), line=line).source_documents
    shown = [ref.number for ref in refs if ref.noun == "支付申请"]
    assert sorted(shown) == sorted(numbers)  # each request once (freeze, payment, bank line)
    assert all(ref.url.startswith("/payments/") for ref in refs)
    # The budget division reads the line but not payment requests: named, not linked.
    assert all(
        not ref.url for ref in line_trace(actor=user("wj_budget"), line=line).source_documents
    )
