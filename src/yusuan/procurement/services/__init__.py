"""Procurement services: the contract registry of the double control (R-PY-3)."""

from yusuan.procurement.services.contracts import ContractInput, contract_file

__all__ = ["ContractInput", "contract_file"]
