from django.urls import path

from yusuan.payments import contract_views, payroll_views, views

app_name = "payments"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_new, name="request_new"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("<int:pk>/submit/", views.request_submit_view, name="request_submit"),
    path("<int:pk>/explain/", views.request_explain_view, name="request_explain"),
    path("<int:pk>/void/", views.request_void_view, name="request_void"),
    path("<int:pk>/voucher/", views.voucher_print, name="voucher_print"),
    path("<int:pk>/voucher.pdf", views.voucher_pdf_view, name="voucher_pdf"),
    path("<int:pk>/lines/<int:row>/refund/", views.refund_new, name="refund_new"),
    path("<int:pk>/lines/<int:row>/correct/", views.correction_new, name="correction_new"),
    path(
        "<int:pk>/corrections/<int:correction_id>/post/",
        views.correction_post_view,
        name="correction_post",
    ),
    path(
        "<int:pk>/refunds/<int:refund_id>/confirm/",
        views.refund_confirm_view,
        name="refund_confirm",
    ),
    path("contracts/", contract_views.contract_list, name="contract_list"),
    path("payroll/", payroll_views.payroll_list, name="payroll_list"),
    path("payroll/template.xlsx", payroll_views.payroll_template, name="payroll_template"),
    path("payroll/<int:pk>/", payroll_views.payroll_detail, name="payroll_detail"),
    path("bank/", views.bank_exchange, name="bank_exchange"),
    path("bank/files/<int:pk>.xml", views.bank_file_download, name="bank_file_download"),
]
