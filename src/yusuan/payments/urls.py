from django.urls import path

from yusuan.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_new, name="request_new"),
    path("<id:pk>/", views.request_detail, name="request_detail"),
    path("<id:pk>/edit/", views.request_edit, name="request_edit"),
    path("<id:pk>/submit/", views.request_submit_view, name="request_submit"),
    path("<id:pk>/void/", views.request_void_view, name="request_void"),
    path("<id:pk>/voucher/", views.voucher_print, name="voucher_print"),
    path("<id:pk>/allocation/", views.allocation_receipt_view, name="allocation_receipt"),
    path("<id:pk>/voucher.pdf", views.voucher_pdf_view, name="voucher_pdf"),
    path("<id:pk>/lines/<id:row>/refund/", views.refund_new, name="refund_new"),
    path("<id:pk>/lines/<id:row>/correct/", views.correction_new, name="correction_new"),
    path(
        "<id:pk>/corrections/<id:correction_id>/post/",
        views.correction_post_view,
        name="correction_post",
    ),
    path(
        "<id:pk>/refunds/<id:refund_id>/confirm/",
        views.refund_confirm_view,
        name="refund_confirm",
    ),
    path("bank/", views.bank_exchange, name="bank_exchange"),
    path("bank/files/<id:pk>.xml", views.bank_file_download, name="bank_file_download"),
]
