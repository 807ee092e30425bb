"""Bank accounts of organisations and payees (收款人)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from django.db import transaction

from yusuan.audit.services import audit_record, diff, snapshot
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import ErrorDetail, raise_if_any
from yusuan.core import locks, rules
from yusuan.core.choices import AccountType, OrganisationKind, PayeeKind
from yusuan.core.models import BankAccount, Organisation, Payee

ACCOUNT_FIELDS = (
    "organisation",
    "account_type",
    "account_no",
    "account_name",
    "bank_name",
    "bank_code",
    "agent_bank",
    "is_enabled",
)
PAYEE_FIELDS = (
    "kind",
    "name",
    "credit_code",
    "id_number",
    "bank_account_no",
    "bank_name",
    "bank_code",
    "is_enabled",
)


@dataclass(frozen=True)
class BankAccountData:
    organisation_id: int
    account_type: str
    account_no: str
    account_name: str
    bank_name: str
    bank_code: str = ""
    is_enabled: bool = True
    # R-PY-9: the BANK organisation holding the account; when not given, the region's agent
    # bank whose name is ``bank_name``.
    agent_bank_id: int | None = None


@dataclass(frozen=True)
class PayeeData:
    kind: str
    name: str
    bank_account_no: str
    bank_name: str
    credit_code: str = ""
    id_number: str = ""
    bank_code: str = ""
    is_enabled: bool = True


def _check_bank_code(value: str, row: int | None = None) -> list[ErrorDetail]:
    if not value or (value.isdigit() and len(value) == 12):
        return []
    return [
        ErrorDetail(
            code="core.invalid_bank_code",
            field="bank_code",
            row=row,
            value=value,
            limit="12 位数字",
            message_zh=f"联行号“{value}”应为 12 位数字",
            message_en=f"Bank code '{value}' must be 12 digits",
        )
    ]


def _account_errors(
    *, organisation: Organisation, data: BankAccountData, instance: BankAccount | None
) -> list[ErrorDetail]:
    errors = rules.check_bank_account_no(data.account_no, field="account_no")
    errors += _check_bank_code(data.bank_code)
    if not data.account_name.strip():
        errors.append(
            ErrorDetail(
                code="required",
                field="account_name",
                message_zh="账户名称不能为空",
                message_en="Account name is required",
            )
        )
    finance_kinds = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)
    if (
        data.account_type == AccountType.FINANCE_ZERO_BALANCE
        and organisation.kind not in finance_kinds
    ):
        errors.append(
            ErrorDetail(
                code="core.account_type_owner",
                field="account_type",
                value=data.account_type,
                message_zh="财政零余额账户只能属于财政部门",
                message_en="A finance zero-balance account belongs to the finance bureau",
            )
        )
    if (
        data.account_type == AccountType.TREASURY_SINGLE
        and organisation.kind != OrganisationKind.FINANCE_BUREAU
    ):
        # R-PY-12: the 国库单一账户 (实拨 pays from it) is the finance bureau's.
        errors.append(
            ErrorDetail(
                code="core.account_type_owner",
                rule="R-PY-12",
                field="account_type",
                value=data.account_type,
                limit=OrganisationKind.FINANCE_BUREAU,
                message_zh="国库单一账户只能属于本级财政局",
                message_en="A treasury single account belongs to the finance bureau",
            )
        )
    if data.account_type == AccountType.UNIT_ZERO_BALANCE and not organisation.is_agency:
        errors.append(
            ErrorDetail(
                code="core.account_type_owner",
                field="account_type",
                value=data.account_type,
                message_zh="单位零余额账户只能属于预算单位",
                message_en="A unit zero-balance account belongs to a budget unit",
            )
        )
    clash = BankAccount.objects.filter(
        mof_div_code=organisation.mof_div_code, account_no=data.account_no
    )
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        errors.append(
            ErrorDetail(
                code="core.duplicate_account",
                field="account_no",
                value=data.account_no,
                message_zh=f"账号“{data.account_no}”已登记",
                message_en=f"Account '{data.account_no}' is already registered",
            )
        )
    return errors


def with_agent_bank(
    organisation: Organisation, data: BankAccountData
) -> tuple[BankAccountData, list[ErrorDetail]]:
    """R-PY-9: the agent bank holding the account — the one named, else the region's BANK
    organisation called ``bank_name``. A unit zero-balance account must have one."""
    banks = Organisation.objects.filter(
        mof_div_code=organisation.mof_div_code, kind=OrganisationKind.BANK
    )
    if data.agent_bank_id is not None:
        bank = banks.filter(pk=data.agent_bank_id).first()
    else:
        bank = banks.filter(name=data.bank_name.strip()).order_by("pk").first()
    if bank is not None:
        return replace(data, agent_bank_id=bank.pk), []
    if data.account_type != AccountType.UNIT_ZERO_BALANCE and data.agent_bank_id is None:
        return data, []
    known = sorted(banks.values_list("name", flat=True))
    value = data.agent_bank_id if data.agent_bank_id is not None else data.bank_name
    return data, [
        ErrorDetail(
            code="core.account_agent_bank",
            rule="R-PY-9",
            field="agent_bank_id" if data.agent_bank_id is not None else "bank_name",
            value=value,
            limit=known,
            message_zh=f"“{value}”不是本区划登记的代理银行：单位零余额账户须开设在一家代理银行"
            f"（可选：{'、'.join(known) or '无'}）",
            message_en=f"'{value}' is not an agent bank of the region: a unit zero-balance "
            f"account is held at exactly one agent bank (one of: {', '.join(known) or 'none'})",
        )
    ]


def _organisation_for(actor: Actor, organisation_id: int) -> Organisation:
    organisation = Organisation.objects.visible_to(actor).filter(pk=organisation_id).first()
    if organisation is None:
        ensure_in_scope(actor, mof_div_code="", organisation_id=organisation_id)  # raises a 404
    assert organisation is not None
    return organisation


@transaction.atomic
def bank_account_create(*, actor: Actor, data: BankAccountData) -> BankAccount:
    ensure_permission(actor, "core.add_bankaccount")
    organisation = _organisation_for(actor, data.organisation_id)
    data, bank_errors = with_agent_bank(organisation, data)
    raise_if_any(_account_errors(organisation=organisation, data=data, instance=None) + bank_errors)
    account = BankAccount(mof_div_code=organisation.mof_div_code, **asdict(data))
    account.save()
    audit_record(
        action="core.bank_account.create",
        actor=actor,
        obj=account,
        changes={k: [None, v] for k, v in snapshot(account, ACCOUNT_FIELDS).items()},
    )
    return account


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def bank_account_update(
    *, actor: Actor, account: BankAccount, data: BankAccountData
) -> BankAccount:
    ensure_permission(actor, "core.change_bankaccount")
    ensure_in_scope(
        actor, mof_div_code=account.mof_div_code, organisation_id=account.organisation_id
    )
    instance = locks.bank_account_qs_select_for_update().get(pk=account.pk)
    organisation = _organisation_for(actor, data.organisation_id)
    data, bank_errors = with_agent_bank(organisation, data)
    raise_if_any(
        _account_errors(organisation=organisation, data=data, instance=instance) + bank_errors
    )
    before = snapshot(instance, ACCOUNT_FIELDS)
    for name, value in asdict(data).items():
        setattr(instance, name, value)
    instance.save()
    changes = diff(before, snapshot(instance, ACCOUNT_FIELDS))
    if changes:
        audit_record(action="core.bank_account.update", actor=actor, obj=instance, changes=changes)
    return instance


def payee_errors(data: PayeeData, *, row: int | None = None) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    if not data.name.strip():
        errors.append(
            ErrorDetail(
                code="required",
                field="name",
                row=row,
                message_zh="收款人名称不能为空",
                message_en="Payee name is required",
            )
        )
    if data.kind == PayeeKind.ORGANISATION:
        errors += rules.check_credit_code(data.credit_code, row=row)
    elif data.kind == PayeeKind.INDIVIDUAL:
        errors += rules.check_id_number(data.id_number, row=row)
    else:
        errors.append(
            ErrorDetail(
                code="invalid_choice",
                field="kind",
                row=row,
                value=data.kind,
                limit="organisation/individual",
                message_zh="收款人类型无效",
                message_en="Invalid payee kind",
            )
        )
    errors += rules.check_bank_account_no(data.bank_account_no, field="bank_account_no", row=row)
    errors += _check_bank_code(data.bank_code, row)
    if not data.bank_name.strip():
        errors.append(
            ErrorDetail(
                code="required",
                field="bank_name",
                row=row,
                message_zh="开户银行不能为空",
                message_en="Bank is required",
            )
        )
    return errors


def _payee_snapshot(payee: Payee) -> dict[str, object]:
    """The audit keeps identity numbers masked (DESIGN §7); the change itself stays visible."""
    values = snapshot(payee, PAYEE_FIELDS)
    values["id_number"] = rules.mask_id_number(payee.id_number) if payee.id_number else ""
    return values


def _normalised(data: PayeeData) -> PayeeData:
    """Only the identifier that fits the kind is kept; the other stays empty."""
    if data.kind == PayeeKind.ORGANISATION:
        return PayeeData(
            **{**asdict(data), "id_number": "", "credit_code": data.credit_code.upper()}
        )
    return PayeeData(**{**asdict(data), "credit_code": "", "id_number": data.id_number.upper()})


def _duplicate_payee(
    organisation_id: int, data: PayeeData, exclude_pk: int | None
) -> list[ErrorDetail]:
    clash = Payee.objects.filter(
        organisation_id=organisation_id, bank_account_no=data.bank_account_no, name=data.name
    )
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if not clash.exists():
        return []
    return [
        ErrorDetail(
            code="core.duplicate_payee",
            field="bank_account_no",
            value=data.bank_account_no,
            message_zh=f"本单位已登记收款人“{data.name}”的账号 {rules.mask_account_no(data.bank_account_no)}",
            message_en=f"Payee '{data.name}' with this account is already registered by this unit",
        )
    ]


@transaction.atomic
def payee_create(*, actor: Actor, organisation_id: int, data: PayeeData) -> Payee:
    ensure_permission(actor, "core.add_payee")
    organisation = _organisation_for(actor, organisation_id)
    data = _normalised(data)
    raise_if_any(payee_errors(data) + _duplicate_payee(organisation.pk, data, None))
    payee = Payee(mof_div_code=organisation.mof_div_code, organisation=organisation, **asdict(data))
    payee.save()
    audit_record(
        action="core.payee.create",
        actor=actor,
        obj=payee,
        changes={k: [None, v] for k, v in _payee_snapshot(payee).items()},
    )
    return payee


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def payee_update(*, actor: Actor, payee: Payee, data: PayeeData) -> Payee:
    ensure_permission(actor, "core.change_payee")
    ensure_in_scope(actor, mof_div_code=payee.mof_div_code, organisation_id=payee.organisation_id)
    instance = locks.payee_qs_select_for_update().get(pk=payee.pk)
    data = _normalised(data)
    raise_if_any(payee_errors(data) + _duplicate_payee(instance.organisation_id, data, instance.pk))
    before = _payee_snapshot(instance)
    for name, value in asdict(data).items():
        setattr(instance, name, value)
    instance.save()
    changes = diff(before, _payee_snapshot(instance))
    if changes:
        audit_record(action="core.payee.update", actor=actor, obj=instance, changes=changes)
    return instance
