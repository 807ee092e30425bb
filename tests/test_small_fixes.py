"""The smaller things a new user tripped over (issue 16 item 5), each checked as they met it."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied

import pytest
from tests.payment_helpers import _input, _line

from yusuan.common.logging import QuietForbidden
from yusuan.payments.services import request_create

pytestmark = pytest.mark.django_db


def test_a_bad_sign_in_says_so_plainly_and_a_demo_says_where_its_logins_are(
    client: Any, settings: Any, tmp_path: Path
) -> None:
    page = client.post("/accounts/login/", {"username": "school_clerk", "password": "nope"})
    text = page.content.decode()
    assert "用户名或密码不正确" in text and "锁定" in text
    assert 'data-testid="demo-logins"' not in text  # not a demo: nothing said
    settings.VAR_DIR = tmp_path
    (tmp_path / "demo-logins.json").write_text("{}", encoding="utf-8")
    text = client.get("/accounts/login/").content.decode()
    assert 'data-testid="demo-logins"' in text and str(tmp_path / "demo-logins.json") in text


def test_a_refusal_is_one_line_in_the_console_not_a_traceback() -> None:
    try:
        raise PermissionDenied
    except PermissionDenied:
        import sys

        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Forbidden", (), sys.exc_info()
        )
    assert QuietForbidden().filter(record) and record.exc_info is None
    try:
        raise ValueError("a real failure")
    except ValueError:
        import sys

        other = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Error", (), sys.exc_info()
        )
    assert QuietForbidden().filter(other) and other.exc_info is not None  # kept


def test_the_demo_login_table_lines_up_with_chinese_roles() -> None:
    from yusuan.demo.management.commands.demo import pad

    rows = [pad("school_clerk", 18) + pad("单位经办 unit clerk", 30) + "|", pad("a", 18) + "|"]
    widths = [sum(2 if "\u4e00" <= ch <= "\u9fff" else 1 for ch in row) for row in rows]
    assert widths[0] == 18 + 30 + 1 and widths[1] == 18 + 1


def test_the_only_payer_account_is_chosen_and_line_summaries_are_shown(
    user: Any, client_as: Any
) -> None:
    clerk = client_as("school_clerk")
    form = clerk.get("/payments/new/").content.decode()
    options = re.findall(
        r'<option value="(\d+)" (selected)?>',
        form.split('name="payer_account_id"')[1].split("</select>")[0],
    )
    assert len(options) == 1 and options[0][1] == "selected"
    data = _input(user, [(_line(user, "30201"), "33")])
    lines = [
        type(data.lines[0])(
            data.lines[0].indicator_line_id, data.lines[0].amount, summary="A4 纸 10 箱"
        )
    ]
    request = request_create(
        actor=user("school_clerk"),
        data=type(data)(**{**data.__dict__, "lines": lines}),
        fiscal_year=2026,
    )
    page = clerk.get(f"/payments/{request.pk}/").content.decode()
    assert re.search(r'data-testid="line-summary">A4 纸 10 箱<', page)


def test_an_empty_bank_report_upload_is_told(client_as: Any) -> None:
    page = client_as("wj_treasury").post("/payments/bank/", {"upload": "1"}, follow=True)
    assert "请先选择要上传的银行回单文件" in page.content.decode()
