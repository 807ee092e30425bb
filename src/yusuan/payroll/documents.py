"""How salary batches read on other pages (audit log): ``common.documents``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yusuan.common import documents
from yusuan.payroll.models import PayrollBatch


def register_documents() -> None:
    documents.register(
        "payroll.payrollbatch",
        noun=_("Salary batch"),
        permission="payroll.view_payrollbatch",
        queryset=PayrollBatch.objects.visible_to,
        number="number",
        url_name="payroll:batch_detail",
    )
