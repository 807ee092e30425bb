"""What each audit action is called on the audit page, and which kind of event it is.

Actions are stable codes written by the services (``payments.voucher_issue``) and by the security
event recorders (``security.login.failed``); a person reads them through these gettext labels. An
action without a label is shown by its code, so a new action is never hidden.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

SECURITY = "security"
CHANGE = "change"
# Sign-ins, refusals and downloads (``security.*``) change nothing; accounts, roles, passwords and
# tokens (``identity.*``) are state changes, but an auditor looks for them with the former.
SECURITY_PREFIXES = ("security.", "identity.")

ACTION_LABELS: dict[str, Any] = {
    # Security events: written by the login throttle and the security-event middleware.
    "security.login.succeeded": _("Signed in"),
    "security.login.failed": _("Sign-in failed"),
    "security.login.lockout": _("Locked out after failed sign-ins"),
    "security.login.refused": _("Sign-in refused"),
    "security.logout": _("Signed out"),
    "security.permission_denied": _("Refused: no permission (403)"),
    "security.scope_refused": _("Refused: object outside the data scope or missing (404)"),
    "security.not_found": _("Page not found (404)"),
    "security.csrf_failure": _("Refused: CSRF check failed"),
    "security.token_refused": _("Refused: API token invalid, expired or revoked (401)"),
    "security.token_scope_refused": _("Refused: the API token lacks the scope (403)"),
    "security.events_suppressed": _("Repeated anonymous events counted, not listed one by one"),
    "security.download": _("Export or file download"),
    # Accounts and credentials.
    "identity.user.create": _("User created"),
    "identity.user.roles": _("Roles changed"),
    "identity.user.active": _("Account enabled or disabled"),
    "identity.user.unlock": _("Account unlocked"),
    "identity.password.change": _("Password changed"),
    "identity.password.reset": _("Password reset by an administrator"),
    "identity.api_token.issue": _("API token issued"),
    "identity.api_token.revoke": _("API token revoked"),
    # Master data.
    "core.region.create": _("Region created"),
    "core.fiscal_year.open": _("Fiscal year opened"),
    "core.fiscal_year.close": _("Fiscal year closed"),
    "core.organisation.create": _("Organisation created"),
    "core.organisation.update": _("Organisation changed"),
    "core.units.import": _("Units imported"),
    "core.bank_account.create": _("Bank account registered"),
    "core.bank_account.update": _("Bank account changed"),
    "core.payee.create": _("Payee registered"),
    "core.payee.update": _("Payee changed"),
    "core.code.update": _("Classification code changed"),
    "core.code_set.import": _("Code set imported"),
    "core.code_set.copy_year": _("Code set copied to the next year"),
    "core.standards.seed": _("Standards set for the year"),
    "core.standard.change": _("Standard changed"),
    # Approvals.
    "workflow.submit": _("Submitted for approval"),
    "workflow.approve": _("Approved"),
    "workflow.return": _("Returned"),
    "workflow.reject": _("Rejected"),
    "workflow.withdraw": _("Withdrawn"),
    "workflow.comment": _("Commented"),
    "workflow.escalate": _("Escalated (overdue)"),
    "workflow.definition_create": _("Approval definition created"),
    "workflow.definition_publish": _("Approval definition published"),
    "workflow.delegation_create": _("Delegation granted"),
    "workflow.delegation_revoke": _("Delegation revoked"),
    "workflow.calendar_day_set": _("Working calendar day set"),
    "workflow.calendar_day_remove": _("Working calendar day removed"),
    # Projects and indicators.
    "projects.create": _("Project created"),
    "projects.update": _("Project changed"),
    "projects.state": _("Project state changed"),
    "projects.plans": _("Project plan by year changed"),
    "projects.calculation": _("Project calculation detail changed"),
    "projects.goal": _("Performance goal changed"),
    "projects.document_add": _("Basis document added"),
    "projects.document_remove": _("Basis document removed"),
    "projects.review.ex_ante": _("Ex-ante performance assessment recorded"),
    "projects.review.appraisal": _("Financial appraisal recorded"),
    "projects.rank": _("Project ranked"),
    "projects.roll": _("Project rolled into the next year"),
    "projects.change.start": _("Project change opened"),
    "projects.change.state": _("Project change state changed"),
    "projects.change.applied": _("Project change applied"),
    "indicators.document_create": _("Indicator document created"),
    "indicators.document_update": _("Indicator document changed"),
    "indicators.document_state": _("Indicator document state changed"),
    "indicators.document_post": _("Indicator document posted"),
    "indicators.document_void": _("Indicator document voided"),
    "indicators.source_create": _("Indicator source opened"),
    "indicators.sources_baseline": _("Indicator sources baselined"),
    "indicators.movements_baseline": _("Indicator movements baselined"),
    "indicators.subtype_relabelled": _("Indicator document subtype relabelled"),
    "indicators.budget_adjustment_create": _("Budget adjustment (预算调整) recorded"),
    "indicators.supplement_create": _("Supplement request created"),
    "indicators.supplement_update": _("Supplement request changed"),
    "indicators.supplement_state": _("Supplement request state changed"),
    "indicators.supplement_answer": _("Supplement request answered"),
    # Monitoring (R-MO-14).
    "monitoring.finding_explained": _("Warning explained by the unit"),
    "monitoring.finding_normal": _("Warning confirmed normal"),
    "monitoring.finding_rectify": _("Warning sent back for rectification"),
    "monitoring.finding_cleared": _("Warning cleared by the explanation"),
    "monitoring.settings_change": _("Monitoring levels and thresholds changed"),
    # Payments.
    "payments.request_create": _("Payment request created"),
    "payments.request_update": _("Payment request changed"),
    "payments.request_state": _("Payment request state changed"),
    "payments.explain": _("Payment explanation given"),
    "payments.voucher_issue": _("Payment voucher issued"),
    "payments.bank_file": _("Bank file made"),
    "payments.bank_result": _("Bank result recorded"),
    "payments.allocation_result": _("Treasury receipt recorded (实拨)"),
    "payments.clearing": _("Clearing recorded"),
    "payments.clearing_state": _("Clearing state changed"),
    "payments.contract_file": _("Contract filed"),
    "procurement.contract_state": _("Contract closed"),
    "reports.rebuild": _("Execution aggregates rebuilt from the ledger"),
    "monitoring.scan": _("After-the-fact monitoring scan run"),
    "monitoring.inquiry_issue": _("Inquiry issued to a unit"),
    "monitoring.inquiry_reply": _("Inquiry answered by the unit"),
    "monitoring.inquiry_state": _("Inquiry state changed"),
    "procurement.intention_create": _("Procurement intention entered"),
    "procurement.intention_update": _("Procurement intention changed"),
    "procurement.intention_publish": _("Procurement intention published"),
    "procurement.intention_withdraw": _("Procurement intention withdrawn"),
    "procurement.plan_create": _("Procurement plan entered"),
    "procurement.plan_update": _("Procurement plan changed"),
    "procurement.plan_state": _("Procurement plan state changed"),
    "procurement.award_record": _("Procurement award recorded"),
    "procurement.change_create": _("Procurement change entered"),
    "procurement.change_state": _("Procurement change state changed"),
    "procurement.plan_method_changed": _("Procurement method changed"),
    "procurement.contract_supplemented": _("Supplementary contract added to the contract"),
    "procurement.acceptance_record": _("Contract acceptance recorded"),
    "procurement.catalogue_copy": _("Central procurement catalogue copied to the new year"),
    "procurement.catalogue_set": _("Central procurement catalogue entry set"),
    "procurement.catalogue_remove": _("Central procurement catalogue entry removed"),
    "payments.refund_register": _("Refund registered"),
    "payments.refund_state": _("Refund state changed"),
    "payments.correction_register": _("Correction registered"),
    "payments.correction_state": _("Correction state changed"),
    "payments.payroll_import": _("Salary sheet imported"),
    "payments.payroll_request": _("Salary payment request made"),
    "payments.payroll_contributions": _("Employer contributions imported"),
    # Unit accounting (issue 19).
    "accounting.account.add": _("Account added to the chart"),
    "accounting.asset_card.create": _("Asset card registered"),
    "accounting.depreciation.run": _("Depreciation of a month booked"),
    "accounting.book.open": _("Book opened"),
    "accounting.period.close": _("Accounting month closed"),
    "accounting.period.reopen_request": _("Reopening of a month asked"),
    "accounting.period.reopen": _("Accounting month reopened"),
    "accounting.rule.version": _("Posting rule changed"),
    "accounting.voucher.create": _("Voucher prepared"),
    "accounting.voucher.update": _("Voucher changed"),
    "accounting.voucher.delete": _("Draft voucher deleted"),
    "accounting.voucher.review": _("Voucher reviewed"),
    "accounting.voucher.unreview": _("Voucher review undone"),
    "accounting.voucher.post": _("Voucher posted"),
    "accounting.voucher.reverse": _("Voucher reversed in red ink"),
    # 预算编制 (issue 18)
    "budgeting.round_open": _("Budget round opened"),
    "budgeting.congress_record": _("People's congress approval recorded"),
    "budgeting.revenue_plan": _("Revenue plan saved"),
    "budgeting.control_save": _("Control figures saved"),
    "budgeting.control_fill": _("Control figures filled in"),
    "budgeting.control_issue": _("Control figures issued"),
    "budgeting.draft_start": _("Budget draft started"),
    "budgeting.draft_import": _("Budget draft imported"),
    "budgeting.draft.state": _("Budget draft moved"),
    "budgeting.line_save": _("Budget line saved"),
    "budgeting.line_remove": _("Budget line removed"),
    "budgeting.provisional_issue": _("Provisional budget issued"),
    "budgeting.reply_create": _("Budget reply (批复) entered"),
    "budgeting.reply_change_create": _("Budget reply change entered"),
    "budgeting.reply_generate": _("Budget reply generated"),
    "budgeting.reply_line": _("Budget reply line saved"),
    "budgeting.reply_units": _("Budget reply units chosen"),
    "budgeting.reply.state": _("Budget reply moved"),
    # 人员信息库 (R-PS)
    "personnel.change.create": _("Personnel change entered"),
    "personnel.change.update": _("Personnel change edited"),
    "personnel.change.state": _("Personnel change moved"),
    "personnel.person.change": _("Person record changed"),
    "personnel.person.import": _("People imported"),
    "personnel.establishment.set": _("Establishment (编制) set"),
    "personnel.snapshot.take": _("Personnel budget snapshot taken"),
    # 项目库 (R-PJ)
    "projects.import": _("Projects imported"),
    "projects.basic.compute": _("Basic expenditure computed"),
    "projects.basic.override": _("Basic expenditure figure overridden"),
    "projects.basic.update": _("Basic expenditure recomputed"),
    # The document-type kit's example (a test-only app)
    "memos.memo.state": _("Memo moved"),
}


def action_label(action: str) -> str:
    """The action in the page's language; its code when it has no label yet."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def action_kind(action: str) -> str:
    return SECURITY if action.startswith(SECURITY_PREFIXES) else CHANGE


def action_choices(kind: str = "") -> list[tuple[str, str]]:
    """(code, label) for the page's action filter, security events first."""
    codes = [code for code in ACTION_LABELS if not kind or action_kind(code) == kind]
    return [(code, action_label(code)) for code in codes]
