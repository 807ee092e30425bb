"""Document types whose approval rules ship before the module that owns them.

The indicators and payments modules attach their handlers when they are built; until then the
shipped approval definitions for them can be read, edited and previewed (R-AJ-2, P8).
"""

from __future__ import annotations

from yusuan.workflow.registry import DocumentType, Term, declare

ADJUSTMENT = declare(
    DocumentType(
        code="indicators.adjustment",
        name="预算调剂",
        name_en="Budget reallocation",
        subtypes=(
            Term(
                "procurement_split",
                "政府采购与非政府采购金额间调剂",
                "Procurement / non-procurement",
            ),
            Term("research_items", "科研项目内部科目间调剂", "Between items of a research project"),
            Term(
                "economic_class",
                "项目内经济分类科目间调剂",
                "Between economic classes in a project",
            ),
            Term("across_projects", "预算项目间调剂", "Between projects"),
            # R-AJ-6: moves between units are 调剂, not 预算调整 (a government-level record, R-AJ-7).
            Term("across_units", "单位间调剂（同一主管部门）", "Between units of one department"),
            Term("across_departments", "部门间调剂", "Between departments"),
        ),
        flags=(
            Term("three_public_increase", "增加三公经费", "Increases a 三公 line (R-AJ-3)"),
            Term("research", "科研项目", "Research project"),
        ),
    )
)

PAYMENT_REQUEST = declare(
    DocumentType(
        code="payments.request",
        name="支付申请",
        name_en="Payment request",
        subtypes=(
            Term("ordinary", "普通支付", "Ordinary"),
            Term("salary", "工资支付", "Salary"),
            Term("card_repayment", "公务卡还款", "Official card repayment"),
            Term("procurement", "政府采购支付", "Procurement"),
        ),
        flags=(
            Term("procurement", "政府采购", "Government procurement"),
            Term("personal_account", "付至个人账户", "To a personal account"),
            Term("cash", "提取现金", "Cash withdrawal"),
        ),
    )
)
