"""Accounts and sessions (issue #13 item 8): sign-in throttling per address and per name (ADR
0016), the initial password checked and changed at the first sign-in, system accounts kept off the
pages, ``Cache-Control: no-store`` on what a signed-in user gets, and account numbers masked the
same way in pages and API (ADR 0019)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.test import Client

import pytest
import time_machine

from yusuan.audit.models import AuditRecord
from yusuan.core.models import BankAccount
from yusuan.core.rules import mask_account_no
from yusuan.identity.models import User
from yusuan.identity.services import UserData, api_token_issue, user_create
from yusuan.identity.tests.helpers import (
    DEMO_PASSWORD,
    MOMENT,
    WRONG_PASSWORD,
    fail_sign_ins,
    sign_in,
)
from yusuan.payments.models import PaymentRequest

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.7"
NEW_PASSWORD = "Another#Secret-2026"  # noqa: S105


# --- Throttling (ADR 0016) ----------------------------------------------------------------------


def test_five_bad_passwords_from_one_address_do_not_lock_the_user_out_elsewhere() -> None:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        fail_sign_ins(traveller, "school_clerk", settings.AXES_FAILURE_LIMIT, address=ATTACKER)
        # The lockout is kept where the failures came from, even with the right password …
        locked = sign_in("school_clerk", DEMO_PASSWORD, address=ATTACKER)
        assert locked.status_code == 429
        assert locked["Retry-After"] == str(15 * 60 - 61)  # 15 minutes after the 5th failure
        assert "锁定" in locked.content.decode()
        # … but the real user at the office signs in.
        assert sign_in("school_clerk", DEMO_PASSWORD, address=OFFICE).status_code == 302


def test_an_address_failing_under_many_names_is_locked_for_every_name() -> None:
    limit = settings.YUSUAN_LOGIN_ADDRESS_FAILURE_LIMIT
    with time_machine.travel(MOMENT, tick=False) as traveller:
        statuses = [
            sign_in(f"guess{i:02}", WRONG_PASSWORD, address=ATTACKER).status_code
            for i in range(limit)
        ]
        assert statuses == [200] * (limit - 1) + [429]  # the failure that reaches the limit
        traveller.shift(60)
        refused = sign_in("school_clerk", DEMO_PASSWORD, address=ATTACKER)
        assert refused.status_code == 429
        assert 'data-reason="address"' in refused.content.decode()
        assert sign_in("school_clerk", DEMO_PASSWORD, address=OFFICE).status_code == 302


def test_failures_from_many_addresses_make_the_name_wait_longer_and_longer() -> None:
    free = settings.YUSUAN_LOGIN_DELAY_FREE_FAILURES
    with time_machine.travel(MOMENT, tick=False) as traveller:
        # A few failures from anywhere cost nothing (typos) …
        for i in range(free):
            failed = sign_in("school_clerk", WRONG_PASSWORD, address=f"203.0.113.{i}")
            assert failed.status_code == 200  # the form again, with its error
        waits = []
        for i in range(3):
            refused = sign_in("school_clerk", DEMO_PASSWORD, address=f"192.0.2.{i}")
            assert refused.status_code == 429  # refused before the password is looked at
            assert 'data-reason="delay"' in refused.content.decode()
            waits.append(int(refused["Retry-After"]))
            traveller.shift(waits[-1])
            failed = sign_in("school_clerk", WRONG_PASSWORD, address=f"192.0.2.{i}")
            assert failed.status_code == 200  # allowed again, and a failure again
        # … then each failure doubles the wait.
        assert waits == [1, 2, 4]
        refused = sign_in("school_clerk", DEMO_PASSWORD, address="192.0.2.200")
        assert refused.status_code == 429 and refused["Retry-After"] == "8"
        traveller.shift(8)
        assert sign_in("school_clerk", DEMO_PASSWORD, address="192.0.2.200").status_code == 302


def test_the_delay_spares_the_address_the_user_signed_in_from_before() -> None:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        assert sign_in("school_clerk", DEMO_PASSWORD, address=OFFICE).status_code == 302
        traveller.shift(3600)
        for i in range(6):
            sign_in("school_clerk", WRONG_PASSWORD, address=f"203.0.113.{i}")
        assert sign_in("school_clerk", DEMO_PASSWORD, address="192.0.2.9").status_code == 429
        assert sign_in("school_clerk", DEMO_PASSWORD, address=OFFICE).status_code == 302


def test_a_forwarded_for_header_does_not_change_the_address_counted() -> None:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        for i in range(settings.AXES_FAILURE_LIMIT):
            Client().post(
                "/accounts/login/",
                {"username": "school_clerk", "password": WRONG_PASSWORD},
                REMOTE_ADDR=ATTACKER,
                HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
            )
            traveller.shift(61)
        assert sign_in("school_clerk", DEMO_PASSWORD, address=ATTACKER).status_code == 429


# --- The initial password -----------------------------------------------------------------------


def _new_user(admin: Client, org: Callable[[str], Any], password: str) -> Any:
    return admin.post(
        "/accounts/users/new/",
        {
            "username": "new_clerk",
            "full_name": "新经办",
            "organisation": org("吴江区松陵实验小学").pk,
            "password": password,
        },
    )


def test_a_weak_initial_password_is_refused_beside_its_field(
    client_as: Callable[[str], Client], org: Callable[[str], Any]
) -> None:
    response = _new_user(client_as("wj_admin"), org, "12345678")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="field-password"' in body and "密码" in body
    assert not User.objects.filter(username="new_clerk").exists()


def test_the_initial_password_must_be_changed_at_the_first_sign_in(
    client_as: Callable[[str], Client], org: Callable[[str], Any]
) -> None:
    assert _new_user(client_as("wj_admin"), org, "Strong#Pass-2026").status_code == 302
    assert User.objects.get(username="new_clerk").must_change_password
    person = Client()
    assert (
        sign_in("new_clerk", "Strong#Pass-2026", address=OFFICE, client=person).status_code == 302
    )
    home = person.get("/")
    assert home.status_code == 302 and home["Location"] == "/accounts/password/"
    assert person.get("/payments/").status_code == 302
    api = person.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["errors"][0]["code"] == "identity.password_change_required"
    changed = person.post(
        "/accounts/password/",
        {
            "old_password": "Strong#Pass-2026",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert person.get("/").status_code == 200
    assert person.get("/api/v1/me").status_code == 200
    assert not User.objects.get(username="new_clerk").must_change_password


def test_a_password_an_administrator_resets_must_be_changed_too(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    target = user("school_cashier")
    client_as("wj_admin").post(
        f"/accounts/users/{target.pk}/", {"action": "password", "password": "Reset#Pass-2026"}
    )
    assert user("school_cashier").must_change_password
    assert client_as("school_cashier").get("/")["Location"] == "/accounts/password/"


def test_the_temporary_password_cannot_be_kept_by_typing_it_again(
    client_as: Callable[[str], Client], org: Callable[[str], Any]
) -> None:
    assert _new_user(client_as("wj_admin"), org, "Strong#Pass-2026").status_code == 302
    person = Client()
    sign_in("new_clerk", "Strong#Pass-2026", address=OFFICE, client=person)
    same = {
        "old_password": "Strong#Pass-2026",
        "new_password1": "Strong#Pass-2026",
        "new_password2": "Strong#Pass-2026",
    }
    refused = person.post("/accounts/password/", same)
    assert refused.status_code == 200
    assert "新密码不能与当前密码相同" in refused.content.decode()
    assert User.objects.get(username="new_clerk").must_change_password
    person.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = person.post("/accounts/password/", same).content.decode()
    assert "The new password must differ from the current one" in english
    assert not AuditRecord.objects.filter(action="identity.password.change").exists()


def test_the_password_rules_read_in_chinese_on_the_user_form_and_the_password_change(
    client_as: Callable[[str], Client], org: Callable[[str], Any], user: Callable[[str], Any]
) -> None:
    created = _new_user(client_as("wj_admin"), org, "Sh#1").content.decode()
    assert "密码太短，至少要有 10 个字符。" in created
    assert "This password is too short" not in created
    clerk = client_as("school_clerk")
    page = clerk.get("/accounts/password/").content.decode()
    assert "你的密码必须包含至少 10 个字符。" in page  # the rules, beside the field
    changed = clerk.post(
        "/accounts/password/",
        {"old_password": DEMO_PASSWORD, "new_password1": "Sh#1", "new_password2": "Sh#1"},
    ).content.decode()
    assert "密码太短，至少要有 10 个字符。" in changed
    assert "This password is too short" not in changed
    # The service's errors carry both languages, each in its own.
    from yusuan.identity.services import password_errors

    [error] = password_errors("Sh#1-x", user("school_clerk"))
    assert error.message_zh == "密码太短，至少要有 10 个字符。"
    assert error.message_en == "This password is too short. It must contain at least 10 characters."


def test_users_made_without_an_administrator_know_their_password(
    user: Callable[[str], Any],
) -> None:
    # The demo and the bootstrap create users with no actor: their passwords are not temporary.
    assert not user("school_clerk").must_change_password
    made = user_create(
        actor=None,
        data=UserData(
            username="boot_admin",
            full_name="x",
            organisation_id=user("wj_admin").organisation_id,
            role_codes=("sysadmin",),
        ),
        password="Bootstrap#2026",
    )
    assert not made.must_change_password


# --- System accounts ----------------------------------------------------------------------------


def test_a_system_account_gets_the_generic_refusal_whatever_the_password(
    user: Callable[[str], Any],
) -> None:
    bank = user("bank_icbc")
    assert bank.is_system_account  # an agent bank's users are system accounts by design
    answers = {}
    for password in (DEMO_PASSWORD, WRONG_PASSWORD):  # the right one, then a wrong one
        person = Client()
        answers[password] = sign_in("bank_icbc", password, address=OFFICE, client=person)
        assert answers[password].status_code == 200
        assert person.get("/").status_code == 302  # not signed in
    right, wrong = (_form_errors(a.content.decode()) for a in answers.values())
    assert right == wrong and "用户名或密码不正确" in right  # nothing tells them apart
    assert "系统账户" not in right
    # The audit trail says why, for whoever reads it (never the password, nor whether it was right).
    records = AuditRecord.objects.filter(action="security.login.failed", object_id=str(bank.pk))
    assert [r.extra for r in records.order_by("id")] == [
        {"username": "bank_icbc", "known_user": True, "system_account": True}
    ] * 2


def _form_errors(body: str) -> str:
    start = body.index('class="form-errors"')
    return body[start : body.index("</div>", start)]


def test_a_session_of_a_system_account_reaches_neither_pages_nor_api(
    user: Callable[[str], Any],
) -> None:
    bank = user("bank_icbc")
    session = Client()
    session.force_login(bank)
    page = session.get("/payments/bank/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    session.force_login(bank)
    assert session.get("/api/v1/me").status_code == 401
    key = api_token_issue(actor=None, user=bank, name="t", scopes=["core:read"], days=1).key
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


# --- Cache-Control ------------------------------------------------------------------------------


def test_what_a_signed_in_user_gets_is_never_stored(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    clerk = client_as("school_clerk")
    paid = PaymentRequest.objects.filter(
        organisation=user("school_clerk").organisation, state="paid"
    ).first()
    assert paid is not None
    key = api_token_issue(
        actor=None, user=user("bank_icbc"), name="t", scopes=["core:read"], days=1
    ).key
    answers = {
        "page": clerk.get("/"),
        "api": clerk.get("/api/v1/me"),
        "token api": Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}"),
        "pdf": clerk.get(f"/payments/{paid.pk}/voucher.pdf"),
        "export": clerk.get("/core/organisations/export/?format=csv"),
        "refusal": clerk.get("/audit/"),
    }
    for name, answer in answers.items():
        assert answer.status_code == (403 if name == "refusal" else 200), name
        assert "no-store" in answer.get("Cache-Control", ""), name
    # Static files (the sign-in page's too) stay cacheable.
    css = Client().get("/static/yusuan/yusuan.css")
    assert css.status_code == 200 and "no-store" not in css.get("Cache-Control", "")


# --- Account numbers (ADR 0019) -----------------------------------------------------------------


def test_account_numbers_are_masked_alike_in_the_list_page_and_the_api_list(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    school = user("school_clerk").organisation
    account = BankAccount.objects.get(organisation=school, account_type="unit_zero_balance")
    masked = mask_account_no(account.account_no)
    for username in ("school_clerk", "school_cashier"):  # without and with personal data
        client = client_as(username)
        page = client.get("/core/bank-accounts/").content.decode()
        assert masked in page and account.account_no not in page, username
        listed = client.get("/api/v1/bank-accounts").json()["items"]
        shown = {a["id"]: a["account_no"] for a in listed}
        assert shown[account.pk] == masked, username
    # One account's own page and answer show it whole to a role that may see personal data.
    cashier, clerk = client_as("school_cashier"), client_as("school_clerk")
    assert account.account_no in cashier.get(f"/core/bank-accounts/{account.pk}/").content.decode()
    assert cashier.get(f"/api/v1/bank-accounts/{account.pk}").json()["account_no"] == (
        account.account_no
    )
    assert (
        account.account_no not in clerk.get(f"/core/bank-accounts/{account.pk}/").content.decode()
    )
    assert clerk.get(f"/api/v1/bank-accounts/{account.pk}").json()["account_no"] == masked


def test_the_voucher_carries_the_whole_numbers_and_the_request_page_the_same_as_the_api(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    paid = PaymentRequest.objects.filter(
        organisation=user("school_clerk").organisation, state="paid"
    ).first()
    assert paid is not None
    number = paid.lines.order_by("row").first().payee_account_no
    clerk = client_as("school_clerk")
    assert number in clerk.get(f"/payments/{paid.pk}/voucher/").content.decode()
    page = clerk.get(f"/payments/{paid.pk}/").content.decode()
    api = clerk.get(f"/api/v1/payments/requests/{paid.pk}").json()
    assert number not in page and api["lines"][0]["payee_account_no"] == mask_account_no(number)
    assert mask_account_no(number) in page
    cashier = client_as("school_cashier")
    assert number in cashier.get(f"/payments/{paid.pk}/").content.decode()
    assert cashier.get(f"/api/v1/payments/requests/{paid.pk}").json()["lines"][0][
        "payee_account_no"
    ] == (number)


def test_recorded_account_numbers_are_masked_for_whoever_may_not_see_them(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    account = BankAccount.objects.filter(organisation=user("school_clerk").organisation).first()
    assert account is not None
    assert account.account_no not in str(account)
    admin_view = client_as("wj_admin").get(f"/core/bank-accounts/{account.pk}/")
    assert account.account_no not in admin_view.content.decode()  # the history included
    auditor_view = client_as("wj_auditor").get(f"/core/bank-accounts/{account.pk}/")
    assert account.account_no in auditor_view.content.decode()
