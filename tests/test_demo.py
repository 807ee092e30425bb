"""The demo generator is deterministic and gives every role of DESIGN §2 a login."""

import json
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from yusuan.audit.chain import seal
from yusuan.core.models import BankAccount, ClassificationCode, FiscalYear, Organisation, Payee
from yusuan.identity.models import Role, User
from yusuan.identity.roles import ROLE_CATALOGUE


def test_every_role_has_a_demo_user(db: Any) -> None:
    held = set(Role.objects.filter(users__isnull=False).values_list("code", flat=True))
    assert held == {spec.code for spec in ROLE_CATALOGUE}


def test_tiny_demo_contents(db: Any) -> None:
    assert FiscalYear.objects.get(mof_div_code="320509", year=2026).is_open
    assert not FiscalYear.objects.get(mof_div_code="320509", year=2025).is_open
    assert ClassificationCode.objects.filter(
        fiscal_year=2026, kind="functional", code="2050203", name="初中教育"
    ).exists()
    agencies = Organisation.objects.agencies().filter(mof_div_code="320509")
    assert agencies.count() >= 10
    for agency in agencies:
        kinds = set(
            BankAccount.objects.filter(organisation=agency).values_list("account_type", flat=True)
        )
        assert kinds == {"unit_zero_balance", "real_funds"}
    assert (
        Payee.objects.filter(kind="individual").exists()
        and Payee.objects.filter(kind="organisation").exists()
    )


def test_name_generators_repeat_with_the_same_seed() -> None:
    """What the generator draws per seed (credit codes, ID numbers, names, account numbers) is
    the same for the same seed and differs for another seed. (Generating the demo twice into
    one database is not possible: ``django_db_setup`` loaded it once already.)"""
    import random

    from yusuan.demo.names import account_no, credit_code, id_number, person_name

    def draws(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [
            value
            for _ in range(20)
            for value in (
                credit_code(rng, "320509"),
                id_number(rng),
                person_name(rng),
                account_no(rng),
            )
        ]

    assert draws(2026) == draws(2026)
    assert draws(2026) != draws(2027)


def test_demo_command_keeps_loaded_data_and_writes_no_logins_file(db: Any, tmp_path: Path) -> None:
    organisations = Organisation.objects.count()
    out = StringIO()
    logins = tmp_path / "logins.json"
    call_command("demo", "--no-serve", "--logins-file", str(logins), stdout=out)
    # The data are already loaded in the test database: the command keeps them, says so, and
    # has no new logins to write.
    assert "already loaded" in out.getvalue()
    assert Organisation.objects.count() == organisations
    assert not logins.exists()


def test_demo_command_prints_the_logins_of_an_earlier_load(db: Any, tmp_path: Path) -> None:
    logins = tmp_path / "logins.json"
    logins.write_text(
        json.dumps(
            {
                "password": "Yusuan@2026",
                "logins": [
                    {"username": "wj_budget", "role": "预算科", "organisation": "吴江区财政局"}
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    before = logins.read_text(encoding="utf-8")
    out = StringIO()
    call_command("demo", "--no-serve", "--logins-file", str(logins), stdout=out)
    printed = out.getvalue()
    assert "Password for every demo login: Yusuan@2026" in printed
    assert "wj_budget" in printed and "吴江区财政局" in printed
    assert logins.read_text(encoding="utf-8") == before  # kept, not rewritten


def test_audit_verify_passes_on_demo_data(db: Any) -> None:
    seal(lag_seconds=0)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "OK" in out.getvalue()


def test_demo_users_can_sign_in(client: Any, db: Any) -> None:
    for username in ("wj_budget", "school_clerk", "wj_auditor", "bank_icbc"):
        assert User.objects.get(username=username).check_password("Yusuan@2026")
    assert (
        client.post(
            "/accounts/login/", {"username": "wj_budget", "password": "Yusuan@2026"}
        ).status_code
        == 302
    )


def test_every_demo_login_reaches_its_home_page(db: Any) -> None:
    from django.test import Client

    usernames = list(User.objects.order_by("username").values_list("username", flat=True))
    # bank_rcb, hospital_reviewer and _approver (R-PY-9), wj_monitor, wj_leader (ADR 0036),
    # wj_appraisal (评审中心, ADR 0040), wj_personnel (人员库管理岗, ADR 0038)
    assert len(usernames) == 33
    for username in usernames:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": username, "password": "Yusuan@2026"}
        )
        if User.objects.get(username=username).is_system_account:  # the bank: API tokens only
            # refused like a wrong password, so the page does not confirm the password (ADR 0016)
            assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
            continue
        assert response.status_code == 302, username
        home = client.get("/")
        assert home.status_code == 200, username
        assert User.objects.get(username=username).organisation.name in home.content.decode()
