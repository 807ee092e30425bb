from yusuan.core.models.account import BankAccount, Payee
from yusuan.core.models.classification import ClassificationCode, EconomicMapping
from yusuan.core.models.organisation import Organisation
from yusuan.core.models.region import FiscalYear, Region

__all__ = [
    "BankAccount",
    "ClassificationCode",
    "EconomicMapping",
    "FiscalYear",
    "Organisation",
    "Payee",
    "Region",
]
