from django.urls import path

from yusuan.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("grid/columns/", views.grid_columns_view, name="grid_columns"),
]
