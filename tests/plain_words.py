"""The plain-words lint (issue 16 item 4): a page's visible text names no internal code.

Visible text is what a person reads: tags, scripts, styles and attributes (``href``, ``title``,
``data-*``, ``value``) are not text, and a ``<details>`` element is the place a page keeps codes
for auditors (the ISO 20022 names of the bank files). In that text the lint finds:

- an audit action id or model label: an app's label, a dot and a lower-case code
  (``payments.request_create``, ``payments.paymentrequest:54``, ``security.login.failed``);
  an e-mail address or a decimal number is not one (``a@payments.cn``, ``3.14``);
- a role code (``unit_clerk``): the catalogue's codes that have an underscore (a bare English
  word like ``auditor`` is a user name's part, not flagged);
- a state or outcome code where a label is expected: ``block``/``warn`` as words, and a
  transition of codes (``draft → submitted``);
- an ISO 20022 message name (``pain.001``) outside a ``<details>`` element.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from yusuan.identity.roles import ROLE_CATALOGUE

APP_LABELS = (
    "audit|core|identity|workflow|projects|indicators|procurement|payments|payroll|monitoring"
    "|security|portal"
)
SKIPPED = {"script", "style", "template", "details", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
ROLE_CODES = sorted((spec.code for spec in ROLE_CATALOGUE if "_" in spec.code), key=len)[::-1]

RULES: dict[str, re.Pattern[str]] = {
    "action id or model label": re.compile(
        rf"(?<![\w@.])(?:{APP_LABELS})\.[a-z_]+(?:[.:][a-z0-9_]+)*(?![\w@]|\.\w)"
    ),
    "role code": re.compile(rf"(?<![\w.])(?:{'|'.join(ROLE_CODES)})(?!\w)"),
    "outcome code": re.compile(r"(?<![\w-])(?:block|warn)(?![\w-])"),
    "state transition in codes": re.compile(r"\b[a-z][a-z_]*[a-z] → [a-z][a-z_]*[a-z]\b"),
    "ISO message name outside a detail": re.compile(r"\bpain\.00\d\b"),
}

# Who looks, and the pages every one of them opens (the page test and the browser test).
USERS = ["school_clerk", "wj_treasury", "wj_budget", "wj_auditor", "wj_admin", "wj_leader"]
PAGES = [
    "/",
    "/workflow/inbox/",
    "/workflow/notifications/",
    "/payments/",
    "/indicators/ledger/",
    "/indicators/documents/",
    "/audit/",
    "/payments/bank/",
    "/payments/monitoring/",
]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping.append(tag)
        elif tag not in VOID:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts))


def internal_codes(text: str) -> list[tuple[str, str, str]]:
    """(rule, the code, its surroundings) for every internal code in a page's visible text."""
    found = []
    for rule, pattern in RULES.items():
        for match in pattern.finditer(text):
            start, end = match.span()
            found.append((rule, match.group(), text[max(0, start - 40) : end + 40]))
    return found


# An amount as the pages print it: 1,234.56 or -0.50 (a count, a rate or a row number is not).
AMOUNT = re.compile(r"^-?\d{1,3}(?:,\d{3})*\.\d{2}$")


class _Tables(HTMLParser):
    """Every table's rows as (section, [cell text, repeated over its colspan])."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[tuple[str, list[str]]]] = []
        self.open: list[list[tuple[str, list[str]]]] = []
        self.section = ""
        self.cell: list[str] | None = None
        self.span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.open.append([])
            self.tables.append(self.open[-1])
        elif not self.open:
            return
        elif tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr":
            self.open[-1].append((self.section or "tbody", []))
        elif tag in ("th", "td") and self.open[-1]:
            self.cell, self.span = [], int(dict(attrs).get("colspan") or 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self.cell is not None and self.open and self.open[-1]:
            text = " ".join("".join(self.cell).split())
            self.open[-1][-1][1].extend([text] * self.span)
            self.cell = None
        elif tag == "table" and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def amount_columns(html: str) -> list[tuple[str, str]]:
    """(header, the first amount under it) for every table column that shows amounts (issue 16
    item 4: "every amount header says 元 once, consistently": see ``says_yuan_once``)."""
    parser = _Tables()
    parser.feed(html)
    parser.close()
    found = []
    for table in parser.tables:
        heads = [cells for section, cells in table if section == "thead"]
        if not heads:
            continue
        header = heads[-1]
        body = [
            cells for section, cells in table if section == "tbody" and len(cells) == len(header)
        ]
        for index, label in enumerate(header):
            amounts = [row[index] for row in body if AMOUNT.match(row[index])]
            if amounts:
                found.append((label, amounts[0]))
    return found


def says_yuan_once(label: str) -> bool:
    return label.count("元") == 1
