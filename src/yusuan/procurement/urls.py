from django.urls import path

from yusuan.procurement import views

app_name = "procurement"

# Under /payments/ (included from yusuan.urls), where the contract registry has always been.
urlpatterns = [
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/<id:pk>/", views.contract_detail, name="contract_detail"),
]
