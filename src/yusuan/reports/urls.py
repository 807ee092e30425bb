from django.urls import path

from yusuan.reports import views

app_name = "reports"

urlpatterns = [
    path("execution/", views.execution_view, name="execution"),
    path("consistency/", views.consistency_view, name="consistency"),
]
