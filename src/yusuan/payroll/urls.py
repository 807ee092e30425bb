from django.urls import path

from yusuan.payroll import views

app_name = "payroll"

# Under /payments/payroll/ (src/yusuan/urls.py): the paths stayed where the pages always were.
urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("template.xlsx", views.sheet_template, name="sheet_template"),
    path("<id:pk>/", views.batch_detail, name="batch_detail"),
]
