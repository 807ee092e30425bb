from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountingConfig(AppConfig):
    name = "yusuan.accounting"
    label = "accounting"
    verbose_name = _("Unit accounting")

    def ready(self) -> None:
        from yusuan.accounting.selectors import payment_vouchers, reconcile_check
        from yusuan.accounting.services.generate import subscribe
        from yusuan.accounting.worklist import accounting_work
        from yusuan.common import worklist
        from yusuan.indicators.reconcile_hooks import Reconciler, register_reconciler
        from yusuan.payments.origins import register_records

        subscribe()  # R-AC-7: every money event of a unit becomes its draft voucher (ADR 0022)
        register_reconciler(Reconciler("books / 账簿", reconcile_check))  # R-AC-2, R-AC-4
        register_records("accounting", payment_vouchers)  # a payment's page links its vouchers
        worklist.provide("accounting", accounting_work)  # the home page: what waits in the books
