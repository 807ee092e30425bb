from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayrollConfig(AppConfig):
    name = "yusuan.payroll"
    label = "payroll"
    verbose_name = _("Payroll")

    def ready(self) -> None:
        from yusuan.payments.origins import register_origin
        from yusuan.payroll.views import batch_origin

        # A payment request's page links the salary batch that made it (payments cannot import us).
        register_origin("payroll.batch", batch_origin)

        from yusuan.payments.hooks import register_release_check
        from yusuan.payroll.checks import PersonnelFindings

        # R-PS-5's warnings reach the request, its approver and its voucher (ADR 0045).
        register_release_check("payroll.personnel", PersonnelFindings())

        from yusuan.payroll.documents import register_documents

        register_documents()  # how its documents read on the audit log and traces
