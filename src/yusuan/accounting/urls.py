from django.urls import path

from yusuan.accounting import views

app_name = "accounting"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("vouchers/", views.voucher_list_view, name="vouchers"),
    path("vouchers/<id:pk>/", views.voucher_detail, name="voucher_detail"),
    path("books/<id:book_pk>/trial-balance/", views.trial_balance_view, name="trial_balance"),
    path("books/<id:book_pk>/ledger/<str:code>/", views.ledger_view, name="ledger"),
    path(
        "books/<id:book_pk>/reconciliation/",
        views.reconciliation_view,
        name="reconciliation",
    ),
]
