"""Which page of a list was asked for: one rule for the pages and the API (ADR 0015).

Page 1 always exists (an empty list has one empty page); a page number that is not a whole
number, below 1 or past the last page is refused with a 422 naming ``page``, the value and the
limit. A client that pages until it is refused stops; none loops on a silently repeated page.
"""

from __future__ import annotations

from yusuan.common.errors import BusinessRuleError
from yusuan.common.ids import parse_int


def last_page(count: int, per_page: int) -> int:
    return max(1, -(-count // per_page))


def page_number(value: object, *, count: int, per_page: int) -> int:
    """``value`` (an int, or the text of ``?page=``; empty means 1) as a page that exists."""
    if value is None or value == "":
        return 1
    number = value if isinstance(value, int) else parse_int(value)
    last = last_page(count, per_page)
    if number is None or not 1 <= number <= last:
        shown = str(value)[:40]
        raise BusinessRuleError.single(
            code="pagination.page_out_of_range",
            field="page",
            value=shown,
            limit=last,
            message_zh=f"页码“{shown}”无效：应为 1 至 {last} 的整数（共 {count} 条，每页 {per_page} 条）",
            message_en=(
                f"page '{shown}' is not valid: a whole number from 1 to {last} "
                f"({count} rows, {per_page} per page)"
            ),
        )
    return number
