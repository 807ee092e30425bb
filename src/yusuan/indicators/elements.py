"""The elements of an indicator line (指标要素), listed once: the entry rows (``rows.py``), the
document inputs and checks (``services/inputs.py``, ``services/row_checks.py``), the ledger page
and its export (``views.py``), the ledger's filters (``selectors.py``) and the API schemas (pinned
by a test) all read this list.

``label_en`` is marked for translation and used as it is in error messages (lower-cased) and
translated on pages (``gettext(label_en)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext_noop

from yusuan.core.choices import CodeKind

# "always": every line needs it; "executable": an executable line needs it too (R-IN-1).
Required = Literal["always", "executable", ""]
# ref: a row naming another record by code; code: a code of the year's code set; choice: one of
# fixed values; flag: yes/no; text: free text (a reference of another government); date: a day.
ValueKind = Literal["ref", "code", "choice", "flag", "text", "date"]


@dataclass(frozen=True)
class Element:
    name: str  # in entry rows, forms, the API and error fields (``lines[i].<name>``)
    attribute: str  # on IndicatorLine, its document lines and LineSpec
    label_zh: str
    label_en: str
    value: ValueKind
    code_kind: CodeKind | None = None  # the year's code set the value must be in
    required: Required = ""
    entered: bool = True  # the clerk enters it on a row (False: set by the system)
    specified: bool = True  # part of a new line's LineSpec (False: derived at posting)
    in_ledger: bool = True  # a ledger column, filter and export column
    hierarchical: bool = False  # the ledger filters it by prefix (a code and its children)
    transfer: bool = False  # R-IN-9: a reference of an upper-level transfer, inherited unchanged


ELEMENTS: tuple[Element, ...] = (
    Element(
        "organisation", "organisation_id", "单位", gettext_noop("Unit"), "ref", required="always"
    ),
    Element("project", "project_id", "项目", gettext_noop("Project"), "ref", required="executable"),
    Element(
        "exp_func_code",
        "exp_func_code",
        "功能分类",
        gettext_noop("Functional class"),
        "code",
        code_kind=CodeKind.FUNCTIONAL,
        required="always",
        hierarchical=True,
    ),
    Element(
        "dep_bgt_eco_code",
        "dep_bgt_eco_code",
        "部门经济分类",
        gettext_noop("Department economic class"),
        "code",
        code_kind=CodeKind.DEPARTMENT_ECONOMIC,
        required="executable",
        hierarchical=True,
    ),
    Element(
        "gov_bgt_eco_code",
        "gov_bgt_eco_code",
        "政府经济分类",
        gettext_noop("Government economic class"),
        "code",
        code_kind=CodeKind.GOVERNMENT_ECONOMIC,
        entered=False,
        specified=False,
        hierarchical=True,
    ),
    Element(
        "fund_type_code",
        "fund_type_code",
        "资金性质",
        gettext_noop("Fund nature"),
        "code",
        code_kind=CodeKind.FUND_TYPE,
        required="always",
    ),
    Element(
        "source_type_code",
        "source_type_code",
        "指标来源",
        gettext_noop("Indicator source"),
        "code",
        code_kind=CodeKind.SOURCE_TYPE,
        required="always",
    ),
    Element(
        "pay_type_code",
        "pay_type_code",
        "支付方式",
        gettext_noop("Payment type"),
        "code",
        code_kind=CodeKind.PAY_TYPE,
        required="executable",
        in_ledger=False,
    ),
    Element(
        "acc_type",
        "acc_type",
        "账户类别",
        gettext_noop("Account type"),
        "choice",
        required="executable",
        in_ledger=False,
    ),
    Element("is_gov_pur", "is_gov_pur", "政府采购", gettext_noop("Government procurement"), "flag"),
    Element("thr_exp_code", "thr_exp_code", "三公", gettext_noop("三公 category"), "choice"),
    Element("is_sal", "is_sal", "工资", gettext_noop("Salary"), "flag"),
    Element("is_dir", "is_dir", "直达", gettext_noop("Direct funds"), "flag"),
    # R-IN-9: what a line received from an upper-level government carries (DOMAIN-2 C4).
    Element(
        "sup_bgt_doc_no",
        "sup_bgt_doc_no",
        "上级指标文号",
        gettext_noop("Upper-level document number"),
        "text",
        in_ledger=False,
        transfer=True,
    ),
    Element(
        "rec_date",
        "rec_date",
        "接收日期",
        gettext_noop("Date received"),
        "date",
        in_ledger=False,
        transfer=True,
    ),
    Element(
        "track_pro_code",
        "track_pro_code",
        "追踪代码",
        gettext_noop("Tracking code"),
        "text",
        in_ledger=False,
        transfer=True,
    ),
    Element(
        "tp_func_code",
        "tp_func_code",
        "转移支付功能科目",
        gettext_noop("Transfer functional class"),
        "text",
        in_ledger=False,
        transfer=True,
    ),
    Element(
        "manage_division",
        "manage_division_id",
        "业务主管处室",
        gettext_noop("Supervising division"),
        "ref",
        entered=False,
        in_ledger=False,
    ),
)

# What a new line's LineSpec carries and a child line inherits from its parent.
SPEC_ELEMENTS = tuple(e for e in ELEMENTS if e.specified)
# What a clerk or client system enters on a row (by ``name``).
ENTERED_ELEMENTS = tuple(e for e in ELEMENTS if e.entered)
# Checked against the year's code sets when entered (R-IN-1).
CODED_ELEMENTS = tuple(e for e in ENTERED_ELEMENTS if e.code_kind is not None)
# Required on every line, then on executable lines too, in the order their errors are listed.
REQUIRED_ELEMENTS = tuple(e for e in ELEMENTS if e.required == "always") + tuple(
    e for e in ELEMENTS if e.required == "executable"
)
# R-IN-9: the upper-level transfer's references, entered on 下达 rows, inherited on allocation.
TRANSFER_ELEMENTS = tuple(e for e in ELEMENTS if e.transfer)
# The ledger's code columns and filters, and its yes/no flags.
LEDGER_CODES = tuple(e for e in ELEMENTS if e.in_ledger and e.value == "code")
LEDGER_FLAGS = tuple(e for e in ELEMENTS if e.in_ledger and e.value == "flag")
