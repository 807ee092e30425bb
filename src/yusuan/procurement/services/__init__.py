"""Procurement services: the contract registry of the double control (R-PY-3) and its
reservations of indicator money (R-GP-9)."""

from yusuan.procurement.services.contracts import (
    ContractInput,
    ContractLineInput,
    contract_close,
    contract_file,
)

__all__ = ["ContractInput", "ContractLineInput", "contract_close", "contract_file"]
