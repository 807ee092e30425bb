"""Agent banks, clearing sources and 实拨 (DOMAIN-2 §1 C5; ADR 0029).

* R-PY-9: a unit zero-balance account is held at exactly one agent bank
  (``core.BankAccount.agent_bank``); its vouchers go only into that bank's files, and only that
  bank's system account reports results, returns (退票) and clearing figures for it.
* R-PY-11: the clearing source of a payment line follows its fund nature: 4xx (财政专户管理资金)
  clears against the 财政专户, 5xx (单位资金) is not cleared, every other fiscal fund against the
  国库单一账户.
* R-PY-12: a transfer to a lower-level government (government economic class 51301 上下级政府间
  转移性支出) is not paid through a zero-balance account but by 实拨: from the region's 国库单一账户,
  with a 实拨 voucher (``VoucherKind.ALLOCATION``) that goes into no bank file.
"""

from __future__ import annotations

from typing import Any

from yusuan.common.errors import BusinessRuleError
from yusuan.core.choices import AccountType, OrganisationKind
from yusuan.core.models import BankAccount, Organisation, Region
from yusuan.core.rules import mask_account_no

TREASURY, SPECIAL = "treasury", "special"  # ClearingDay.TREASURY / SPECIAL
SOURCE_NAMES = {
    TREASURY: ("国库单一账户", "treasury single account"),
    SPECIAL: ("财政专户", "special account"),
}

# R-PY-12: 政府预算支出经济分类 51301 上下级政府间转移性支出.
TRANSFER_GOV_ECO_PREFIX = "51301"


def clearing_source(fund_type_code: str) -> str | None:
    """R-PY-11: where a line's money is cleared from; ``None``: unit funds, not cleared."""
    if fund_type_code.startswith("5"):
        return None
    if fund_type_code.startswith("4"):
        return SPECIAL
    return TREASURY


def is_transfer_to_lower_government(gov_bgt_eco_code: str) -> bool:
    """R-PY-12: money for a lower-level government (转移支付), paid by 实拨."""
    return gov_bgt_eco_code.startswith(TRANSFER_GOV_ECO_PREFIX)


def is_allocation(payer_account: BankAccount | None) -> bool:
    """R-PY-12: a request paid from the 国库单一账户 is a 实拨 (treasury to treasury): its voucher
    is a PAY_ALLOCATION_CERT, it goes into no agent bank's file and is cleared against no
    zero-balance account."""
    return payer_account is not None and payer_account.account_type == AccountType.TREASURY_SINGLE


def lower_treasuries(mof_div_code: str) -> dict[str, str]:
    """R-PY-12: who a 实拨 may pay: the finance bureaus (财政局, 乡镇财政所) of the regions directly
    below ``mof_div_code``, by 统一社会信用代码 → name. A payee is one of them when its credit code
    is theirs; the receiving treasury account is the payee's account."""
    return dict(
        Organisation.objects.filter(
            kind=OrganisationKind.FINANCE_BUREAU,
            mof_div_code__in=Region.objects.filter(parent__mof_div_code=mof_div_code).values(
                "mof_div_code"
            ),
        )
        .exclude(credit_code="")
        .values_list("credit_code", "name")
    )


def actor_bank(actor: Any) -> Any | None:
    """The agent bank the actor acts for (its organisation is a bank), else ``None``: finance
    staff, who upload what the bank sent them."""
    organisation = getattr(actor, "organisation", None)
    if organisation is not None and organisation.kind == OrganisationKind.BANK:
        return organisation
    return None


def refuse_other_bank(
    actor: Any, account: BankAccount, *, field: str, what_zh: str, what_en: str
) -> None:
    """R-PY-9: a bank's system account reports only for the accounts that bank holds; anything
    else is refused naming the bank and the account (403)."""
    bank = actor_bank(actor)
    if bank is None or account.agent_bank_id == bank.pk:
        return
    holder = account.agent_bank.name if account.agent_bank is not None else "—"
    masked = mask_account_no(account.account_no)
    raise BusinessRuleError.single(
        code="payments.not_the_agent_bank",
        rule="R-PY-9",
        field=field,
        value=f"{bank.name} / {account.account_name} {masked}",
        limit=holder,
        message_zh=f"{bank.name}不是账户“{account.account_name}”（{masked}）的代理银行"
        f"（该账户开设在{holder}），不能报告其{what_zh}",
        message_en=f"{bank.name} does not hold account '{account.account_name}' ({masked}; held "
        f"at {holder}) and may not report its {what_en}",
        status=403,
    )
