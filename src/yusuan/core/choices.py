"""Choice sets of the master data (DOMAIN §2.1, §5.4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    CENTRAL = 1, _("Central")
    PROVINCE = 2, _("Province")
    CITY = 3, _("City")
    COUNTY = 4, _("County/District")
    # 乡镇 (街道): the lowest 财政 level; a county's 实拨 pays their finance offices (R-PY-12).
    TOWNSHIP = 5, _("Township")


class FiscalYearStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class OrganisationKind(models.TextChoices):
    FINANCE_BUREAU = "finance_bureau", _("Finance bureau")
    FINANCE_DIVISION = "finance_division", _("Finance bureau division")
    DEPARTMENT = "department", _("Department (first-level budget unit)")
    UNIT = "unit", _("Budget unit")
    BANK = "bank", _("Agent bank")
    AUDIT_OFFICE = "audit_office", _("Audit office")


AGENCY_KINDS = (OrganisationKind.DEPARTMENT, OrganisationKind.UNIT)


class DivisionType(models.TextChoices):
    BUDGET = "budget", _("Budget division")
    SECTOR = "sector", _("Sector division")
    TREASURY = "treasury", _("Treasury / payment centre")
    PROCUREMENT = "procurement", _("Government procurement division")
    PERFORMANCE = "performance", _("Performance division")
    APPRAISAL = "appraisal", _("Appraisal centre (评审中心)")
    ADMINISTRATION = "administration", _("System administration")


class AgencyType(models.TextChoices):
    """单位类型; decides the government economic mapping (R-MD-3)."""

    ADMINISTRATIVE = "1", _("Administrative")
    CIVIL_SERVICE_INSTITUTION = "2", _("Institution managed as civil service")
    INSTITUTION_FULL = "31", _("Public institution (fully funded)")
    INSTITUTION_PARTIAL = "32", _("Public institution (partly funded)")
    INSTITUTION_SELF = "33", _("Public institution (self-funded)")
    OTHER = "9", _("Other")


class BudgetLevel(models.IntegerChoices):
    FIRST = 1, _("First level (department)")
    SECOND = 2, _("Second level")
    BASIC = 3, _("Basic level")


class OrganisationState(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged")
    ABOLISHED = "abolished", _("Abolished")


class AccountType(models.TextChoices):
    UNIT_ZERO_BALANCE = "unit_zero_balance", _("Unit zero-balance account")
    FINANCE_ZERO_BALANCE = "finance_zero_balance", _("Finance zero-balance account")
    REAL_FUNDS = "real_funds", _("Real-funds (basic) account")
    # R-PY-12: the finance bureau's 国库单一账户; 实拨 (transfers to lower governments) pay from it.
    TREASURY_SINGLE = "treasury_single", _("Treasury single account")


class PayeeKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    INDIVIDUAL = "individual", _("Individual")


class CodeKind(models.TextChoices):
    """The element code sets, each versioned per fiscal year (R-MD-1…4)."""

    FUNCTIONAL = "functional", _("Functional classification")
    DEPARTMENT_ECONOMIC = "department_economic", _("Department economic classification")
    GOVERNMENT_ECONOMIC = "government_economic", _("Government economic classification")
    FUND_TYPE = "fund_type", _("Fund nature")
    SOURCE_TYPE = "source_type", _("Indicator source")
    PROJECT_CATEGORY = "project_category", _("Project category")
    PAY_TYPE = "pay_type", _("Payment type")
    SETTLEMENT_MODE = "settlement_mode", _("Settlement mode")
    # R-BP-15: the region's guiding catalogue of services it may buy (政府购买服务指导性目录).
    GOV_SERVICE = "gov_service", _("Government purchase of services catalogue")
    # R-BP-5, DOMAIN-2 §6.2: 政府采购品目分类目录 (A goods, B works, C services).
    PUR_ITEM = "pur_item", _("Government procurement items (品目)")


class EconomicGroup(models.TextChoices):
    """Which government-economic branch a unit's spending maps to (R-MD-3)."""

    AGENCY = "agency", _("Government agencies (50x)")
    INSTITUTION = "institution", _("Public institutions (505)")


class StandardGroup(models.TextChoices):
    """How the standards page groups a year's standards (支出标准 and 定员定额, ADR 0039)."""

    CONTRIBUTION = "contribution", _("Contribution rates")
    BASE = "base", _("Contribution base limits")
    SALARY = "salary", _("Salary items")
    PUBLIC = "public", _("Public funds quotas")
    EXPENSE = "expense", _("Expenditure standards")
    PROJECT = "project", _("Project library thresholds")
    ACCOUNTING = "accounting", _("Unit accounting")
    PROCUREMENT = "procurement", _("Government procurement")


class StandardUnit(models.TextChoices):
    """What a standard's integer value counts (ADR 0039): never a float."""

    BASIS_POINTS = "bp", _("basis points (1600 = 16.00 %)")
    PERCENT = "percent", _("percent of the average wage")
    FEN_PER_MONTH = "fen_month", _("fen per month")
    FEN_PER_PERSON_YEAR = "fen_person_year", _("fen per person per year")
    FEN_PER_VEHICLE_YEAR = "fen_vehicle_year", _("fen per vehicle per year")
    FEN_PER_PERSON_DAY = "fen_person_day", _("fen per person-day")
    FEN_PER_PERSON_NIGHT = "fen_person_night", _("fen per person-night")
    MONTHS = "months", _("months")
    FEN = "fen", _("fen")
    YEARS = "years", _("years")
    DAYS = "days", _("days")
    CHOICE = "choice", _("choice")
