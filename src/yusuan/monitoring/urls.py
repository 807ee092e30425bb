from django.urls import path

from yusuan.monitoring import views

app_name = "monitoring"

# Under /payments/ (included from yusuan.urls), where the explanation has always been posted.
urlpatterns = [
    path("<id:pk>/explain/", views.request_explain_view, name="request_explain"),
    # R-MO-14: the monitoring officer's queue, a finding's page and decision, levels and thresholds.
    path("monitoring/", views.queue_view, name="queue"),
    path("monitoring/findings/", views.finding_list_view, name="finding_list"),
    path("monitoring/findings/<id:pk>/", views.finding_view, name="finding_detail"),
    path("monitoring/findings/<id:pk>/decide/", views.finding_decide_view, name="finding_decide"),
    path("monitoring/settings/", views.settings_view, name="settings"),
]
