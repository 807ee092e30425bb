"""Row locks of the payroll app, one function per locked set (Saleor's ``lock_objects``).

A salary batch is locked before the payment request made from it is written (whose own locks are
``payments.locks``), so two clerks cannot make two requests from one batch.
"""

from __future__ import annotations

from yusuan.core.models.base import ScopedQuerySet
from yusuan.payroll.models import PayrollBatch


def batch_qs_select_for_update() -> ScopedQuerySet[PayrollBatch]:
    """Salary batches, locked in pk order."""
    return PayrollBatch.objects.order_by("pk").select_for_update(of=("self",))
