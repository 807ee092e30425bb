from django.contrib.auth import views as auth_views
from django.urls import path

from yusuan.identity import views

app_name = "identity"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("sod-report/", views.sod_report, name="sod_report"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create_view, name="user_create"),
    path("users/<id:pk>/", views.user_detail, name="user_detail"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/all/", views.token_admin, name="token_admin"),
]
