from yusuan.core.models.account import BankAccount, Payee
from yusuan.core.models.classification import ClassificationCode, EconomicMapping
from yusuan.core.models.organisation import Organisation
from yusuan.core.models.region import FiscalYear, Region
from yusuan.core.models.sequence import DocumentSequence
from yusuan.core.models.standards import Standard, StandardVersion

__all__ = [
    "BankAccount",
    "ClassificationCode",
    "DocumentSequence",
    "EconomicMapping",
    "FiscalYear",
    "Organisation",
    "Payee",
    "Region",
    "Standard",
    "StandardVersion",
]
