"""Issue 16 item 4: the main pages, as the demo's people see them, name no internal code
(``tests/plain_words.py`` says what counts as one); the audit log reads in words."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.test import Client

import pytest
from tests.plain_words import (
    PAGES,
    USERS,
    amount_columns,
    internal_codes,
    says_yuan_once,
    visible_text,
)

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


def menu_pages(client: Client) -> list[str]:
    """Every page the person's menu links to (the sidebar of the home page)."""
    home = client.get("/").content.decode()
    nav = home.split('<nav class="sidebar"', 1)[1].split("</nav>", 1)[0]
    return sorted(set(re.findall(r'href="(/[^"?#]*)"', nav)))


@pytest.mark.parametrize("username", USERS)
def test_every_menu_page_names_no_code_and_says_yuan_once(
    client_as: Callable[[str], Client], username: str
) -> None:
    """The lints over every page of the person's menu and the first document each list links
    to (a detail page), not only the main ones."""
    client = client_as(username)
    pages = menu_pages(client)
    assert len(pages) >= 5
    found, seen = [], set(pages)
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        body = html.split("<tbody", 1)[1] if "<tbody" in html else ""
        detail = re.search(r'href="(/[a-z/-]+/\d+/)"', body)
        if detail and detail.group(1) not in seen:
            seen.add(detail.group(1))
            pages.append(detail.group(1))
        found += [(path, rule, code) for rule, code, _around in internal_codes(visible_text(html))]
        found += [
            (path, "amount header without 元 once", label)
            for label, _amount in amount_columns(html)
            if not says_yuan_once(label)
        ]
    assert not found, "\n".join(map(str, found))


@pytest.mark.parametrize("username", USERS)
def test_every_amount_header_says_yuan_once(
    client_as: Callable[[str], Client], username: str
) -> None:
    client = client_as(username)
    columns = [
        (path, *column)
        for path in main_pages()
        if (response := client.get(path)).status_code == 200
        for column in amount_columns(response.content.decode())
    ]
    assert len(columns) >= 2, f"{username} saw too few amount columns to check"
    found = [(path, label, amount) for path, label, amount in columns if not says_yuan_once(label)]
    assert not found, "\n".join(f"{path}: {label!r} over {amount}" for path, label, amount in found)


def test_the_yuan_lint_reads_columns_not_words() -> None:
    table = (
        "<table><thead><tr><th>#</th><th>总额</th><th>金额（元）</th><th>笔数</th>"
        "<th>可用（元）（元）</th></tr></thead><tbody><tr><td>1</td><td>1,200.00</td>"
        "<td>3.50</td><td>12</td><td>-0.50</td></tr></tbody></table>"
    )
    columns = amount_columns(table)
    assert [label for label, _ in columns] == ["总额", "金额（元）", "可用（元）（元）"]
    assert [label for label, _ in columns if not says_yuan_once(label)] == [
        "总额",
        "可用（元）（元）",
    ]


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


def test_approval_definitions_name_their_conditions_in_words(
    client_as: Callable[[str], Client],
) -> None:
    """A definition's conditions read 业务类型 = 政府采购… and 无标志「…」, not the codes that
    routing tests (subtype and flag codes stay in the edit form's JSON)."""
    from yusuan.workflow import registry
    from yusuan.workflow.models import ApprovalDefinition

    admin = client_as("wj_admin")
    named = 0
    for definition in ApprovalDefinition.objects.order_by("pk"):
        doc_type = registry.get(definition.document_type)
        assert doc_type is not None
        text = visible_text(admin.get(f"/workflow/definitions/{definition.pk}/").content.decode())
        for term in (*doc_type.subtypes, *doc_type.flags):
            found = re.search(rf"(?<![\w.-]){re.escape(term.code)}(?![\w-])", text)
            assert found is None, text[found.start() - 80 : found.end() + 40]
        named += sum(term.name in text for term in (*doc_type.subtypes, *doc_type.flags))
    assert named >= 3  # conditions on subtypes and flags were shown, by name


def test_every_audit_action_a_service_writes_has_a_label() -> None:
    """The audit page shows an action by its label; one without shows its code, and the page
    tests only meet the actions on the first page at their clock (1 January found eight)."""
    from pathlib import Path

    from yusuan.audit.actions import ACTION_LABELS

    source = Path(__file__).resolve().parent.parent / "src" / "yusuan"
    written = {
        match.group(1): path.relative_to(source).as_posix()
        for path in source.rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
        for match in re.finditer(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text("utf-8"))
    }
    assert len(written) > 100  # the scan reads the services
    missing = sorted(
        f"{action} ({where})" for action, where in written.items() if action not in ACTION_LABELS
    )
    assert missing == [], "add each to yusuan.audit.actions.ACTION_LABELS"
