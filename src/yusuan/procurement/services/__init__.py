"""Procurement services: the contract registry of the double control (R-PY-3), its
reservations of indicator money (R-GP-9), and procurement intentions (意向公开, R-GP-7)."""

from yusuan.procurement.services.catalogue import catalogue_item_remove, catalogue_item_set
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

__all__ = [
    "catalogue_item_remove",
    "catalogue_item_set",
    "ContractInput",
    "ContractLineInput",
    "IntentionInput",
    "contract_close",
    "contract_file",
    "intention_create",
    "intention_publish",
    "intention_update",
    "intention_withdraw",
]
