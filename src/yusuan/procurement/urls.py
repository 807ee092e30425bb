from django.urls import path

from yusuan.procurement import change_views, plan_views, views

app_name = "procurement"

# Included at the root: the contract registry stays under /payments/, where it has always been.
urlpatterns = [
    path("payments/contracts/", views.contract_list, name="contract_list"),
    path("payments/contracts/<id:pk>/", views.contract_detail, name="contract_detail"),
    path("procurement/intentions/", views.intention_list, name="intention_list"),
    path("procurement/intentions/new/", views.intention_new, name="intention_new"),
    path("procurement/intentions/<id:pk>/", views.intention_detail, name="intention_detail"),
    path("procurement/plans/", plan_views.plan_list, name="plan_list"),
    path("procurement/plans/new/", plan_views.plan_new, name="plan_new"),
    path("procurement/plans/<id:pk>/", plan_views.plan_detail, name="plan_detail"),
    path("procurement/changes/new/", change_views.change_new, name="change_new"),
    path("procurement/changes/<id:pk>/", change_views.change_detail, name="change_detail"),
    path("procurement/report/", plan_views.execution_report, name="execution_report"),
    path("procurement/catalogue/", views.catalogue_view, name="catalogue"),
    # 意向公开 (R-GP-1): anyone may read what was published, without signing in.
    path(
        "public/procurement-intentions/",
        views.public_intention_list,
        name="public_intentions",
    ),
]
