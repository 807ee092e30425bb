from django.urls import path

from yusuan.monitoring import views

app_name = "monitoring"

# Under /payments/ (included from yusuan.urls), where the explanation has always been posted.
urlpatterns = [
    path("<id:pk>/explain/", views.request_explain_view, name="request_explain"),
]
