"""The role catalogue of DESIGN §2 and the default incompatible-role matrix, as data.

``roles_sync()`` writes them to the database after every migrate; administrators may extend the
matrix in the database (it is configuration, P6), the sync only adds what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

VIEW_MASTER = (
    "core.view_region",
    "core.view_fiscalyear",
    "core.view_organisation",
    "core.view_classificationcode",
    "core.view_economicmapping",
    "core.view_bankaccount",
    "core.view_payee",
    "core.view_standard",  # ADR 0039: everyone in the region reads its standards
    "procurement.view_catalogueitem",  # ADR 0052: and its 集中采购目录
)
EDIT_MASTER = (
    "core.add_organisation",
    "core.change_organisation",
    "core.add_bankaccount",
    "core.change_bankaccount",
    "core.add_classificationcode",
    "core.change_classificationcode",
    "core.add_fiscalyear",
    "core.change_fiscalyear",
)
# ADR 0039: rates, quotas and 支出标准 are the budget division's data.
STANDARDS_EDIT = ("core.add_standard", "core.change_standard")
AUDIT_OWN = ("audit.view_auditrecord",)
AUDIT_ALL = ("audit.view_auditrecord", "audit.view_all_audit")
PAYEE_EDIT = ("core.add_payee", "core.change_payee")
PERSONAL = ("core.view_personal_data",)
PROJECT_VIEW = ("projects.view_project",)
PROJECT_EDIT = ("projects.add_project", "projects.change_project")
# R-PJ-9: ex-ante assessments (绩效处) and financial appraisals (评审中心) with expert scores.
PROJECT_REVIEW = ("projects.add_projectreview",)
# R-PJ-6: a department ranks its units' stored projects.
PROJECT_RANK = ("projects.rank_project",)
# R-PJ-12: the budget division rolls the library over and removes stale projects (出库).
PROJECT_LIBRARY = ("projects.roll_library",)
# R-PJ-5/R-PJ-8: the budget division computes basic expenditure and may override a figure.
PROJECT_BASIC = ("projects.compute_basic", "projects.override_basic", "projects.view_basicrun")
# Supervisors: approval definitions (read) and the overdue list of their scope.
WORKFLOW_VIEW = ("workflow.view_approvaldefinition", "workflow.view_workflowinstance")
WORKFLOW_ADMIN = (
    "workflow.add_approvaldefinition",
    "workflow.change_approvaldefinition",
    "workflow.add_delegation",
    "workflow.change_delegation",
    "workflow.view_calendarday",
    "workflow.change_calendarday",
)

INDICATOR_VIEW = (
    "indicators.view_indicatorline",
    "indicators.view_indicatordocument",
    "indicators.view_supplementrequest",
    "indicators.view_indicatorsource",
    "indicators.view_budgetadjustment",
    "reports.view_executionday",  # issue 22: execution of the lines one sees
)
# R-IN-7, R-AJ-7: only the budget division opens sources and records 预算调整.
INDICATOR_SOURCES = ("indicators.add_indicatorsource", "indicators.add_budgetadjustment")
INDICATOR_FINANCE = (
    "indicators.add_indicatordocument",
    "indicators.change_indicatordocument",
    "indicators.post_indicatordocument",
)
INDICATOR_ADJUST = (
    "indicators.enter_adjustment",
    "indicators.change_indicatordocument",
    # 追加申请 (R-AJ-7): a unit asks for more money; finance answers (budget officer).
    "indicators.add_supplementrequest",
    "indicators.change_supplementrequest",
)
PAYMENT_VIEW = (
    "payments.view_paymentrequest",
    "procurement.view_contract",
    "procurement.view_procurementintention",  # R-GP-7: intentions are public anyway
    "procurement.view_procurementplan",
    "procurement.view_procurementaward",
    "procurement.view_contractacceptance",
    "procurement.view_procurementchange",
    "payments.view_refund",
    "payments.view_correction",
    "payroll.view_payrollbatch",
)
PAYMENT_ENTER = (
    "payments.add_paymentrequest",
    "payments.change_paymentrequest",
    "payments.add_refund",
    "payments.add_correction",
    "payroll.add_payrollbatch",
    "payroll.change_payrollbatch",
)
REFUND_CONFIRM = ("payments.change_refund", "payments.change_correction")
CONTRACT_EDIT = ("procurement.add_contract", "procurement.change_contract")
# 意向公开 (R-GP-1, R-GP-7): the clerk enters, the unit's approver publishes or withdraws.
INTENTION_EDIT = (
    "procurement.add_procurementintention",
    "procurement.change_procurementintention",
)
INTENTION_PUBLISH = ("procurement.publish_procurementintention",)
# 采购实施计划 (ADR 0052): the clerk enters, submits and closes; approvers decide in the engine.
PLAN_EDIT = ("procurement.add_procurementplan", "procurement.change_procurementplan")
# 履约验收 (R-GP-10): any of the unit's people but the requester (the service checks who).
ACCEPTANCE = ("procurement.add_contractacceptance",)
BANK_EXCHANGE = ("payments.send_to_bank", "payments.record_bank_result")
# R-MO-14: red and orange warnings are decided by the finance monitoring officer (监控岗) or the
# supervising division (主管处室); levels and thresholds are the monitoring officer's data.
MONITORING_REVIEW = ("monitoring.view_monitoringfinding", "monitoring.review_finding")
MONITORING_SETTINGS = ("monitoring.view_rulesettings", "monitoring.add_rulesettings")
MONITORING_VIEW = ("monitoring.view_monitoringfinding",)
# Inquiries (问询单): the monitoring officer issues them, the unit's clerk answers them.
INQUIRY_ISSUE = ("monitoring.view_inquiry", "monitoring.add_inquiry")
INQUIRY_REPLY = ("monitoring.view_inquiry", "monitoring.change_inquiry")
# 人员信息库 (R-PS): units' HR clerks enter change documents; unit, department and the finance
# 人员库管理岗 approve them; finance loads sheets, records 编制 and takes the budget snapshot.
PERSONNEL_VIEW = (
    "personnel.view_person",
    "personnel.view_personnelchange",
    "personnel.view_establishment",
    "personnel.view_budgetsnapshot",
)
PERSONNEL_ENTER = ("personnel.add_personnelchange", "personnel.change_personnelchange")
PERSONNEL_FINANCE = (
    "personnel.import_person",
    "personnel.add_establishment",
    "personnel.change_establishment",
    "personnel.add_budgetsnapshot",
)
# 预算编制 (issue 18, ADR 0046): units prepare their drafts; the budget division opens the round,
# records the people's congress approval, issues control numbers and enters the 批复.
BUDGET_VIEW = (
    "budgeting.view_budgetround",
    "budgeting.view_budgetdraft",
    "budgeting.view_budgetline",
    "budgeting.view_controlissue",
    "budgeting.view_reply",
)
BUDGET_PREPARE = ("budgeting.prepare_budget",)
BUDGET_FINANCE = (
    "budgeting.manage_round",
    "budgeting.issue_control",
    "budgeting.reply_budget",
)
# 单位会计核算 (issue 19, ADR 0047): 会计 prepares and posts, 会计主管 reviews and closes months
# (制单 ≠ 审核 ≠ 记账 per voucher); finance's accounting supervisor keeps the region's chart and
# posting rules and reads every unit's books.
ACCOUNTING_VIEW = (
    "accounting.view_book",
    "accounting.view_voucher",
    "accounting.view_account",
    "accounting.view_postingrule",
)
ACCOUNTING_KEEP = ("accounting.keep_books",)
ACCOUNTING_REVIEW = ("accounting.review_vouchers",)
ACCOUNTING_CHART = ("accounting.manage_chart",)

FINANCE = ["finance_bureau", "finance_division"]
AGENCY = ["department", "unit"]


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    name_en: str
    organisation_kinds: tuple[str, ...]
    permissions: tuple[str, ...]
    division_types: tuple[str, ...] = ()
    # Reads only: no API write scope, no approval comment or decision (an auditor watches).
    read_only: bool = False


ROLE_CATALOGUE: tuple[RoleSpec, ...] = (
    RoleSpec(
        "sysadmin",
        "系统管理员",
        "System administrator",
        tuple(FINANCE),
        VIEW_MASTER
        + EDIT_MASTER
        + PAYEE_EDIT
        + AUDIT_ALL
        + PROJECT_VIEW
        + WORKFLOW_VIEW
        + WORKFLOW_ADMIN
        + (
            "identity.view_user",
            "identity.add_user",
            "identity.change_user",
            "identity.view_sod_report",
            "identity.add_apitoken",
            "identity.change_apitoken",
        ),
        ("administration",),
    ),
    RoleSpec(
        "budget_officer",
        "预算处",
        "Budget division officer",
        tuple(FINANCE),
        VIEW_MASTER
        + EDIT_MASTER
        + AUDIT_OWN
        + PROJECT_VIEW
        + PROJECT_LIBRARY
        + PROJECT_BASIC
        + WORKFLOW_VIEW
        + INDICATOR_VIEW
        + INDICATOR_FINANCE
        + STANDARDS_EDIT
        # R-AJ-6: finance enters moves between departments (and between units for a department).
        + ("indicators.enter_adjustment", "indicators.answer_supplementrequest")
        + INDICATOR_SOURCES
        + PERSONNEL_VIEW
        + BUDGET_VIEW
        + BUDGET_FINANCE,
        ("budget",),
    ),
    RoleSpec(
        "personnel_officer",
        "人员库管理岗",
        "Personnel database officer",
        tuple(FINANCE),
        VIEW_MASTER + PERSONAL + AUDIT_OWN + WORKFLOW_VIEW + PERSONNEL_VIEW + PERSONNEL_FINANCE,
        ("budget",),
    ),
    RoleSpec(
        "sector_officer",
        "业务处室",
        "Sector division officer",
        tuple(FINANCE),
        VIEW_MASTER
        + AUDIT_OWN
        + PROJECT_VIEW
        + WORKFLOW_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + MONITORING_REVIEW
        + PERSONNEL_VIEW
        + BUDGET_VIEW,
        ("sector",),
    ),
    RoleSpec(
        "treasury_officer",
        "国库处/支付中心",
        "Treasury officer",
        tuple(FINANCE),
        VIEW_MASTER
        + PERSONAL
        + ("core.add_bankaccount", "core.change_bankaccount")
        + AUDIT_OWN
        + WORKFLOW_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + BANK_EXCHANGE
        # Dynamic monitoring (动态监控) runs on the treasury side: it reads every warning.
        + MONITORING_VIEW
        + ("payments.confirm_allocation",)
        + ("payments.add_refund",)
        + REFUND_CONFIRM,
        ("treasury",),
    ),
    RoleSpec(
        "monitoring_officer",
        "监控岗",
        "Finance monitoring officer",
        tuple(FINANCE),
        VIEW_MASTER
        + AUDIT_OWN
        + PROJECT_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + MONITORING_REVIEW
        + MONITORING_SETTINGS
        + INQUIRY_ISSUE,
        ("treasury",),
    ),
    RoleSpec(
        "procurement_officer",
        "政府采购处",
        "Procurement officer",
        tuple(FINANCE),
        VIEW_MASTER
        + AUDIT_OWN
        + PROJECT_VIEW
        + WORKFLOW_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + CONTRACT_EDIT
        + ("procurement.change_catalogueitem",),  # 集中采购目录 (R-GP-11, ADR 0052)
        ("procurement",),
    ),
    RoleSpec(
        "performance_officer",
        "绩效处",
        "Performance officer",
        tuple(FINANCE),
        VIEW_MASTER
        + AUDIT_OWN
        + PROJECT_VIEW
        + PROJECT_REVIEW
        + WORKFLOW_VIEW
        + INDICATOR_VIEW
        + BUDGET_VIEW,
        ("performance",),
    ),
    RoleSpec(
        "appraisal_officer",
        "评审中心",
        "Appraisal centre officer",
        tuple(FINANCE),
        VIEW_MASTER + AUDIT_OWN + PROJECT_VIEW + PROJECT_REVIEW + WORKFLOW_VIEW,
        ("appraisal",),
    ),
    RoleSpec(
        "unit_clerk",
        "经办",
        "Unit clerk",
        tuple(AGENCY),
        VIEW_MASTER
        + PAYEE_EDIT
        + AUDIT_OWN
        + PROJECT_VIEW
        + PROJECT_EDIT
        + INDICATOR_VIEW
        + INDICATOR_ADJUST
        + PAYMENT_VIEW
        + PAYMENT_ENTER
        + CONTRACT_EDIT
        + INTENTION_EDIT
        + PLAN_EDIT
        + ACCEPTANCE
        + PERSONNEL_VIEW
        + PERSONNEL_ENTER
        + BUDGET_VIEW
        + BUDGET_PREPARE
        + INQUIRY_REPLY,
    ),
    RoleSpec(
        "unit_reviewer",
        "复核",
        "Unit reviewer",
        tuple(AGENCY),
        VIEW_MASTER
        + AUDIT_OWN
        + PROJECT_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + PERSONNEL_VIEW
        + ACCEPTANCE,
    ),
    RoleSpec(
        "unit_approver",
        "审核（单位负责人）",
        "Unit approver",
        tuple(AGENCY),
        VIEW_MASTER
        + AUDIT_OWN
        + PROJECT_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + REFUND_CONFIRM
        + INTENTION_PUBLISH
        + ACCEPTANCE
        + PROJECT_RANK
        + PERSONNEL_VIEW
        + BUDGET_VIEW
        + ("core.change_organisation", "workflow.view_workflowinstance"),
    ),
    RoleSpec(
        "cashier",
        "出纳",
        "Cashier",
        tuple(AGENCY),
        VIEW_MASTER
        + PAYEE_EDIT
        + PERSONAL
        + AUDIT_OWN
        + PROJECT_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + PAYMENT_ENTER,
    ),
    RoleSpec(
        "accountant",
        "会计",
        "Accountant",
        tuple(AGENCY),
        VIEW_MASTER
        + PERSONAL
        + AUDIT_OWN
        + PROJECT_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + ACCOUNTING_VIEW
        + ACCOUNTING_KEEP,
    ),
    RoleSpec(
        "chief_accountant",
        "会计主管",
        "Chief accountant",
        tuple(AGENCY),
        VIEW_MASTER
        + PERSONAL
        + AUDIT_OWN
        + PROJECT_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + ACCOUNTING_VIEW
        + ACCOUNTING_REVIEW,
    ),
    RoleSpec(
        "accounting_supervisor",
        "会计核算监管岗",
        "Accounting supervisor (finance)",
        tuple(FINANCE),
        VIEW_MASTER
        + PROJECT_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + ACCOUNTING_VIEW
        + ACCOUNTING_CHART,
    ),
    RoleSpec(
        "bank",
        "代理银行（系统账户）",
        "Agent bank (system account)",
        ("bank",),
        (
            "core.view_bankaccount",
            "core.view_payee",
            "core.view_personal_data",
            "payments.record_bank_result",
        ),
    ),
    RoleSpec(
        "auditor",
        "审计",
        "Auditor",
        ("audit_office", "finance_bureau", "finance_division"),
        VIEW_MASTER
        + PERSONAL
        + AUDIT_ALL
        + PROJECT_VIEW
        + WORKFLOW_VIEW
        + INDICATOR_VIEW
        + PERSONNEL_VIEW
        + BUDGET_VIEW
        + ACCOUNTING_VIEW
        + ("identity.view_user", "identity.view_sod_report"),
        read_only=True,
    ),
    # ADR 0036: the bureau's leadership (局领导/分管领导) watches the district picture and reads
    # down to the rows; it enters, approves and decides nothing, and sees personal data masked.
    RoleSpec(
        "leader",
        "局领导/分管领导",
        "Bureau leadership",
        tuple(FINANCE),
        VIEW_MASTER
        + PROJECT_VIEW
        + WORKFLOW_VIEW
        + INDICATOR_VIEW
        + PAYMENT_VIEW
        + MONITORING_VIEW
        + PERSONNEL_VIEW
        + BUDGET_VIEW
        + ACCOUNTING_VIEW,
        read_only=True,
    ),
)

# Roles that only read (see ``RoleSpec.read_only``); a user holding no other role writes nothing.
READ_ONLY_ROLES = frozenset(spec.code for spec in ROLE_CATALOGUE if spec.read_only)

# R-PY-6 and P6: entry, review, approval and signing are different people; keeping the books and
# keeping the cash are different people; whoever administers the system does not audit it.
# C7 (DOMAIN-2): 经办–出纳 is not a pair — the cashier usually enters the requests. A cashier still
# may not review or approve the same request (R-WF-1, the engine) nor keep the books (出纳–会计).
INCOMPATIBLE_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("unit_clerk", "unit_reviewer", "经办与复核不相容 / entry and review"),
    ("unit_clerk", "unit_approver", "经办与审核不相容 / entry and approval"),
    ("unit_reviewer", "unit_approver", "复核与审核不相容 / review and approval"),
    ("cashier", "accountant", "出纳与会计不相容（钱账分管）/ cash and books"),
    ("cashier", "chief_accountant", "出纳与会计主管不相容（钱账分管）/ cash and books"),
    ("sysadmin", "auditor", "系统管理与审计不相容 / administration and audit"),
    ("budget_officer", "treasury_officer", "指标管理与支付审核不相容 / budget and treasury"),
)
