from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.common.masking import mask_account_no
from yusuan.core.choices import AccountType, PayeeKind
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel


class BankAccount(TimestampedModel):
    """单位零余额账户, 财政零余额账户, 实有资金账户 of an organisation."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="bank_accounts",
    )
    account_type = models.CharField(_("account type"), max_length=24, choices=AccountType.choices)
    account_no = models.CharField(_("account number"), max_length=32)
    account_name = models.CharField(_("account name"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=120)
    bank_code = models.CharField(_("bank code (CNAPS)"), max_length=12, blank=True)
    # R-PY-9: the agent bank (a BANK organisation of the region) that holds the account; a unit
    # zero-balance account has exactly one, and only that bank gets its vouchers and reports
    # its results, returns and clearing.
    agent_bank = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("agent bank"),
        on_delete=models.PROTECT,
        related_name="held_accounts",
        null=True,
        blank=True,
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["organisation__code", "account_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "account_no"], name="bank_account_no_unique"
            )
        ]

    def __str__(self) -> str:
        # Masked: the name travels into titles, audit records and choice lists (ADR 0019).
        return f"{self.account_name} {mask_account_no(self.account_no)}"

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id


class Payee(TimestampedModel):
    """收款人: an organisation (统一社会信用代码) or an individual (身份证号) with a bank account.

    Registered by an organisation, whose scope decides who sees it; the identity number and bank
    account are masked in lists unless the role may view personal data.
    """

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="payees",
    )
    kind = models.CharField(_("payee kind"), max_length=12, choices=PayeeKind.choices)
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True)
    bank_account_no = models.CharField(_("bank account number"), max_length=32)
    bank_name = models.CharField(_("bank"), max_length=120)
    bank_code = models.CharField(_("bank code (CNAPS)"), max_length=12, blank=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payee")
        verbose_name_plural = _("payees")
        ordering = ["name"]
        permissions = [("view_personal_data", "Can see unmasked ID and bank account numbers")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="organisation") & ~models.Q(credit_code=""))
                | (models.Q(kind="individual") & ~models.Q(id_number="")),
                name="payee_identifier_required",
            ),
            models.UniqueConstraint(
                fields=["organisation", "bank_account_no", "name"], name="payee_unique_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id
