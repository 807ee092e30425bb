"""Procurement services: the contract registry of the double control (R-PY-3), its
reservations of indicator money (R-GP-9), procurement intentions (意向公开, R-GP-7) and
implementation plans (实施计划, R-GP-2, R-GP-8)."""

from yusuan.procurement.services.catalogue import catalogue_item_remove, catalogue_item_set
from yusuan.procurement.services.contract_terms import InstalmentInput
from yusuan.procurement.services.contracts import (
    ContractInput,
    ContractLineInput,
    contract_close,
    contract_file,
)
from yusuan.procurement.services.intentions import (
    IntentionInput,
    intention_create,
    intention_publish,
    intention_update,
    intention_withdraw,
)
from yusuan.procurement.services.plans import (
    PlanInput,
    PlanLineInput,
    plan_close,
    plan_create,
    plan_update,
)

__all__ = [
    "catalogue_item_remove",
    "catalogue_item_set",
    "ContractInput",
    "ContractLineInput",
    "InstalmentInput",
    "IntentionInput",
    "contract_close",
    "contract_file",
    "intention_create",
    "intention_publish",
    "intention_update",
    "intention_withdraw",
    "PlanInput",
    "PlanLineInput",
    "plan_close",
    "plan_create",
    "plan_update",
]
