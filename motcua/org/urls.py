from django.urls import path

from . import views

app_name = "org"
urlpatterns: list = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
]
