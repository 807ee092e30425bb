from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "yusuan.payments"
    label = "payments"
    verbose_name = _("Treasury payments")

    def ready(self) -> None:
        from yusuan.common import worklist
        from yusuan.payments import workflow  # noqa: F401  (attaches the payment request handler)
        from yusuan.payments.worklist import payment_work

        worklist.provide("payments", payment_work)

        from yusuan.payments.documents import register_documents

        register_documents()  # how its documents read on the audit log and traces
